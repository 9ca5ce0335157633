"""When expiry reminders go out and which dates the credentials step accepts, as pure functions:
bot.expiry.schedule (EXPIRY_REMINDER_DAYS=30,7,1, working hours in the owner's zone) and
bot.expiry.rules (the catalogue's rules for Business Central and Amazon, none for Xero)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.catalogue import Platform, load_catalogue
from bot.expiry import rules
from bot.expiry import texts as t
from bot.expiry.schedule import Kind, Verdict, after_reminder, decide, next_moment, snoozed_until
from bot.reminders.policy import zone
from core.i18n import use_language
from core.settings import Settings
from storage.credential_expiries import Expiry

SETTINGS = Settings(EXPIRY_REMINDER_DAYS=[30, 7, 1])  # the default, spelled out
LONDON, NEW_YORK = zone("Europe/London"), zone("America/New_York")
CATALOGUE = load_catalogue()
BC = CATALOGUE.get("dynamics-365-business-central")
AMAZON = CATALOGUE.get("amazon-seller-central")
XERO = CATALOGUE.get("xero")

# Friday 10 July 2026: its 30-, 7- and 1-day leads are Wednesday 10 June, Friday 3 July and
# Thursday 9 July, all weekdays. London is on BST (UTC+1): 09:00 there is 08:00 UTC.
EXPIRES = date(2026, 7, 10)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def expiry(expires_on: date = EXPIRES) -> Expiry:
    """A row as `reset` leaves it: nothing reminded, snoozed or escalated yet."""
    return Expiry(registration_id="r" * 32, team_id="T0001", expires_on=expires_on, owner_user_id="U0ALICE")


def with_state(base: Expiry, **state: Any) -> Expiry:
    return dataclasses.replace(base, **state)


# --- the schedule: 30, 7 and 1 days before, then the expiry day --------------------------------------
def test_each_lead_is_reminded_once_on_its_day_at_the_start_of_working_hours_then_the_expiry() -> None:
    row = expiry()
    sent: list[tuple[datetime, Verdict]] = []
    now = utc(6, 1, 10)  # long before: nothing yet, due again on the 30-day lead's morning
    first = decide(row, now, LONDON, SETTINGS)
    assert first == Verdict(Kind.wait, utc(6, 10, 8))
    assert first.at is not None
    now = first.at
    for _ in range(4):
        verdict = decide(row, now, LONDON, SETTINGS)
        sent.append((now, verdict))
        if verdict.kind is Kind.expired:
            row = with_state(row, expired_notified_at=now)
            break
        assert verdict.kind is Kind.remind and verdict.lead is not None
        following = after_reminder(row, verdict.lead, now.astimezone(LONDON).date(), LONDON, SETTINGS)
        row = with_state(row, reminded_lead=verdict.lead)
        assert following is not None
        now = following

    assert [(moment, verdict.kind, verdict.lead) for moment, verdict in sent] == [
        (utc(6, 10, 8), Kind.remind, 30),
        (utc(7, 3, 8), Kind.remind, 7),
        (utc(7, 9, 8), Kind.remind, 1),
        (utc(7, 10, 8), Kind.expired, None),
    ]
    # Escalated: nothing more, ever (until a new date resets the row).
    assert decide(row, utc(7, 20, 10), LONDON, SETTINGS) == Verdict(Kind.stop)
    assert next_moment(row, date(2026, 7, 10), LONDON, SETTINGS) is None


def test_a_lead_already_reminded_is_not_sent_again_the_same_day() -> None:
    reminded = with_state(expiry(), reminded_lead=30)
    assert decide(reminded, utc(6, 10, 12), LONDON, SETTINGS) == Verdict(Kind.wait, utc(7, 3, 8))


def test_the_owners_zone_decides_the_morning() -> None:
    # 09:00 in New York (EDT, UTC-4) is 13:00 UTC: at 10:00 UTC it is 06:00 there.
    assert decide(expiry(), utc(6, 10, 10), NEW_YORK, SETTINGS) == Verdict(Kind.wait, utc(6, 10, 13))
    assert decide(expiry(), utc(6, 10, 13), NEW_YORK, SETTINGS) == Verdict(Kind.remind, lead=30)
    assert next_moment(expiry(), date(2026, 6, 1), NEW_YORK, SETTINGS) == utc(6, 10, 13)


def test_a_date_set_five_days_ahead_reminds_at_once_for_7_days_then_at_1_day() -> None:
    now = utc(6, 11, 10)  # Thursday 11 June, 11:00 in London
    late = expiry(date(2026, 6, 16))  # Tuesday: the 30- and 7-day leads have passed
    verdict = decide(late, now, LONDON, SETTINGS)
    assert verdict == Verdict(Kind.remind, lead=7)  # the nearest lead, at once; 30 is skipped
    following = after_reminder(late, 7, now.date(), LONDON, SETTINGS)
    assert following == utc(6, 15, 8)  # Monday 15 June 09:00 in London: the 1-day lead
    assert decide(with_state(late, reminded_lead=7), following, LONDON, SETTINGS) == Verdict(
        Kind.remind, lead=1
    )


def test_on_the_expiry_day_it_is_escalated_once() -> None:
    on_the_day = with_state(expiry(), reminded_lead=1)
    assert decide(on_the_day, utc(7, 10, 8), LONDON, SETTINGS) == Verdict(Kind.expired)
    # A date in the past (the sweep was down, or the reminders never ran): expired at once too.
    assert decide(expiry(), utc(7, 14, 10), LONDON, SETTINGS) == Verdict(Kind.expired)
    done = with_state(on_the_day, expired_notified_at=utc(7, 10, 8))
    assert decide(done, utc(7, 10, 9), LONDON, SETTINGS) == Verdict(Kind.stop)


def test_outside_working_hours_it_waits_for_the_next_working_morning() -> None:
    reached = expiry()
    # 07:30 in London on the lead's day: 09:00 the same day.
    assert decide(reached, utc(6, 10, 6, 30), LONDON, SETTINGS) == Verdict(Kind.wait, utc(6, 10, 8))
    # 18:00 in London: the next morning.
    assert decide(reached, utc(6, 10, 17), LONDON, SETTINGS) == Verdict(Kind.wait, utc(6, 11, 8))
    # Saturday 13 June: Monday morning.
    assert decide(reached, utc(6, 13, 10), LONDON, SETTINGS) == Verdict(Kind.wait, utc(6, 15, 8))
    # The escalation waits for working hours too.
    assert decide(expiry(), utc(7, 10, 5), LONDON, SETTINGS) == Verdict(Kind.wait, utc(7, 10, 8))


def test_snooze_is_a_week_in_working_hours_but_never_past_the_expiry_day() -> None:
    now = utc(6, 10, 10)
    assert snoozed_until(expiry(), now, LONDON, SETTINGS) == utc(6, 17, 10)  # a week on, same time
    # Friday 17:30 in London a week on is outside working hours: the Monday after, 09:00.
    assert snoozed_until(expiry(), utc(6, 12, 16, 30), LONDON, SETTINGS) == utc(6, 22, 8)
    # Three days before the expiry: capped at the expiry day's morning.
    assert snoozed_until(expiry(), utc(7, 7, 10), LONDON, SETTINGS) == utc(7, 10, 8)
    # On the expiry day itself: not before now.
    assert snoozed_until(expiry(), utc(7, 10, 10), LONDON, SETTINGS) == utc(7, 10, 10)


def test_while_snoozed_nothing_is_sent_and_the_reminder_comes_back_after() -> None:
    snoozed = with_state(expiry(), reminded_lead=30, snoozed_until=utc(7, 6, 8))
    # The 7-day lead (3 July) falls inside the snooze: it waits.
    verdict = decide(snoozed, utc(7, 3, 8), LONDON, SETTINGS)
    assert verdict.kind is Kind.wait and verdict.at is not None and verdict.at <= utc(7, 6, 8)
    assert decide(snoozed, utc(7, 6, 8), LONDON, SETTINGS) == Verdict(Kind.remind, lead=7)


def test_other_reminder_days_are_honoured() -> None:
    fourteen = SETTINGS.model_copy(update={"EXPIRY_REMINDER_DAYS": [14]})
    assert decide(expiry(), utc(6, 10, 10), LONDON, fourteen) == Verdict(Kind.wait, utc(6, 26, 8))
    assert decide(expiry(), utc(6, 26, 8), LONDON, fourteen) == Verdict(Kind.remind, lead=14)
    sent = with_state(expiry(), reminded_lead=14)
    assert after_reminder(sent, 14, date(2026, 6, 26), LONDON, fourteen) == utc(7, 10, 8)  # the expiry


# --- the rules: which dates the credentials step takes ---------------------------------------------------
TODAY = date(2026, 6, 10)


def test_a_date_in_the_past_is_refused() -> None:
    with use_language("en"):
        assert rules.error(BC, TODAY - timedelta(days=2), False, TODAY) == str(t.ERROR_PAST)
        assert rules.error(XERO, date(2020, 1, 1), False, TODAY) == str(t.ERROR_PAST)
        assert "That date has passed" in str(t.ERROR_PAST)
        # A day's grace for a calendar a day off UTC's; today itself is fine.
        assert rules.error(BC, TODAY - timedelta(days=1), False, TODAY) is None
        assert rules.error(BC, TODAY, False, TODAY) is None


def test_business_central_takes_at_most_730_days() -> None:
    with use_language("en"):
        assert rules.error(BC, TODAY + timedelta(days=730), False, TODAY) is None
        too_far = rules.error(BC, TODAY + timedelta(days=800), False, TODAY)
        assert too_far == (
            "Microsoft Dynamics 365 Business Central secrets last at most 730 days: pick a date up to "
            "9 June 2028."
        )
        assert rules.error(BC, TODAY + timedelta(days=732), False, TODAY) == too_far
        # Amazon's rotation every 180 days caps it at 180.
        assert rules.error(AMAZON, TODAY + timedelta(days=180), False, TODAY) is None
        assert "at most 180 days" in str(rules.error(AMAZON, TODAY + timedelta(days=200), False, TODAY))


def test_without_a_rule_any_future_date_is_fine_and_no_date_is_fine() -> None:
    assert XERO.credential_expiry is None
    assert rules.error(XERO, TODAY + timedelta(days=3650 * 3), False, TODAY) is None
    assert rules.error(XERO, None, False, TODAY) is None
    assert rules.error(BC, None, False, TODAY) is None  # optional even with a rule
    with use_language("en"):
        assert rules.error(XERO, None, True, TODAY) == "Pick a date with the date picker."


@pytest.mark.parametrize(
    ("platform", "stored", "expected"),
    [
        (BC, None, TODAY + timedelta(days=180)),  # Entra's recommendation
        (AMAZON, None, TODAY + timedelta(days=180)),  # the rotation period
        (XERO, None, None),  # no rule: the picker starts empty
        (BC, date(2027, 1, 31), date(2027, 1, 31)),  # a stored date wins over the rule
        (XERO, date(2027, 1, 31), date(2027, 1, 31)),
    ],
)
def test_the_picker_is_pre_filled_from_the_stored_date_else_the_rule(
    platform: Platform, stored: date | None, expected: date | None
) -> None:
    assert rules.suggested(platform, TODAY, stored) == expected


def test_the_rule_is_explained_in_the_pickers_hint() -> None:
    with use_language("en"):
        assert rules.rule_text(BC) == (
            "Pre-filled from Microsoft Dynamics 365 Business Central's rule: you choose the expiry when "
            "you create the secret, at most 730 days ahead."
        )
        assert "must be rotated every 180 days" in str(rules.rule_text(AMAZON))
        assert rules.rule_text(XERO) is None


def test_a_lead_day_on_a_weekend_is_reminded_on_the_friday_before() -> None:
    # Monday 13 July 2026: its 1-day lead, Sunday 12 July, moves back to Friday 10 July (its 7-day
    # lead, Monday 6 July, stays) — so the last reminder still comes before the expiry day.
    monday = expiry(date(2026, 7, 13))
    after_seven = with_state(monday, reminded_lead=7)
    assert next_moment(after_seven, date(2026, 7, 6), LONDON, SETTINGS) == utc(7, 10, 8)
    assert decide(after_seven, utc(7, 10, 8), LONDON, SETTINGS) == Verdict(Kind.remind, lead=1)
    assert decide(after_seven, utc(7, 9, 15), LONDON, SETTINGS).kind is Kind.wait  # Thursday: not yet
