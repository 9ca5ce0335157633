"""Slash commands over HTTP: signed POSTs to the served app's /slack/events, answered in the ack."""

from __future__ import annotations

import io
import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.reminders.sweep import run_sweep
from simulators.slack import payloads
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.statuses import ItemStatus, RegistrationStatus
from storage.team_scope import TeamScope
from tests.conftest import TEAM_ID, RunningBot

USER = "U0ALICE"


def all_text(body: dict[str, Any]) -> str:
    """The ack's fallback text and every text inside its blocks."""
    return body.get("text", "") + "\n" + json.dumps(body.get("blocks", []), ensure_ascii=False)


def command(bot: RunningBot, text: str, user_id: str = USER) -> dict[str, Any]:
    response = bot.events.command(text, user_id=user_id)
    assert response.status == 200
    assert isinstance(response.body, dict), response.body
    assert response.body["response_type"] == "ephemeral"
    return response.body


def test_help_lists_every_subcommand(bot: RunningBot) -> None:
    text = all_text(command(bot, "help"))
    for word in ("start", "status", "list", "info", "remind", "snooze", "done", "cancel", "help"):
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


def _seed_registration(
    db: Database, team_id: str = TEAM_ID, environment: str = "sandbox", next_at: datetime | None = None
) -> str:
    with db.session() as session:
        scope = TeamScope(session, team_id)
        registration = scope.add_registration(
            Registration(platform="xero", environment=environment, created_by=USER)
        )
        for position, (key, status) in enumerate(
            [
                ("existing_agreements", ItemStatus.done),
                ("contact_owner", ItemStatus.done),
                ("vault_approved", ItemStatus.todo),
            ]
        ):
            session.add(
                ChecklistItem(
                    registration_id=registration.id,
                    team_id=team_id,
                    item_key=key,
                    position=position,
                    status=status,
                    owner_user_id="U0BOB",
                    next_reminder_at=next_at if status == ItemStatus.todo else None,
                )
            )
        return registration.id


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


# --- cancel -----------------------------------------------------------------------------------------
def _registration(db: Database, registration_id: str) -> Registration:
    with db.session() as session:
        registration = TeamScope(session, TEAM_ID).registration(registration_id)
        assert registration is not None
        return registration


def _audit(db: Database) -> list[tuple[str, str, str]]:
    with db.session() as session:
        return [(e.actor, e.action, e.subject) for e in TeamScope(session, TEAM_ID).audit_events()]


def test_the_creator_cancels_a_registration_and_its_reminders_stop(
    bot: RunningBot, db: Database, slack_api: SlackWebApi
) -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    registration_id = _seed_registration(db, next_at=an_hour_ago)

    text = all_text(command(bot, "cancel xero"))

    assert "Cancelled the *Xero* · sandbox registration: its reminders have stopped" in text
    assert "/codat-register start xero sandbox" in text
    registration = _registration(db, registration_id)
    assert registration.status == RegistrationStatus.cancelled
    assert all(item.next_reminder_at is None for item in registration.items)  # nothing deleted
    assert len(registration.items) == 3
    assert (USER, "registration.cancelled", registration_id) in _audit(db)
    assert "*Xero* · sandbox · 2/3 done · cancelled" in all_text(command(bot, "status"))
    assert "cancelled" in all_text(command(bot, "status xero"))
    result = run_sweep(bot.deps)  # the step was due: cancelled, nobody hears about it
    assert result.claimed == 0 and slack_api.calls_to("chat.postMessage") == []
    assert "no Xero registration in progress" in all_text(command(bot, "done xero vault", "U0BOB"))


def test_anyone_else_is_told_who_can_cancel(bot: RunningBot, db: Database) -> None:
    registration_id = _seed_registration(db)
    text = all_text(command(bot, "cancel xero sandbox", "U0BOB"))
    assert "Sorry — you can't cancel the *Xero* · sandbox registration" in text
    assert "Ask the creator, <@U0ALICE>, or an admin." in text
    assert _registration(db, registration_id).status == RegistrationStatus.in_progress
    assert not [event for event in _audit(db) if event[1] == "registration.cancelled"]
    assert ("U0BOB", "access.refused", registration_id) in _audit(db)  # the refusal is audited
    assert "next: get a vault approved" in all_text(command(bot, "status"))


def test_cancel_needs_a_known_platform_with_a_registration_in_progress(bot: RunningBot, db: Database) -> None:
    assert "Usage: `/codat-register cancel <platform> [sandbox|production]`" in all_text(
        command(bot, "cancel")
    )
    unknown = all_text(command(bot, "cancel xeor"))
    assert "I don't know a platform called `xeor`" in unknown and "Xero" in unknown
    none = all_text(command(bot, "cancel intacct"))
    assert "There is no Sage Intacct registration in progress to cancel" in none
    _seed_registration(db)
    assert "no Xero registration in progress" in all_text(command(bot, "cancel xero production"))
    all_text(command(bot, "cancel xero"))
    assert "no Xero registration in progress" in all_text(command(bot, "cancel xero"))  # once is enough


def test_cancel_asks_which_environment_when_both_are_in_progress(bot: RunningBot, db: Database) -> None:
    sandbox = _seed_registration(db)
    production = _seed_registration(db, environment="production")
    assert "add `sandbox` or `production`" in all_text(command(bot, "cancel xero"))
    assert "production registration" in all_text(command(bot, "cancel xero production"))
    assert _registration(db, production).status == RegistrationStatus.cancelled
    assert _registration(db, sandbox).status == RegistrationStatus.in_progress


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
