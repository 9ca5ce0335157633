"""The expiry date at the credentials step, over signed HTTP: the picker (pre-filled from the
catalogue's rule by the bot's clock), the date stored in `credential_expiries` and written on the
secret as its `expires-at` annotation (read back with the real Google client from the emulator),
the modal's errors that store nothing, a date-only change, and what the summary and `status` say."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from tests.approvals.conftest import view_text
from tests.expiry.conftest import (
    BC_VALUES,
    BOB,
    EXPIRES,
    TODAY,
    WEDNESDAY_10_UTC,
    ExpiryDesk,
    secret_name,
)
from tests.handlers.wizard_support import errors, updated


def picker(view: dict[str, Any]) -> dict[str, Any]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "secret_expiry"]
    return block


def test_the_credentials_step_asks_when_the_secret_expires_pre_filled_from_the_rule(desk: ExpiryDesk) -> None:
    amazon = picker(desk.to_credentials(BOB, "start amazon", "amazon-admins@acme.example"))
    assert amazon["type"] == "input" and amazon["optional"] is True
    element = amazon["element"]
    assert element["type"] == "datepicker" and element["action_id"] == "secret_expiry_date"
    # The bot's clock says 10 June 2026: Amazon's 180-day rotation gives 7 December 2026.
    assert element["initial_date"] == (TODAY + timedelta(days=180)).isoformat() == "2026-12-07"
    assert amazon["label"]["text"] == "When does this secret expire?"
    assert "must be rotated every 180 days" in amazon["hint"]["text"]


def test_a_platform_without_a_rule_shows_an_empty_picker(desk: ExpiryDesk) -> None:
    xero = picker(desk.to_credentials(BOB, "start xero", "xero-admins@acme.example"))
    assert "initial_date" not in xero["element"]
    assert "leave it empty if it never expires" in xero["hint"]["text"]


def test_a_business_central_credential_with_a_date_stores_it_and_annotates_the_secret(
    desk: ExpiryDesk,
) -> None:
    summary = desk.store_bc(BOB, expires_on=EXPIRES)

    registration_id = desk.registration_id()
    row = desk.expiry(registration_id)
    assert (row.expires_on, row.owner_user_id, row.set_by) == (EXPIRES, BOB, BOB)
    assert row.reminded_lead is None and row.next_reminder_at == WEDNESDAY_10_UTC  # the sweep works it out
    annotations = desk.annotations()
    assert annotations["expires-at"] == "2026-07-10"
    assert annotations["registration-id"] == registration_id and annotations["stored-by"] == BOB
    assert desk.version_count() == 1
    (event,) = desk.audit("credential.expiry_set")
    assert event.actor == BOB and event.details == {"expires_on": "2026-07-10", "owner": BOB}
    # The summary says it, counted from the bot's clock.
    assert "⏳ Expires on 10 July 2026 (in 30 days)" in view_text(summary)


def test_status_and_the_app_home_show_the_expiry(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    for text in ("status", "status bc"):
        body = desk.bot.events.command(text, user_id=BOB).body
        assert "⏳ Expires on 10 July 2026 (in 30 days)" in json.dumps(body, ensure_ascii=False), text
    desk.bot.events.event({"type": "app_home_opened", "user": BOB, "tab": "home", "channel": "D0BOB"})
    desk.bot.settle()
    home = json.dumps(desk.api.home(BOB), ensure_ascii=False)
    assert "⏳ Expires on 10 July 2026 (in 30 days)" in home
    desk.clock.set(WEDNESDAY_10_UTC + timedelta(days=31))
    body = desk.bot.events.command("status bc", user_id=BOB).body
    assert "❌ Expired on 10 July 2026: rotate it" in json.dumps(body, ensure_ascii=False)


def test_a_date_in_the_past_or_beyond_the_rule_is_a_modal_error_and_nothing_is_stored(
    desk: ExpiryDesk,
) -> None:
    desk.to_credentials(BOB)
    wizard = desk.wizard(BOB)
    for wrong, message in (
        (TODAY - timedelta(days=10), "That date has passed"),
        (TODAY + timedelta(days=800), "secrets last at most 730 days: pick a date up to 9 June 2028"),
    ):
        found = errors(wizard.submit({**BC_VALUES, "secret_expiry": wrong.isoformat()}))
        assert list(found) == ["secret_expiry"], found
        assert message in found["secret_expiry"]
        assert wizard.current()["title"]["text"] == "4/5 Credentials"  # the modal stays
    # Nothing reached Secret Manager (no secret, no version) nor the database.
    assert desk.vault.secrets() == [] and desk.vault.payloads() == []
    assert desk.refs() == [] and desk.row() is None
    assert desk.audit("credential.expiry_set") == []
    # The longest date the rule allows is taken.
    last = TODAY + timedelta(days=730)
    updated(wizard.submit({**BC_VALUES, "secret_expiry": last.isoformat()}))
    assert desk.expiry().expires_on == last and desk.annotations()["expires-at"] == last.isoformat()


def test_a_date_only_change_updates_the_row_and_the_secrets_annotation(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    registration_id = desk.registration_id()
    # Reminded once already (30 days before, 09:00 in Bob's New York): a new date starts over.
    desk.clock.set(WEDNESDAY_10_UTC + timedelta(hours=3))
    assert desk.sweep().expiries.reminded == 1
    assert desk.expiry(registration_id).reminded_lead == 30
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    editing = wizard.current()
    assert picker(editing)["element"]["initial_date"] == "2026-07-10"  # the stored date
    later = date(2026, 9, 30)

    summary = updated(wizard.submit({"secret_expiry": later.isoformat()}))  # no new value: only the date
    wizard.bot.settle()  # the annotation is written after the ack

    assert desk.version_count() == 1  # no new version
    assert len(desk.refs()) == 1
    row = desk.expiry(registration_id)
    assert row.expires_on == later and row.reminded_lead is None
    assert row.next_reminder_at == WEDNESDAY_10_UTC + timedelta(hours=3)  # due at once: the sweep decides
    annotations = desk.annotations()
    assert annotations["expires-at"] == "2026-09-30" and annotations["stored-by"] == BOB
    assert ("UpdateSecret", secret_name()) in desk.vault.calls
    assert "⏳ Expires on 30 September 2026 (in 112 days)" in view_text(summary)
    events = desk.audit("credential.expiry_set")
    assert [e.details["expires_on"] for e in events] == ["2026-07-10", "2026-09-30"]


def test_clearing_the_date_removes_the_row_and_the_annotation(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    summary = updated(wizard.submit({"secret_expiry": None}))
    wizard.bot.settle()
    assert desk.row() is None
    assert "expires-at" not in desk.annotations()
    assert "Expires on" not in view_text(summary)


def test_the_same_date_again_changes_nothing(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    before = desk.expiry()
    calls = len(desk.vault.calls)
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    desk.clock.advance(timedelta(hours=1))
    updated(wizard.submit({"secret_expiry": EXPIRES.isoformat()}))
    wizard.bot.settle()
    assert desk.vault.calls[calls:] == []
    after = desk.expiry()
    assert (after.set_at, after.next_reminder_at) == (before.set_at, before.next_reminder_at)
    assert len(desk.audit("credential.expiry_set")) == 1
