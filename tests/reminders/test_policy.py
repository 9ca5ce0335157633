"""Due selection as pure policy: business days, working hours in the owner's zone (incl. DST weeks),
weekends, snooze, due dates, escalation after K reminders, and stopping."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.reminders.policy import (
    Decision,
    ReminderState,
    SnoozeError,
    add_business_days,
    after_send,
    decide,
    initial_reminder_at,
    is_working_time,
    needs_escalation,
    next_reminder_after,
    next_working_moment,
    parse_snooze,
    snooze_until,
    zone,
)
from core.settings import Settings
from storage.statuses import ItemStatus, RegistrationStatus

SETTINGS = Settings()
LONDON, NEW_YORK, TOKYO = zone("Europe/London"), zone("America/New_York"), zone("Asia/Tokyo")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def state(**changes: object) -> ReminderState:
    base = {
        "status": ItemStatus.todo,
        "registration_status": RegistrationStatus.in_progress,
        "next_reminder_at": utc(2026, 6, 10, 9),
    }
    return ReminderState(**(base | changes))  # type: ignore[arg-type]


# --- business days and weekends ------------------------------------------------------------------
def test_business_days_skip_the_weekend() -> None:
    thursday = utc(2026, 6, 11, 10)
    assert add_business_days(thursday, 2, LONDON) == utc(2026, 6, 15, 10)  # Monday, same local time
    assert add_business_days(utc(2026, 6, 13, 10), 1, LONDON) == utc(2026, 6, 15, 10)  # Saturday -> Monday
    assert add_business_days(thursday, 0, LONDON) == thursday


def test_first_reminder_is_two_business_days_later_by_default() -> None:
    friday_afternoon = utc(2026, 6, 12, 14)
    assert initial_reminder_at(friday_afternoon, None, SETTINGS) == utc(2026, 6, 16, 14)  # Tuesday
    # With the owner's zone it also lands in their working hours: 14:00 UTC is 23:00 in Tokyo.
    assert initial_reminder_at(friday_afternoon, None, SETTINGS, tz="Asia/Tokyo") == utc(2026, 6, 17, 0)


def test_repeat_every_two_business_days_in_working_hours() -> None:
    sent = utc(2026, 6, 12, 15)  # Friday 16:00 in London
    assert next_reminder_after(sent, None, LONDON, SETTINGS) == utc(2026, 6, 16, 15)  # Tuesday 16:00


def test_weekend_is_never_working_time() -> None:
    saturday_noon_london = utc(2026, 6, 13, 11)
    assert not is_working_time(saturday_noon_london, LONDON, SETTINGS)
    assert next_working_moment(saturday_noon_london, LONDON, SETTINGS) == utc(2026, 6, 15, 8)  # Mon 09:00 BST


# --- working hours in the owner's zone ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("moment", "tz", "working"),
    [
        (utc(2026, 6, 10, 8), LONDON, True),  # 09:00 BST: the first working minute
        (utc(2026, 6, 10, 7, 59), LONDON, False),
        (utc(2026, 6, 10, 15, 59), LONDON, True),  # 16:59 BST
        (utc(2026, 6, 10, 16), LONDON, False),  # 17:00 BST: the end is exclusive
        (utc(2026, 6, 10, 13), NEW_YORK, True),  # 09:00 EDT
        (utc(2026, 6, 10, 12), NEW_YORK, False),
        (utc(2026, 6, 10, 0), TOKYO, True),  # 09:00 JST
        (utc(2026, 6, 10, 9), TOKYO, False),  # 18:00 JST
    ],
)
def test_working_hours_are_the_owners(moment: datetime, tz: object, working: bool) -> None:
    assert is_working_time(moment, tz, SETTINGS) is working  # type: ignore[arg-type]


def test_outside_working_hours_moves_to_the_next_working_start() -> None:
    evening_london = utc(2026, 6, 10, 18)  # 19:00 BST Wednesday
    assert next_working_moment(evening_london, LONDON, SETTINGS) == utc(2026, 6, 11, 8)
    early_new_york = utc(2026, 6, 10, 11)  # 07:00 EDT: the same day's 09:00
    assert next_working_moment(early_new_york, NEW_YORK, SETTINGS) == utc(2026, 6, 10, 13)
    friday_evening_tokyo = utc(2026, 6, 12, 10)  # 19:00 JST Friday -> Monday 09:00 JST
    assert next_working_moment(friday_evening_tokyo, TOKYO, SETTINGS) == utc(2026, 6, 15, 0)


def test_decide_defers_outside_working_hours_without_counting() -> None:
    verdict = decide(state(), utc(2026, 6, 10, 18), LONDON, SETTINGS)
    assert verdict.decision is Decision.defer and verdict.at == utc(2026, 6, 11, 8)
    assert decide(state(), utc(2026, 6, 10, 10), LONDON, SETTINGS).decision is Decision.send


# --- DST change weeks -----------------------------------------------------------------------------
def test_london_spring_forward_keeps_nine_oclock_local() -> None:
    friday = utc(2026, 3, 27, 9)  # 09:00 GMT; clocks go forward on Sunday 29 March
    after = add_business_days(friday, 2, LONDON)
    assert after == utc(2026, 3, 31, 8)  # Tuesday 09:00 BST is 08:00 UTC
    assert is_working_time(utc(2026, 3, 30, 8, 30), LONDON, SETTINGS)  # Monday 09:30 BST
    assert not is_working_time(utc(2026, 3, 27, 8, 30), LONDON, SETTINGS)  # Friday 08:30 GMT
    assert next_working_moment(utc(2026, 3, 28, 12), LONDON, SETTINGS) == utc(2026, 3, 30, 8)


def test_london_fall_back_keeps_nine_oclock_local() -> None:
    friday = utc(2026, 10, 23, 8)  # 09:00 BST; clocks go back on Sunday 25 October
    assert add_business_days(friday, 2, LONDON) == utc(2026, 10, 27, 9)  # Tuesday 09:00 GMT
    assert next_working_moment(utc(2026, 10, 24, 12), LONDON, SETTINGS) == utc(2026, 10, 26, 9)
    assert not is_working_time(utc(2026, 10, 26, 8, 30), LONDON, SETTINGS)  # 08:30 GMT
    assert is_working_time(utc(2026, 10, 23, 8, 30), LONDON, SETTINGS)  # 09:30 BST


def test_new_york_dst_weeks() -> None:
    # Spring forward on Sunday 8 March: Friday 09:00 EST (14:00 UTC) + 2 -> Tuesday 09:00 EDT (13:00 UTC).
    assert add_business_days(utc(2026, 3, 6, 14), 2, NEW_YORK) == utc(2026, 3, 10, 13)
    # Fall back on Sunday 1 November: Friday 16:30 EDT -> Tuesday 16:30 EST.
    assert add_business_days(utc(2026, 10, 30, 20, 30), 2, NEW_YORK) == utc(2026, 11, 3, 21, 30)
    assert next_working_moment(utc(2026, 11, 1, 15), NEW_YORK, SETTINGS) == utc(2026, 11, 2, 14)


def test_london_and_new_york_disagree_in_the_weeks_between_their_changes() -> None:
    # 13:30 UTC on Tuesday 10 March: 09:30 EDT (New York already changed), 13:30 GMT in London.
    moment = utc(2026, 3, 10, 13, 30)
    assert is_working_time(moment, NEW_YORK, SETTINGS) and is_working_time(moment, LONDON, SETTINGS)
    # 12:30 UTC: 08:30 EDT - a week earlier it was 07:30 EST; neither is working time in New York.
    assert not is_working_time(utc(2026, 3, 10, 12, 30), NEW_YORK, SETTINGS)
    assert next_working_moment(utc(2026, 3, 10, 12, 30), NEW_YORK, SETTINGS) == utc(2026, 3, 10, 13)
    assert next_working_moment(utc(2026, 3, 3, 12, 30), NEW_YORK, SETTINGS) == utc(2026, 3, 3, 14)


# --- due dates ---------------------------------------------------------------------------------------
def test_due_date_pulls_the_first_reminder_to_the_eve() -> None:
    monday = utc(2026, 6, 15, 10)
    regular = initial_reminder_at(monday, None, SETTINGS, tz="Europe/London")
    assert regular == utc(2026, 6, 17, 10)
    due_wednesday = initial_reminder_at(monday, date(2026, 6, 17), SETTINGS, tz="Europe/London")
    assert due_wednesday == utc(2026, 6, 16, 8)  # Tuesday 09:00 BST, the business day before
    due_monday = initial_reminder_at(utc(2026, 6, 10, 10), date(2026, 6, 15), SETTINGS, tz="Europe/London")
    assert due_monday == utc(2026, 6, 12, 8)  # the Friday before, not the Sunday


def test_due_date_today_or_past_reminds_at_once() -> None:
    now = utc(2026, 6, 15, 10)
    assert initial_reminder_at(now, date(2026, 6, 15), SETTINGS, tz="Europe/London") == now
    assert initial_reminder_at(now, date(2026, 6, 1), SETTINGS) == now


def test_far_due_date_changes_nothing_and_a_repeat_never_skips_the_eve() -> None:
    now = utc(2026, 6, 15, 10)
    assert initial_reminder_at(now, date(2026, 9, 1), SETTINGS) == utc(2026, 6, 17, 10)
    # Reminded Monday; due Wednesday: the next reminder is Tuesday 09:00, not Wednesday.
    assert next_reminder_after(now, date(2026, 6, 17), LONDON, SETTINGS) == utc(2026, 6, 16, 8)


# --- snooze -------------------------------------------------------------------------------------------
def test_snooze_a_day_a_week_or_until_a_date() -> None:
    friday = utc(2026, 6, 12, 10)
    assert snooze_until(friday, "1d", LONDON, SETTINGS) == utc(2026, 6, 15, 10)  # next business day
    assert snooze_until(friday, "1w", LONDON, SETTINGS) == utc(2026, 6, 19, 10)
    assert snooze_until(friday, date(2026, 6, 20), LONDON, SETTINGS) == utc(2026, 6, 22, 8)  # Sat -> Mon
    with pytest.raises(SnoozeError):
        snooze_until(friday, date(2026, 6, 12), LONDON, SETTINGS)


def test_snooze_a_week_across_the_dst_change_keeps_local_time() -> None:
    before = utc(2026, 3, 24, 10)  # Tuesday 10:00 GMT
    assert snooze_until(before, "1w", LONDON, SETTINGS) == utc(2026, 3, 31, 9)  # 10:00 BST


def test_snoozed_item_is_not_due_until_the_snooze_ends() -> None:
    snoozed = state(next_reminder_at=utc(2026, 6, 10, 9), snoozed_until=utc(2026, 6, 12, 9))
    verdict = decide(snoozed, utc(2026, 6, 10, 10), LONDON, SETTINGS)
    assert verdict.decision is Decision.defer and verdict.at == utc(2026, 6, 12, 9)
    assert decide(snoozed, utc(2026, 6, 12, 9), LONDON, SETTINGS).decision is Decision.send


def test_parse_snooze() -> None:
    assert parse_snooze(["1D"]) == "1d" and parse_snooze(["1w"]) == "1w"
    assert parse_snooze(["until", "2026-07-01"]) == date(2026, 7, 1)
    for bad in (["2d"], ["until", "tomorrow"], []):
        with pytest.raises(SnoozeError):
            parse_snooze(bad)


# --- escalation and stopping ---------------------------------------------------------------------------
def test_escalation_after_k_reminders_once() -> None:
    sent_at = utc(2026, 6, 10, 10)
    counts = []
    current = state()
    for _ in range(4):
        advance = after_send(current, sent_at, LONDON, SETTINGS)
        counts.append((advance.reminder_count, advance.escalate))
        escalated = sent_at if advance.escalate else current.escalated_at
        current = state(reminder_count=advance.reminder_count, escalated_at=escalated)
    assert counts == [(1, False), (2, False), (3, True), (4, False)]
    assert needs_escalation(5, None, SETTINGS)  # a failed escalation DM is retried later


@pytest.mark.parametrize(
    ("status", "registration_status"),
    [
        (ItemStatus.done, RegistrationStatus.in_progress),
        (ItemStatus.not_applicable, RegistrationStatus.in_progress),
        (ItemStatus.todo, RegistrationStatus.cancelled),
        (ItemStatus.todo, RegistrationStatus.completed),
    ],
)
def test_reminders_stop_when_done_or_registration_closed(
    status: ItemStatus, registration_status: RegistrationStatus
) -> None:
    verdict = decide(
        state(status=status, registration_status=registration_status), utc(2026, 6, 10, 10), LONDON, SETTINGS
    )
    assert verdict.decision is Decision.stop


def test_unknown_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons").key == "UTC" and zone(None).key == "UTC"
