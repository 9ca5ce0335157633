"""Slash commands over HTTP: signed POSTs to the served app's /slack/events, answered in the ack."""

from __future__ import annotations

import io
import json
import time
import urllib.request
from typing import Any

import pytest

from simulators.slack import payloads
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.repositories import TeamScope
from tests.conftest import TEAM_ID, RunningBot

USER = "U0ALICE"


def all_text(body: dict[str, Any]) -> str:
    """The ack's fallback text and every text inside its blocks."""
    return body.get("text", "") + "\n" + json.dumps(body.get("blocks", []), ensure_ascii=False)


def command(bot: RunningBot, text: str) -> dict[str, Any]:
    response = bot.events.command(text, user_id=USER)
    assert response.status == 200
    assert isinstance(response.body, dict), response.body
    assert response.body["response_type"] == "ephemeral"
    return response.body


def test_help_lists_every_subcommand(bot: RunningBot) -> None:
    text = all_text(command(bot, "help"))
    for word in ("start", "status", "list", "info", "remind", "snooze", "done", "help"):
        assert f"/codat-register {word}" in text


def test_list_groups_the_catalogue_and_marks_credentials(bot: RunningBot) -> None:
    text = all_text(command(bot, "list"))
    for category in ("Accounting", "Banking", "Bank feeds", "Commerce"):
        assert f"*{category}*" in text
    assert "QuickBooks Online" in text and "Shopify" in text
    assert "🔑" in text and "🧪" in text


def test_list_one_category(bot: RunningBot) -> None:
    text = all_text(command(bot, "list commerce"))
    assert "Shopify" in text
    assert "Xero" not in text


def test_list_unknown_category_names_the_choices(bot: RunningBot) -> None:
    text = all_text(command(bot, "list payroll"))
    assert "`payroll`" in text and "`bank-feeds`" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [("qbo", "QuickBooks Online"), ("XERO", "Xero"), ("gbol", "Xero"), ("sage intacct", "Sage Intacct")],
)
def test_info_by_key_name_or_alias(bot: RunningBot, query: str, expected: str) -> None:
    body = command(bot, f"info {query}")
    assert body["blocks"][0]["text"]["text"] == expected


def test_info_shows_fields_redirect_uri_and_hurdles(bot: RunningBot) -> None:
    text = all_text(command(bot, "info qbo"))
    assert "Client ID" in text and "Client Secret" in text
    assert "https://quickbooksonline.codat.io/oauth2/callback" in text
    assert "generic mailbox" in text.lower()


def test_info_for_a_platform_without_credentials_says_what_happens(bot: RunningBot) -> None:
    text = all_text(command(bot, "info netsuite"))
    assert "No company-level credentials" in text
    assert "bundle" in text.lower()


def test_unknown_platform_gets_suggestions_not_an_error(bot: RunningBot) -> None:
    text = all_text(command(bot, "info xeor"))
    assert "I don't know a platform called `xeor`" in text
    assert "Xero" in text
    assert "/codat-register help" in text


def test_ambiguous_prefix_lists_the_candidates(bot: RunningBot) -> None:
    text = all_text(command(bot, "info quickb"))
    assert "quickbooks-online" in text and "quickbooks-desktop" in text


def test_unknown_subcommand_suggests_and_shows_help(bot: RunningBot) -> None:
    text = all_text(command(bot, "stauts"))
    assert "I don't know `stauts`" in text
    assert "`status`" in text
    assert "/codat-register list" in text


def test_status_with_no_registrations(bot: RunningBot) -> None:
    assert "No registrations yet" in all_text(command(bot, "status"))


def _seed_registration(db: Database, team_id: str = TEAM_ID) -> None:
    with db.session() as session:
        scope = TeamScope(session, team_id)
        registration = scope.add_registration(
            Registration(platform="xero", environment="sandbox", created_by=USER)
        )
        for position, (key, status) in enumerate(
            [("existing_agreements", "done"), ("contact_owner", "done"), ("vault_approved", "todo")]
        ):
            session.add(
                ChecklistItem(
                    registration_id=registration.id,
                    team_id=team_id,
                    item_key=key,
                    position=position,
                    status=status,
                    owner_user_id="U0BOB",
                )
            )


def test_status_shows_progress_and_next_step(bot: RunningBot, db: Database) -> None:
    _seed_registration(db)
    text = all_text(command(bot, "status"))
    assert "*Xero* · sandbox · 2/3 done · next:" in text


def test_status_for_one_platform_shows_the_checklist_with_owners(bot: RunningBot, db: Database) -> None:
    _seed_registration(db)
    text = all_text(command(bot, "status xero"))
    assert "<@U0BOB>" in text
    assert "✅" in text and "◻️" in text


def test_status_never_shows_another_workspace(bot: RunningBot, db: Database) -> None:
    _seed_registration(db, team_id="TOTHER")
    assert "No registrations yet" in all_text(command(bot, "status"))


def _raw_post(bot: RunningBot, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(bot.url + "/slack/events", data=body.encode(), headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("case", ["unsigned", "wrong signature", "stale"])
def test_bad_signatures_are_rejected_and_the_body_is_not_logged(
    bot: RunningBot, log_output: io.StringIO, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    marker = f"typed-into-slack-{case.replace(' ', '-')}-{time.time_ns()}"
    body = payloads.slash_command_body(
        "/codat-register", f"info {marker}", user_id=USER, team_id=TEAM_ID, channel_id="D1"
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if case == "wrong signature":
        headers |= {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    elif case == "stale":
        from simulators.slack.signing import sign_request

        headers |= sign_request(body, "test-signing-secret-0123456789abcdef", int(time.time()) - 6 * 60)
    assert _raw_post(bot, body, headers) == 401
    assert marker not in log_output.getvalue()
    assert marker not in caplog.text


def test_healthz_checks_the_database(bot: RunningBot) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "up"}


def test_an_unexpected_error_gives_a_reference_and_logs_the_details(
    bot: RunningBot, log_output: io.StringIO
) -> None:
    healthy = bot.deps.db
    # A database nobody listens on: a real failure, raised inside the listener.
    bot.deps.db = Database("postgresql+psycopg://postgres@127.0.0.1:9/unreachable", pool_pre_ping=False)
    try:
        body = command(bot, "status")
    finally:
        bot.deps.db.dispose()
        bot.deps.db = healthy
    assert "reference `" in body["text"]
    ref = body["text"].split("reference `")[1].split("`")[0]
    logged = log_output.getvalue()
    assert f"ref={ref}" in logged
    assert "OperationalError" in logged
