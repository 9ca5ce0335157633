"""The reminder's buttons over signed HTTP: Rotate now opens the registration's credentials step
(views.open at the Slack stand-in, then the step), Snooze a week moves the next reminder and says
until when; a guest, a member with nothing to do with it, and a value the bot never wrote are
refused politely, and nothing changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.expiry.ids import ActionId
from tests.approvals.conftest import view_text
from tests.expiry.conftest import ALICE, BOB, EXPIRES, GUS, MEL, ExpiryDesk
from tests.handlers.wizard_support import updated

THIRTY = datetime(2026, 6, 10, 13, tzinfo=UTC)  # 09:00 in Bob's New York, 30 days before


def reminded(desk: ExpiryDesk) -> str:
    """Bob's Business Central credential, reminded once (30 days before); its registration id."""
    desk.store_bc(BOB, expires_on=EXPIRES)
    desk.clock.set(THIRTY)
    assert desk.sweep().expiries.reminded == 1
    return desk.registration_id()


def ephemerals(desk: ExpiryDesk, user: str) -> list[str]:
    return [
        json.dumps(call.params, ensure_ascii=False)
        for call in desk.api.calls_to("chat.postEphemeral")
        if call.params.get("user") == user
    ]


def test_rotate_now_opens_the_credentials_step_and_a_new_version_resets_the_reminders(
    desk: ExpiryDesk,
) -> None:
    registration_id = reminded(desk)
    opened_before = len(desk.api.calls_to("views.open"))
    desk.clock.advance(timedelta(hours=1))

    desk.press(ActionId.rotate, BOB, registration_id, message=desk.reminder_message(BOB))

    assert len(desk.api.calls_to("views.open")) == opened_before + 1
    view = desk.wizard(BOB).current()
    assert view["title"]["text"] == "4/5 Credentials"
    assert json.loads(view["private_metadata"])["r"] == registration_id
    (picker,) = [b for b in view["blocks"] if b.get("block_id") == "secret_expiry"]
    assert picker["element"]["initial_date"] == "2026-07-10"  # the stored date
    assert "credential_client_secret" in [b.get("block_id") for b in view["blocks"]]

    # Bob stores the new secret with its new date: the summary, and the reminders start over.
    inputs = {
        "credential_client_id": "bc-client-id-1",
        "credential_client_secret": "bc-secret-rotated",
        "secret_expiry": "2027-06-10",
    }
    summary = updated(desk.wizard(BOB).submit(inputs))
    desk.bot.settle()
    assert "⏳ Expires on 10 June 2027 (in 365 days)" in view_text(summary)
    row = desk.expiry(registration_id)
    assert (row.expires_on, row.reminded_lead) == (date(2027, 6, 10), None)
    assert desk.version_count() == 2 and desk.annotations()["expires-at"] == "2027-06-10"


