"""The canary with an expiry date: a unique secret stored with a date, changed to another date,
reminded about, escalated, rotated from the reminder's button — and afterwards only in Secret
Manager's payloads: not in the database, its files, the logs, the secret's metadata, or any Slack
call (the date itself, which is not secret, is everywhere it should be)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.expiry.ids import ActionId
from core.settings import Settings
from storage.db import Database
from tests.expiry.conftest import BOB, EXPIRES, ExpiryDesk
from tests.handlers.wizard_support import texts, updated
from tests.support.canary import assert_only_in_secret_manager, database_dump, new_canary


def test_a_secret_stored_with_an_expiry_date_is_afterwards_only_in_secret_manager(
    desk: ExpiryDesk, db: Database, log_output: io.StringIO, settings: Settings
) -> None:
    canary = new_canary()
    summary = desk.store_bc(
        BOB, {"credential_client_id": "bc-client-id", "credential_client_secret": canary}, expires_on=EXPIRES
    )
    assert canary not in texts(summary)
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    assert canary not in texts(wizard.current())
    updated(wizard.submit({"secret_expiry": "2026-07-17"}))  # a date-only change: UpdateSecret
    desk.bot.settle()
    for moment in (datetime(2026, 6, 17, 13, tzinfo=UTC), datetime(2026, 7, 17, 13, tzinfo=UTC)):
        desk.clock.set(moment)  # the 30-day reminder, then the escalation
        desk.sweep()
    assert len(desk.reminders(BOB)) == 2
    desk.press(ActionId.rotate, BOB, desk.registration_id(), message=desk.reminder_message(BOB))
    assert canary not in texts(desk.wizard(BOB).current())

    assert desk.expiry().expires_on.isoformat() == "2026-07-17"
    assert "2026-07-17" in database_dump(db)
    metadata = desk.annotations()
    assert metadata["expires-at"] == "2026-07-17" and canary not in json.dumps(metadata)
    data_files = (
        [p for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()] if settings.DATA_DIR.exists() else []
    )
    answers = json.dumps([call.response for call in desk.api.calls])  # what Slack answered the bot
    assert_only_in_secret_manager(
        canary,
        db=db,
        payloads=desk.vault.payloads(),
        slack_calls=desk.api.calls,
        texts=[log_output.getvalue(), answers, json.dumps([e.details for e in desk.audit()])],
        files=data_files,
    )
