"""What the platform sees of the served app: /healthz, /readyz, /metrics, and JSON log lines that
carry the request's trace — through the real WSGI app, over loopback HTTP."""

from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.logs import TRACE_FIELD, configure_logging
from handlers import build_app
from handlers.http import make_wsgi_app
from simulators.secret_manager import Emulator
from simulators.slack import payloads
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.conftest import TEAM_ID, RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, USER, Wizard, updated
from tests.support.canary import new_canary
from tests.support.wsgi_server import WsgiThread

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PROJECT = "test-project"  # the settings fixture's GCP_PROJECT_ID
CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:9/unreachable"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET; an HTTP error status is an answer too."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read().decode()


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's own parser."""
    status, content_type, text = get(url + "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def json_log(bot: RunningBot) -> Iterator[io.StringIO]:
    """The app's log as production writes it (LOG_FORMAT=json), after the bot fixture's own."""
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream, log_format="json", project_id=PROJECT)
    yield stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_codat_register", False):
            root.removeHandler(handler)


# --- health ------------------------------------------------------------------------------------
def test_healthz_and_readyz_answer_200_when_the_database_answers(bot: RunningBot) -> None:
    assert get(bot.url + "/healthz")[::2] == (200, '{"ok": true}')
    status, content_type, body = get(bot.url + "/readyz")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body) == {"ok": True, "database": "up", "vault": "configured"}


def test_with_the_database_down_readyz_is_503_and_healthz_still_200(bot: RunningBot) -> None:
    healthy = bot.deps.db
    bot.deps.db = Database(CLOSED_PORT_URL, pool_pre_ping=False)  # nobody listens there
    try:
        status, _, body = get(bot.url + "/readyz")
        assert status == 503
        assert json.loads(body) == {"ok": False, "database": "down", "vault": "configured"}
        assert get(bot.url + "/healthz")[::2] == (200, '{"ok": true}')
    finally:
        bot.deps.db.dispose()
        bot.deps.db = healthy
    assert get(bot.url + "/readyz")[0] == 200


def test_a_removed_sqlite_file_is_not_ready(bot: RunningBot, tmp_path: Path) -> None:
    path = tmp_path / "gone.sqlite3"
    gone = Database(f"sqlite:///{path}")
    gone.upgrade()
    healthy, bot.deps.db = bot.deps.db, gone
    try:
        assert get(bot.url + "/readyz")[0] == 200
        gone.dispose()
        path.unlink()  # SQLite makes a new, empty file on the next connection: no schema in it
        assert get(bot.url + "/readyz")[0] == 503
        assert get(bot.url + "/healthz")[0] == 200
    finally:
        gone.dispose()
        bot.deps.db = healthy


def test_the_probes_name_no_host_project_or_version(bot: RunningBot, secret_manager: Emulator) -> None:
    answers = " ".join(get(bot.url + path)[2] for path in ("/healthz", "/readyz"))
    for configuration in (PROJECT, str(secret_manager.address), "127.0.0.1", "sqlite", "postgres", "0.1.0"):
        assert configuration not in answers


# --- metrics -----------------------------------------------------------------------------------
def test_metrics_parse_and_the_request_counters_and_ack_histogram_move(bot: RunningBot) -> None:
    before = scrape(bot.url)
    assert bot.events.command("help", user_id=USER).status == 200
    unsigned = payloads.slash_command_body("/codat-register", "help", user_id=USER, team_id=TEAM_ID)
    assert SlackEventsClient(bot.url + "/slack/events", "not-the-secret").post(unsigned).status == 401
    after = scrape(bot.url)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("codat_register_slack_requests_total", kind="slash_command", outcome="ok") == 1
    assert moved("codat_register_slack_requests_total", kind="other", outcome="refused") == 1
    assert moved("codat_register_ack_seconds_count", kind="slash_command") == 1
    assert moved("codat_register_ack_seconds_bucket", kind="slash_command", le="+Inf") == 1
    assert moved("codat_register_ack_seconds_sum", kind="slash_command") > 0
    # Every kind and outcome is there from the start (rates are defined before the first event).
    for kind in ("slash_command", "block_actions", "view_submission", "event", "other"):
        for outcome in ("ok", "refused", "error"):
            assert ("codat_register_slack_requests_total", (("kind", kind), ("outcome", outcome))) in after