def test_an_admin_may_rotate_too(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    desk.press(ActionId.rotate, ALICE, registration_id, message=desk.reminder_message(ALICE))
    assert desk.wizard(ALICE).current()["title"]["text"] == "4/5 Credentials"


def test_snooze_a_week_moves_the_next_reminder_and_answers_ephemerally(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    assert desk.expiry().next_reminder_at == datetime(2026, 7, 3, 13, tzinfo=UTC)  # the 7-day lead
    desk.clock.set(THIRTY + timedelta(hours=2))

    desk.press(ActionId.snooze, BOB, registration_id, message=desk.reminder_message(BOB))

    week = THIRTY + timedelta(days=7, hours=2)  # Wednesday 17 June, 11:00 in New York
    row = desk.expiry()
    assert row.snoozed_until == week and row.next_reminder_at == week
    (answer,) = ephemerals(desk, BOB)
    assert '"channel": "D0BOB"' in answer and "Snoozed: I'll remind you again" in answer
    (event,) = desk.audit("credential.expiry_snoozed")
    assert event.actor == BOB and event.surface == "button" and event.subject == registration_id
    assert event.details == {"until": week.isoformat(), "expires_on": "2026-07-10"}
    # Nothing before then; then the sweep puts the 7-day reminder back on its day.
    desk.clock.set(week - timedelta(minutes=1))
    assert desk.sweep().expiries.reminded == 0
    desk.clock.set(week)
    assert desk.sweep().expiries.reminded == 0
    assert desk.expiry().next_reminder_at == datetime(2026, 7, 3, 13, tzinfo=UTC)


def test_snooze_near_the_expiry_stops_at_the_expiry_day(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    desk.clock.set(datetime(2026, 7, 7, 15, tzinfo=UTC))  # Tuesday, three days before
    desk.press(ActionId.snooze, ALICE, registration_id)  # an admin may snooze
    # A week would be past the expiry: the snooze ends on the expiry day's morning in the owner's
    # working hours (Bob's New York, whoever snoozed it), so the escalation is not skipped.
    expiry_morning = datetime(2026, 7, 10, 13, tzinfo=UTC)  # 09:00 in New York
    row = desk.expiry()
    assert row.snoozed_until == expiry_morning and row.next_reminder_at == expiry_morning
    desk.clock.set(expiry_morning)
    assert desk.sweep().expiries.expired == 1


def test_a_guest_is_refused_politely_and_nothing_changes(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    before = desk.expiry()
    opened = len(desk.api.calls_to("views.open"))
    for action in (ActionId.snooze, ActionId.rotate):
        desk.press(action, GUS, registration_id)
    answers = ephemerals(desk, GUS)
    assert len(answers) == 2 and all("Sorry — " in a for a in answers), answers
    assert len(desk.api.calls_to("views.open")) == opened  # no credentials step for a guest
    after = desk.expiry()
    assert (after.snoozed_until, after.next_reminder_at) == (before.snoozed_until, before.next_reminder_at)
    refused = desk.audit("access.refused")
    assert [e.actor for e in refused] == [GUS, GUS]
    assert desk.audit("credential.expiry_snoozed") == []


def test_an_unrelated_member_is_refused_politely_and_nothing_changes(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    before = desk.expiry()

    desk.press(ActionId.snooze, MEL, registration_id)
    (answer,) = ephemerals(desk, MEL)
    assert "Sorry — you can't" in answer and f"<@{BOB}>" in answer  # who can: the creator

    opened = len(desk.api.calls_to("views.open"))
    desk.press(ActionId.rotate, MEL, registration_id)
    # The refusal in a small modal (the button had a trigger): never the credentials step.
    assert len(desk.api.calls_to("views.open")) == opened + 1
    shown = desk.api.calls_to("views.open")[-1]
    assert "Sorry — you can't" in json.dumps(shown.params, ensure_ascii=False)
    assert "secret_expiry" not in json.dumps(shown.params)
    after = desk.expiry()
    assert (after.snoozed_until, after.next_reminder_at) == (before.snoozed_until, before.next_reminder_at)
    assert [e.actor for e in desk.audit("access.refused")] == [MEL, MEL]


def test_a_tampered_value_is_refused(desk: ExpiryDesk) -> None:
    registration_id = reminded(desk)
    before = desk.expiry()
    opened = len(desk.api.calls_to("views.open"))
    for value in (registration_id + "' OR 1=1", registration_id.upper(), "", "x" * 200):
        desk.press(ActionId.snooze, BOB, value)
        desk.press(ActionId.rotate, BOB, value)
    answers = ephemerals(desk, BOB)
    assert len(answers) == 8
    assert all("I couldn't read that request from Slack, so I did nothing" in a for a in answers)
    # A well-formed id of no registration of this workspace: nothing to snooze or rotate.
    unknown = "0" * 32
    desk.press(ActionId.snooze, BOB, unknown)
    assert "That credential no longer has an expiry date here" in ephemerals(desk, BOB)[-1]
    desk.press(ActionId.rotate, BOB, unknown)
    assert "That credential no longer has an expiry date here" in ephemerals(desk, BOB)[-1]
    assert len(desk.api.calls_to("views.open")) == opened
    after = desk.expiry()
    assert (after.snoozed_until, after.next_reminder_at) == (before.snoozed_until, before.next_reminder_at)
    assert desk.audit("credential.expiry_snoozed") == []
