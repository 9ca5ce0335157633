"""Production credentials under four eyes (PRODUCTION_APPROVALS=1): the expiry date submitted with a
version waits on its approval row and takes effect — `credential_expiries` and the secret's
`expires-at` annotation — only when another admin approves it; a rejection leaves the date of the
credential still current."""

from __future__ import annotations

from datetime import date, timedelta

from tests.approvals.conftest import view_text
from tests.expiry.conftest import (
    ALICE,
    AMAZON,
    BOB,
    CAMILLE,
    EXPIRES,
    TODAY,
    WEDNESDAY_10_UTC,
    ExpiryDesk,
    secret_name,
)
from tests.handlers.wizard_support import updated

PRODUCTION = secret_name(environment="production")
SECOND = {"credential_client_id": "bc-client-id-1", "credential_client_secret": "bc-secret-2"}


def test_the_date_waits_for_the_approval_then_takes_effect(desk: ExpiryDesk) -> None:
    assert desk.bot.deps.settings.PRODUCTION_APPROVALS == 1
    view = desk.to_credentials(BOB, "start amazon", "amazon-admins@acme.example")
    assert "production" in view_text(view)
    fields = [b["block_id"] for b in view["blocks"] if str(b.get("block_id", "")).startswith("credential_")]
    inputs = {block_id: f"value-of-{block_id}" for block_id in fields}
    summary = updated(desk.wizard(BOB).submit(inputs))  # the picker as pre-filled: today + 180 days
    desk.bot.settle()

    approval = desk.approval()
    assert approval.status == "pending" and approval.submitted_by == BOB
    assert approval.credential_expires_on == TODAY + timedelta(days=180) == date(2026, 12, 7)
    assert approval.credential_owner == BOB
    # Not yet the credential's date: no row, no annotation, nothing in the summary, no reminder.
    assert desk.row() is None
    assert "expires-at" not in desk.annotations(secret_name(AMAZON, "production"))
    assert "Waiting for approval" in view_text(summary) and "Expires on" not in view_text(summary)
    desk.approve(approval.id, BOB)  # not their own: refused
    assert desk.row() is None

    desk.clock.advance(timedelta(hours=1))
    desk.approve(approval.id, CAMILLE)

    assert desk.approvals()[0].status == "approved"
    row = desk.expiry()
    assert (row.expires_on, row.owner_user_id, row.set_by) == (date(2026, 12, 7), BOB, BOB)
    assert row.reminded_lead is None and row.next_reminder_at == WEDNESDAY_10_UTC + timedelta(hours=1)
    assert desk.annotations(secret_name(AMAZON, "production"))["expires-at"] == "2026-12-07"
    body = desk.bot.events.command("status amazon", user_id=BOB).body
    assert "⏳ Expires on 7 December 2026 (in 180 days)" in str(body)


def test_a_replacement_waiting_for_approval_keeps_the_current_date_until_approved(desk: ExpiryDesk) -> None:
    desk.store_bc(ALICE, expires_on=EXPIRES, environment="production")
    desk.approve(desk.approval().id, CAMILLE)
    assert desk.expiry().expires_on == EXPIRES
    assert desk.annotations(PRODUCTION)["expires-at"] == "2026-07-10"

    # Alice rotates, with a new date: it waits with the version.
    wizard = desk.wizard(ALICE)
    wizard.click("edit_step_credentials")
    updated(wizard.submit({**SECOND, "secret_expiry": "2027-03-31"}))
    desk.bot.settle()
    pending = desk.approval()
    assert pending.status == "pending" and pending.version == "2"
    assert pending.credential_expires_on == date(2027, 3, 31)
    assert desk.expiry().expires_on == EXPIRES  # the current credential's date still
    assert desk.annotations(PRODUCTION)["expires-at"] == "2026-07-10"
    # The reminders of the current date go on meanwhile (30 days before, 09:00 in London).
    desk.clock.set(WEDNESDAY_10_UTC)
    assert desk.sweep().expiries.reminded == 1
    assert desk.expiry().reminded_lead == 30

    desk.clock.advance(timedelta(hours=2))
    desk.approve(pending.id, CAMILLE)
    row = desk.expiry()
    assert (row.expires_on, row.reminded_lead) == (date(2027, 3, 31), None)  # the schedule starts over
    assert row.next_reminder_at == WEDNESDAY_10_UTC + timedelta(hours=2)
    assert desk.annotations(PRODUCTION)["expires-at"] == "2027-03-31"
    assert desk.current().version == "2"


def test_a_rejected_replacement_leaves_the_current_date(desk: ExpiryDesk) -> None:
    desk.store_bc(ALICE, expires_on=EXPIRES, environment="production")
    desk.approve(desk.approval().id, CAMILLE)
    wizard = desk.wizard(ALICE)
    wizard.click("edit_step_credentials")
    updated(wizard.submit({**SECOND, "secret_expiry": "2027-03-31"}))
    desk.bot.settle()
    desk.reject(desk.approval().id, CAMILLE)
    assert desk.approvals()[-1].status == "rejected"
    assert desk.expiry().expires_on == EXPIRES
    assert desk.annotations(PRODUCTION)["expires-at"] == "2026-07-10"
    assert desk.current().version == "1"
