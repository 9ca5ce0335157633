"""`python app.py serve` as a deployment runs it: SIGTERM lets a slow request finish, JSON log lines,
and several workers whose /metrics add up."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.logs import TRACE_FIELD
from simulators.secret_manager import Emulator
from simulators.slack import payloads
from simulators.slack.events_client import EventsResponse, SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.handlers.wizard_support import PREREQS_DONE, USER
from tests.support.app_process import APP, app_env, free_port, wait_ready
from tests.support.canary import new_canary
from tests.support.database import fresh_database_url

TRACE = "0af7651916cd43dd8448eb211c80319c"
PROJECT = "test-project"
SLOW_SECONDS = 1.5  # how long the emulator holds the credentials' AddSecretVersion
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "the condition") -> None:
    """Poll `condition` (an event in another process: there is no clock to inject) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> tuple[int, str]:
    """SIGTERM, then the exit status and everything the process wrote."""
    process.send_signal(signal.SIGTERM)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate(timeout=5)
        raise AssertionError("app.py did not stop after SIGTERM") from None
    return process.returncode, (stdout + stderr).decode(errors="replace")


@pytest.fixture
def serve(
    tmp_path: Path, slack_api: SlackWebApi
) -> Iterator[Callable[..., tuple[str, subprocess.Popen[bytes]]]]:
    """Start `python app.py serve` with the given extra settings; returns (url, process)."""
    started: list[subprocess.Popen[bytes]] = []
    with fresh_database_url(tmp_path) as database_url:

        def start(**settings: str) -> tuple[str, subprocess.Popen[bytes]]:
            port = free_port()
            env = app_env(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=slack_api.url,
                DATABASE_URL=database_url,
                DATA_DIR=str(tmp_path / "data"),
                PORT=str(port),
                HOST="127.0.0.1",
                RUN_SCHEDULER="false",
                WEB_THREADS="4",
                NO_GCE_CHECK="true",
                **settings,
            )
            process = subprocess.Popen(
                [sys.executable, str(APP), "serve"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            started.append(process)
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, process)
            return url, process

        try:
            yield start
        finally:
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.communicate(timeout=10)


def test_sigterm_during_a_slow_credentials_submission_lets_it_finish(
    serve: Callable[..., tuple[str, subprocess.Popen[bytes]]],
    slack_api: SlackWebApi,
    secret_manager: Emulator,
) -> None:
    url, process = serve(
        GCP_PROJECT_ID=PROJECT,
        SECRET_MANAGER_ENDPOINT=str(secret_manager.address),
        FINGERPRINT_KEY="test-fingerprint-key",
        VAULT_DEADLINE_SECONDS="2.5",
        GRACEFUL_TIMEOUT_SECONDS="10",
        LOG_FORMAT="json",
    )
    events = SlackEventsClient(url + "/slack/events", SIGNING_SECRET, web_api=slack_api)
    assert events.command("start xero", user_id=USER).status == 200

    def current() -> dict[str, Any]:
        return slack_api.views_for(USER)["current"] or {}

    # The modal opens with a notice, and the first step replaces it after the ack.
    def step_shown(block_id: str) -> bool:
        return block_id in {block.get("block_id") for block in current().get("blocks", [])}

    until(lambda: step_shown("agreements"), what="the first step")
    for inputs in (PREREQS_DONE, {"mailbox": "xero-admins@acme.example"}):
        answer = events.submit_view(current(), inputs, USER)
        assert answer.status == 200 and answer.body["response_action"] == "update", answer
    credentials = current()
    assert credentials["title"]["text"] == "4/5 Credentials"

    secret_manager.delay(SLOW_SECONDS, method="AddSecretVersion")
    canary = new_canary()
    body = payloads.view_submission_payload(
        credentials,
        {"credential_client_id": "xero-id", "credential_client_secret": canary},
        USER,
        TEAM_ID,
        trigger_id=slack_api.issue_trigger_id(USER),
    )
    answers: list[EventsResponse] = []
    submitter = threading.Thread(
        target=lambda: answers.append(events.post(body, headers={"X-Cloud-Trace-Context": f"{TRACE}/7;o=1"}))
    )
    submitter.start()
    until(lambda: any(method == "AddSecretVersion" for method, _ in secret_manager.calls), what="the store")
    status, output = stop(process)  # SIGTERM while the vault write is held by the emulator
    submitter.join(timeout=10)

    assert status == 0, output
    (answer,) = answers
    assert answer.status == 200 and answer.body["response_action"] == "update", answer
    assert answer.body["view"]["title"]["text"] == "5/5 Summary"
    assert any(canary.encode() in payload for payload in secret_manager.payloads())
    # The log: JSON lines only, the submission's lines carry its trace, and never the canary.
    assert canary not in output and BOT_TOKEN not in output and SIGNING_SECRET not in output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"severity", "message", "logger", "time"} <= line.keys() for line in lines)
    traced = [line for line in lines if line.get(TRACE_FIELD) == f"projects/{PROJECT}/traces/{TRACE}"]
    assert any(line.get("audit") is True and line["action"] == "credentials.stored" for line in traced)
    assert not [line for line in lines if "Traceback" in json.dumps(line)]


def test_two_workers_serve_and_metrics_add_up_over_both(
    serve: Callable[..., tuple[str, subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"a previous run's file")  # wiped at start
    url, process = serve(WEB_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(shared))
    assert not (shared / "counter_999999.db").exists()
    events = SlackEventsClient(url + "/slack/events", SIGNING_SECRET)

    def workers_that_counted() -> set[int]:
        pids = {int(path.stem.rsplit("_", 1)[1]) for path in shared.glob("counter_*.db")}
        return pids - {process.pid}  # the master's files, made at import, hold zeros

    sent = 0
    with ThreadPoolExecutor(8) as pool:  # a new connection per request: the workers share them
        while len(workers_that_counted()) < 2 and sent < 800:
            answers = list(pool.map(lambda _: events.command("help", user_id=USER), range(40)))
            assert all(answer.status == 200 for answer in answers)
            sent += len(answers)
    assert len(workers_that_counted()) == 2, "only one worker served requests"

    ok = ("codat_register_slack_requests_total", (("kind", "slash_command"), ("outcome", "ok")))
    for _ in range(6):  # a new connection each: whichever worker answers, it counts both workers'
        with _OPENER.open(url + "/metrics", timeout=10) as response:
            families = text_string_to_metric_families(response.read().decode())
        scraped = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in families
            for sample in family.samples
        }
        assert scraped[ok] == sent
        assert scraped[("codat_register_ack_seconds_count", (("kind", "slash_command"),))] == sent
        assert ("codat_register_open_registrations", ()) in scraped
    status, output = stop(process)
    assert status == 0, output
    assert "Traceback" not in output
