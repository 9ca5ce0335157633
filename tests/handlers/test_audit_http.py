"""`/codat-register audit` over signed HTTP: the summary in the ack, the whole trail as a CSV file in
the admin's DM through the Web API stand-in (files.getUploadURLExternal + the upload +
files.completeUploadExternal), never a value; polite answers to words it cannot read; the App Home's
recent activity for admins."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from bot.audit.csv_export import COLUMNS
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.models import AuditEvent
from tests.conftest import TEAM_ID, RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, Wizard, errors, updated
from tests.support.canary import assert_only_in_secret_manager, new_canary

ADMIN, MEMBER = "U0ALICE", "U0BOB"  # the stand-in's Alice is a workspace admin; Bob is not


@pytest.fixture
def wizard(bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    return Wizard(bot, slack_api)


def command(bot: RunningBot, text: str, user_id: str = ADMIN) -> str:
    """The ephemeral ack's text and blocks, once the work after the ack is done."""
    response = bot.events.command(text, user_id=user_id)
    assert response.status == 200 and isinstance(response.body, dict), response
    assert response.body["response_type"] == "ephemeral"
    bot.settle()
    return response.body["text"] + "\n" + json.dumps(response.body["blocks"], ensure_ascii=False)


def exported(slack_api: SlackWebApi) -> tuple[dict[str, Any], list[dict[str, str]], bytes]:
    """The DM message that carries the only exported file, its CSV rows, and its bytes."""
    (upload,) = slack_api.files()
    assert upload.completed and upload.channels == ["D0ALICE"] and upload.content is not None
    (message,) = [m for m in slack_api.messages("D0ALICE") if m.get("files")]
    assert [f["id"] for f in message["files"]] == [upload.id]
    reader = csv.DictReader(io.StringIO(upload.content.decode()))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return message, list(reader), upload.content


def audit_rows(db: Database) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.query(AuditEvent).filter_by(team_id=TEAM_ID).order_by(AuditEvent.sequence))


def to_credentials(
    wizard: Wizard, command: str = "start qbo", mailbox: str = "qbo-admins@acme.example"
) -> None:
    wizard.start(command)
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": mailbox}))


def test_an_admin_gets_a_summary_and_the_whole_trail_as_a_csv_in_their_dm(
    wizard: Wizard, bot: RunningBot, slack_api: SlackWebApi, db: Database
) -> None:
    to_credentials(wizard, "start xero", "xero-admins@acme.example")
    before = audit_rows(db)

    text = command(bot, "audit")

    assert "*Audit trail* · every platform · from the start" in text
    assert f"{len(before)} events" in text
    assert "(`registration.created`): 1" in text and "(`wizard.step_saved`): 2" in text
    assert "<@U0ALICE> saved a step · *Xero* · sandbox" in text  # the latest events
    assert "CSV file" in text
    message, rows, _ = exported(slack_api)
    assert f"{len(before)} events, every platform, from the start" in message["text"]
    assert f"hash chain is intact ({len(before)} rows checked)" in message["text"]
    assert [row["sequence"] for row in rows] == [str(e.sequence) for e in before]
    assert [row["row_hash"] for row in rows] == [e.row_hash for e in before]
    first = rows[0]
    assert (first["team"], first["actor"], first["action"]) == (TEAM_ID, ADMIN, "registration.created")
    assert (first["surface"], first["platform"], first["environment"]) == ("command", "xero", "sandbox")
    assert first["registration"] == before[0].registration_id
    assert datetime.fromisoformat(first["time"]) == before[0].created_at
    saved = next(row for row in rows if row["action"] == "wizard.step_saved")
    assert saved["surface"] == "modal" and json.loads(saved["details"])["step"] == "prerequisites"
    # The export is itself in the trail, after what it exported.
    last = audit_rows(db)[-1]
    assert (last.action, last.actor, last.surface, last.details["rows"]) == (
        "audit.exported",
        ADMIN,
        "command",
        len(before),
    )
    methods = [call.method for call in slack_api.calls]
    assert (
        methods.index("files.getUploadURLExternal")
        < methods.index("upload")
        < methods.index("files.completeUploadExternal")
    )