def test_an_unhandled_error_counts_as_an_error_though_the_person_gets_a_polite_answer(
    bot: RunningBot,
) -> None:
    before = scrape(bot.url)
    healthy = bot.deps.db
    bot.deps.db = Database(CLOSED_PORT_URL, pool_pre_ping=False)  # fails inside the listener
    try:
        response = bot.events.command("status", user_id=USER)
    finally:
        bot.deps.db.dispose()
        bot.deps.db = healthy
    assert response.status == 200 and "reference `" in json.dumps(response.body)
    after = scrape(bot.url)
    key = ("codat_register_slack_requests_total", (("kind", "slash_command"), ("outcome", "error")))
    assert after[key] - before.get(key, 0) == 1


def test_the_gauges_are_read_from_the_database_at_scrape_time(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    assert sample(scrape(bot.url), "codat_register_open_registrations") == 0
    Wizard(bot, slack_api).start("start xero")  # a registration in progress
    samples = scrape(bot.url)
    assert sample(samples, "codat_register_open_registrations") == 1
    assert ("codat_register_pending_approvals", ()) in samples  # 0 until approvals exist


def test_metrics_carry_no_user_team_or_value(bot: RunningBot, slack_api: SlackWebApi) -> None:
    wizard = Wizard(bot, slack_api)
    wizard.start("start xero")
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": "xero-admins@acme.example"}))
    canary = new_canary()
    wizard.submit({"credential_client_id": "xero-id", "credential_client_secret": canary})
    text = get(bot.url + "/metrics")[2]
    for private in (USER, TEAM_ID, canary, "xero-admins@acme.example", "xero"):
        assert private not in text


def test_vault_writes_are_counted_by_outcome_and_timed(bot: RunningBot, slack_api: SlackWebApi) -> None:
    wizard = Wizard(bot, slack_api)
    wizard.start("start xero")
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": "xero-admins@acme.example"}))
    before = scrape(bot.url)
    updated(wizard.submit({"credential_client_id": "xero-id", "credential_client_secret": new_canary()}))
    after = scrape(bot.url)
    assert (
        sample(after, "codat_register_vault_writes_total", outcome="stored")
        - sample(before, "codat_register_vault_writes_total", outcome="stored")
        == 1
    )
    assert (
        sample(after, "codat_register_vault_write_seconds_count", outcome="stored")
        - sample(before, "codat_register_vault_write_seconds_count", outcome="stored")
        == 1
    )


def test_metrics_enabled_false_turns_the_endpoint_off(bot: RunningBot) -> None:
    deps = bot.deps
    settings = deps.settings
    deps.settings = settings.model_copy(update={"METRICS_ENABLED": False})
    server = WsgiThread(make_wsgi_app(build_app(deps), deps)).start()
    try:
        assert get(server.url + "/metrics")[0] == 404
        assert get(server.url + "/healthz")[0] == 200
    finally:
        server.stop()
        deps.settings = settings


# --- JSON logs ---------------------------------------------------------------------------------
def test_json_lines_of_a_credentials_submission_carry_its_trace_never_the_canary(
    bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator, json_log: io.StringIO
) -> None:
    wizard = Wizard(bot, slack_api)
    wizard.start("start xero")
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": "xero-admins@acme.example"}))
    json_log.truncate(0)
    json_log.seek(0)
    canary = new_canary()
    inputs = {"credential_client_id": "xero-id", "credential_client_secret": canary}
    body = payloads.view_submission_payload(
        wizard.current(), inputs, USER, TEAM_ID, trigger_id=slack_api.issue_trigger_id(USER)
    )
    response = bot.events.post(body, headers={"X-Cloud-Trace-Context": f"{TRACE}/1;o=1"})
    assert response.status == 200 and response.body["response_action"] == "update"
    bot.settle()
    bot.events.command("help", user_id=USER)  # a request without a trace header

    assert any(canary.encode() in payload for payload in secret_manager.payloads())
    text = json_log.getvalue()
    assert canary not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all({"severity", "message", "logger", "time"} <= line.keys() for line in lines)
    traced = [line for line in lines if line.get(TRACE_FIELD) == f"projects/{PROJECT}/traces/{TRACE}"]
    assert any(line["logger"] == "storage.vault.service" for line in traced), lines  # "stored … version"
    # Every line logged while serving the submission carries its trace, and only those.
    assert [line for line in lines if TRACE_FIELD in line] == traced
    audit = [line for line in traced if line.get("audit") is True]
    stored = [line for line in audit if line["action"] == "credentials.stored"]
    assert len(stored) == 1, audit
    registration = wizard.registration().id
    assert (stored[0]["subject"], stored[0].get("registration", registration)) == (registration, registration)
    assert (stored[0]["team"], stored[0]["actor"], stored[0]["severity"]) == (TEAM_ID, USER, "INFO")
