"""The canary through an approval round trip: a unique secret typed in the wizard as a production
credential, its approver's DM and buttons, the approval, the in-place updates and the submitter's
DM — afterwards it exists only inside Secret Manager: not in the database, a Slack call, a log line."""

from __future__ import annotations

import io
from pathlib import Path

from core.settings import Settings
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.approvals.conftest import ALICE, BOB, CAMILLE, Desk
from tests.support.canary import assert_only_in_secret_manager, new_canary


def test_a_canary_through_an_approval_round_trip_is_only_in_secret_manager(
    desk: Desk,
    db: Database,
    secret_manager: Emulator,
    slack_api: SlackWebApi,
    log_output: io.StringIO,
    settings: Settings,
) -> None:
    canary = new_canary()
    desk.store(BOB, {"credential_client_id": "xero-canary-id", "credential_client_secret": canary})
    approval = desk.approval()
    assert desk.states() == {"1": "DISABLED"}
    desk.bot.events.event({"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0ALICE"})
    desk.bot.settle()
    desk.bot.events.command("status xero", user_id=CAMILLE)
    desk.approve(approval.id, CAMILLE)
    desk.bot.settle()
    assert desk.approvals()[0].status == "approved" and desk.states() == {"1": "ENABLED"}
    assert slack_api.calls_to("chat.update") and desk.cards(ALICE) and desk.cards(CAMILLE)
    data_files = (
        [p for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()] if settings.DATA_DIR.exists() else []
    )
    assert_only_in_secret_manager(
        canary,
        db=db,
        payloads=secret_manager.payloads(),
        slack_calls=slack_api.calls,
        texts=[log_output.getvalue()],
        files=data_files,
    )