def test_a_stored_credential_never_reaches_the_export(
    wizard: Wizard, bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator, db: Database
) -> None:
    canary = new_canary()
    to_credentials(wizard)
    inputs = {"credential_client_id": "qbo-client-id", "credential_client_secret": canary}
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion", times=1000)
    assert errors(wizard.submit(inputs))  # a failed attempt is audited too (store_failed)
    secret_manager.clear_faults()
    assert "5/5 Summary" in json.dumps(wizard.submit(inputs).body)

    command(bot, "audit qbo")

    _, rows, content = exported(slack_api)
    actions = [row["action"] for row in rows]
    assert "credentials.stored" in actions and "credentials.store_failed" in actions
    stored = json.loads(next(row["details"] for row in rows if row["action"] == "credentials.stored"))
    assert stored["fields"] == ["credentials"] and stored["fingerprints"][0].startswith("hmac:")
    assert canary.encode() not in content
    assert_only_in_secret_manager(
        canary, db=db, payloads=secret_manager.payloads(), slack_calls=slack_api.calls
    )


def test_filters_by_platform_and_day(wizard: Wizard, bot: RunningBot, slack_api: SlackWebApi) -> None:
    wizard.start("start xero")
    wizard.start("start qbo")
    today = datetime.now(UTC).date()

    text = command(bot, f"audit QuickBooks Online since {today.isoformat()}")

    assert "· QuickBooks Online · since" in text
    _, rows, _ = exported(slack_api)
    assert rows and {row["platform"] for row in rows} == {"quickbooks-online"}

    future = (today + timedelta(days=2)).isoformat()
    assert "No audit events in this period." in command(bot, f"audit {future}")  # "since" implied


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("audit since yesterday", "`yesterday` is not a date I can read: write it as YYYY-MM-DD"),
        ("audit since 2026-02-30", "`2026-02-30` is not a date I can read"),
        ("audit xero since", "Since when? Put one date after `since`"),
        ("audit xeor", "I don't know a platform called `xeor`. Did you mean `Xero`?"),
        ("audit since <!channel>", "`&lt;!channel&gt;` is not a date"),  # echoed escaped, no mention
    ],
)
def test_words_it_cannot_read_are_answered_politely(
    bot: RunningBot, slack_api: SlackWebApi, words: str, expected: str
) -> None:
    text = command(bot, words)
    assert expected in text
    assert "/codat-register audit" in text
    assert slack_api.files() == [] and not slack_api.calls_to("files.getUploadURLExternal")


def test_a_member_who_is_not_an_admin_gets_no_trail(
    bot: RunningBot, slack_api: SlackWebApi, db: Database
) -> None:
    text = command(bot, "audit", MEMBER)
    assert "admin" in text and "Audit trail" not in text
    assert slack_api.files() == []
    refused = [e for e in audit_rows(db) if e.action == "access.refused"]
    assert refused and refused[-1].actor == MEMBER and refused[-1].surface == "command"


def test_a_failed_upload_is_told_where_the_command_was_typed(bot: RunningBot, slack_api: SlackWebApi) -> None:
    slack_api.fail_next("files.completeUploadExternal", error="not_in_channel", status=200)
    command(bot, "audit")
    told = slack_api.wait_for("chat.postEphemeral")[0]
    assert "couldn't send you the audit trail file (Slack said `not_in_channel`)" in told.params["text"]


def home_text(bot: RunningBot, slack_api: SlackWebApi, user_id: str) -> str:
    slack_api.clear_calls()
    bot.events.event(
        {"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D" + user_id[1:]}
    )
    bot.settle()
    view = slack_api.wait_for("views.publish")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_admins_see_recent_activity_on_the_app_home(
    wizard: Wizard, bot: RunningBot, slack_api: SlackWebApi
) -> None:
    wizard.start("start xero")
    assert "*Recent activity*" in home_text(bot, slack_api, ADMIN)
    assert "<@U0ALICE> started a registration · *Xero* · sandbox" in home_text(bot, slack_api, ADMIN)
    assert "Recent activity" not in home_text(bot, slack_api, MEMBER)
