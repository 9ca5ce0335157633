"""Expiry reminders through the follow-up sweep (bot.reminders.sweep.run_sweep) on a frozen clock:
30, 7 and 1 day before, to the credential's owner and the admins, each once however many sweepers
run; the escalation on the expiry day, once and audited; a new version starts the schedule over."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.expiry import texts as t
from core.i18n import use_language
from storage import credential_expiries
from storage.models import Registration
from storage.team_scope import TeamScope
from tests.approvals.conftest import blocks_of, dm, text_of
from tests.conftest import TEAM_ID
from tests.expiry.conftest import (
    ALICE,
    BOB,
    CAMILLE,
    EXPIRES,
    WEDNESDAY_10_UTC,
    ExpiryDesk,
)
from tests.handlers.wizard_support import updated

DAVE = "U0DAVE"  # the stand-in's person who left
RECIPIENTS = (BOB, ALICE, CAMILLE)  # the owner, then the admins
# 09:00 in New York (EDT), Bob's zone, on each lead's day; then the expiry day's.
THIRTY, SEVEN, ONE, EXPIRY_DAY = (
    datetime(2026, 6, 10, 13, tzinfo=UTC),
    datetime(2026, 7, 3, 13, tzinfo=UTC),
    datetime(2026, 7, 9, 13, tzinfo=UTC),
    datetime(2026, 7, 10, 13, tzinfo=UTC),
)


def reminders_count(desk: ExpiryDesk) -> Counter[str]:
    return Counter({user: len(desk.reminders(user)) for user in RECIPIENTS})


def test_reminders_at_30_7_and_1_days_then_the_escalation_each_once_with_two_sweepers(
    desk: ExpiryDesk,
) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)  # Bob (New York) owns it; Alice and Camille are the admins
    registration_id = desk.registration_id()

    # 06:00 in New York: the 30-day reminder waits for Bob's working morning.
    results = desk.sweep_twice_at_once()
    assert sum(r.expiries.deferred for r in results) == 1
    assert sum(len(desk.reminders(user)) for user in RECIPIENTS) == 0
    assert desk.expiry().next_reminder_at == THIRTY

    leads = []
    for moment, lead, count in ((THIRTY, 30, 1), (SEVEN, 7, 2), (ONE, 1, 3)):
        desk.clock.set(moment)
        results = desk.sweep_twice_at_once()
        assert sum(r.expiries.reminded for r in results) == 1, (lead, results)
        assert reminders_count(desk) == Counter({user: count for user in RECIPIENTS}), lead
        row = desk.expiry()
        assert row.reminded_lead == lead and row.last_reminded_at == moment
        assert row.claim_token is None and row.claimed_until is None
        leads.append(row.next_reminder_at)
        # Again at the same moment, or an hour later: nothing more.
        desk.clock.advance(timedelta(hours=1))
        assert sum(r.expiries.reminded for r in desk.sweep_twice_at_once()) == 0
        assert reminders_count(desk) == Counter({user: count for user in RECIPIENTS})
    assert leads == [SEVEN, ONE, EXPIRY_DAY]

    # What Bob read, each time, and the buttons.
    bob = [text_of(call) for call in desk.reminders(BOB)]
    assert "expire on *10 July 2026*, in 30 days" in bob[0]
    assert "in 7 days" in bob[1] and "in 1 day." in bob[2]
    assert "Microsoft Dynamics 365 Business Central" in bob[0] and "*sandbox*" in bob[0]
    assert f"Owner: <@{BOB}>. I tell the admins too." in bob[0]
    (actions,) = [b for b in blocks_of(desk.reminders(BOB)[0]) if b["type"] == "actions"]
    assert actions["block_id"] == f"expiry_actions:{registration_id}"
    buttons = [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]]
    assert buttons == [
        ("expiry_rotate", registration_id, "Rotate now"),
        ("expiry_snooze", registration_id, "Snooze a week"),
    ]
    # Camille reads it in French.
    camille = text_of(desk.reminders(CAMILLE)[0])
    with use_language("fr"):
        assert str(t.BUTTON_ROTATE) in camille and "juillet 2026" in camille

    # The expiry day: the escalation, once, to the same people, audited once.
    desk.clock.set(EXPIRY_DAY - timedelta(hours=5))  # 04:00 in New York: not yet
    assert sum(r.expiries.expired for r in desk.sweep_twice_at_once()) == 0
    desk.clock.set(EXPIRY_DAY)
    results = desk.sweep_twice_at_once()
    assert sum(r.expiries.expired for r in results) == 1
    assert reminders_count(desk) == Counter({user: 4 for user in RECIPIENTS})
    assert "expired on *10 July 2026*" in text_of(desk.reminders(BOB)[-1])
    (event,) = desk.audit("credential.expiry_reached")
    assert event.actor == "codat-register" and event.surface == "job"
    assert event.subject == registration_id and event.platform == "dynamics-365-business-central"
    assert event.details == {"expires_on": "2026-07-10", "told": list(RECIPIENTS)}
    row = desk.expiry()
    assert row.expired_notified_at == EXPIRY_DAY and row.next_reminder_at is None

    for later in (timedelta(hours=2), timedelta(days=1), timedelta(days=30)):
        desk.clock.set(EXPIRY_DAY + later)
        assert sum(r.expiries.expired + r.expiries.reminded for r in desk.sweep_twice_at_once()) == 0
    assert reminders_count(desk) == Counter({user: 4 for user in RECIPIENTS})
    assert len(desk.audit("credential.expiry_reached")) == 1


def test_many_expiries_and_two_sweepers_send_each_reminder_once(desk: ExpiryDesk) -> None:
    """Rows written by storage (as a save writes them) for a dozen registrations, all due at once."""
    deps = desk.bot.deps
    desk.clock.set(THIRTY)
    owners = [f"U0OWNER{n:02d}" for n in range(12)]
    platforms = [p.id for p in deps.catalogue if p.credentials_required][:6]
    registrations = []
    for n, owner in enumerate(owners):
        desk.api.add_user(owner, f"owner{n}", tz="America/New_York")
        with deps.db.session() as session:
            registration = TeamScope(session, TEAM_ID).add_registration(
                Registration(
                    platform=platforms[n % 6],
                    environment="sandbox" if n < 6 else "production",
                    created_by=owner,
                    step="summary",
                )
            )
            registrations.append(registration.id)
        with deps.db.engine.begin() as connection:
            credential_expiries.reset(
                connection,
                TEAM_ID,
                registrations[-1],
                expires_on=EXPIRES - timedelta(days=n % 3),  # 30 days ahead or fewer: the 30-day lead
                owner=owner,
                set_by=owner,
                now=THIRTY - timedelta(minutes=n),
            )

    results = desk.sweep_twice_at_once()

    assert sum(r.expiries.reminded for r in results) == 12
    per_channel = Counter(call.params["channel"] for call in desk.api.calls_to("chat.postMessage"))
    assert per_channel == Counter({dm(o): 1 for o in owners} | {dm(ALICE): 12, dm(CAMILLE): 12})
    for registration_id in registrations:
        assert desk.expiry(registration_id).reminded_lead == 30
    assert sum(r.expiries.reminded for r in desk.sweep_twice_at_once()) == 0


def test_a_new_version_starts_the_schedule_over(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    desk.clock.set(SEVEN)  # the sweep was off until now: the nearest lead, 7 days
    desk.sweep()
    assert desk.expiry().reminded_lead == 7 and desk.expiry().next_reminder_at == ONE

    # Bob rotates: a new secret with its new date, from the summary's Edit credentials.
    desk.clock.set(SEVEN + timedelta(hours=1))
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    new_date = date(2027, 1, 8)  # a Friday
    updated(
        wizard.submit(
            {
                "credential_client_id": "bc-client-id-1",
                "credential_client_secret": "bc-secret-2",
                "secret_expiry": new_date.isoformat(),
            }
        )
    )
    wizard.bot.settle()
    assert desk.version_count() == 2 and desk.annotations()["expires-at"] == "2027-01-08"
    row = desk.expiry()
    assert (row.expires_on, row.reminded_lead, row.last_reminded_at) == (new_date, None, None)
    assert row.next_reminder_at == SEVEN + timedelta(hours=1)

    # The next sweep works out the new schedule: nothing before 9 December (30 days before).
    desk.sweep()
    row = desk.expiry()
    assert row.reminded_lead is None
    assert row.next_reminder_at == datetime(2026, 12, 9, 14, tzinfo=UTC)  # 09:00 EST
    desk.clock.set(row.next_reminder_at)
    assert desk.sweep().expiries.reminded == 1
    assert "expire on *8 January 2027*, in 30 days" in text_of(desk.reminders(BOB)[-1])


def test_storing_the_same_value_with_a_new_date_resets_too(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    desk.clock.set(THIRTY)
    desk.sweep()
    assert desk.expiry().reminded_lead == 30
    wizard = desk.wizard(BOB)
    wizard.click("edit_step_credentials")
    updated(wizard.submit({**_same_values(), "secret_expiry": "2026-08-14"}))
    wizard.bot.settle()
    assert desk.version_count() == 1  # the same value: no new version
    row = desk.expiry()
    assert (row.expires_on, row.reminded_lead) == (date(2026, 8, 14), None)
    assert desk.annotations()["expires-at"] == "2026-08-14"


def _same_values() -> dict[str, str]:
    return {"credential_client_id": "bc-client-id-1", "credential_client_secret": "bc-secret-1"}


def test_an_owner_who_left_leaves_the_reminder_to_the_admins(desk: ExpiryDesk) -> None:
    deps = desk.bot.deps
    with deps.db.session() as session:
        registration_id = (
            TeamScope(session, TEAM_ID)
            .add_registration(
                Registration(platform="dynamics-365-business-central", environment="sandbox", created_by=DAVE)
            )
            .id
        )
    with deps.db.engine.begin() as connection:
        credential_expiries.reset(
            connection,
            TEAM_ID,
            registration_id,
            expires_on=EXPIRES,
            owner=DAVE,
            set_by=DAVE,
            now=WEDNESDAY_10_UTC,
        )
    desk.clock.set(WEDNESDAY_10_UTC)  # 11:00 in London: Alice, the first admin, decides
    result = desk.sweep().expiries
    assert result.reminded == 1, result
    assert desk.reminders(DAVE) == []
    assert len(desk.reminders(ALICE)) == 1 and len(desk.reminders(CAMILLE)) == 1
    assert f"Owner: <@{DAVE}>" in text_of(desk.reminders(ALICE)[0])
    assert desk.expiry(registration_id).reminded_lead == 30
    assert desk.expiry(registration_id).next_reminder_at == datetime(2026, 7, 3, 8, tzinfo=UTC)  # London


def test_a_cancelled_registration_is_not_reminded(desk: ExpiryDesk) -> None:
    desk.store_bc(BOB, expires_on=EXPIRES)
    desk.bot.events.command("cancel bc", user_id=BOB)
    desk.bot.settle()
    desk.clock.set(THIRTY)
    result = desk.sweep().expiries
    assert result.reminded == 0 and result.stopped == 1
    assert desk.reminders(BOB) == [] and desk.reminders(ALICE) == []
    assert desk.expiry().next_reminder_at is None
