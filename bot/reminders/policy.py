"""When to remind: pure functions of the clock, the owner's time zone and the settings.

All instants are timezone-aware UTC; calendar arithmetic (business days, working hours, "a week
later") happens in the owner's IANA zone with zoneinfo, so a DST change never shifts a reminder out
of working hours. The sweep asks `decide` what to do with a due item and `after_send` how to
advance it; the wizard asks `initial_reminder_at`; the buttons and commands ask `snooze_until`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import Settings
from storage.statuses import ItemStatus, RegistrationStatus


def zone(tz: str | None) -> ZoneInfo:
    """The owner's zone; UTC when Slack gave none or one this machine does not know."""
    if not tz:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=tz).astimezone(UTC)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time `days` business days later (Saturdays and Sundays skipped)."""
    local = moment.astimezone(tz)
    day, added = local.date(), 0
    while added < days:
        day += timedelta(days=1)
        if is_business_day(day):
            added += 1
    return _at(day, local.time().replace(tzinfo=None), tz)


def is_working_time(moment: datetime, tz: ZoneInfo, settings: Settings) -> bool:
    """A weekday, between the working start (inclusive) and end (exclusive) hours, in `tz`."""
    local = moment.astimezone(tz)
    return (
        is_business_day(local.date())
        and settings.REMINDER_WORK_START_HOUR <= local.hour < settings.REMINDER_WORK_END_HOUR
    )


def work_start(day: date, tz: ZoneInfo, settings: Settings) -> datetime:
    """The start of working hours on `day` in `tz`, as UTC."""
    return _at(day, time(settings.REMINDER_WORK_START_HOUR), tz)


def next_working_moment(moment: datetime, tz: ZoneInfo, settings: Settings) -> datetime:
    """`moment` itself if it falls in working hours, else the next working-hours start in `tz`."""
    if is_working_time(moment, tz, settings):
        return moment.astimezone(UTC)
    local = moment.astimezone(tz)
    day = local.date()
    if not (is_business_day(day) and local.hour < settings.REMINDER_WORK_START_HOUR):
        day += timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
    return work_start(day, tz, settings)


def due_nudge(due_date: date, tz: ZoneInfo, settings: Settings) -> datetime:
    """The working-hours start of the last business day before `due_date`: time enough to act."""
    day = due_date - timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return work_start(day, tz, settings)


def initial_reminder_at(
    now: datetime, due_date: date | None, settings: Settings, *, tz: str | None = None
) -> datetime:
    """First reminder for a new unfinished item: N business days from now, or earlier for a due date.

    Without the owner's time zone the moment is computed in UTC and left as is: the sweep moves a
    reminder that falls outside the owner's working hours to their next working-hours start.
    """
    owner_zone = zone(tz)
    first = add_business_days(now, settings.REMINDER_FIRST_AFTER_BUSINESS_DAYS, owner_zone)
    if due_date is not None:
        first = min(first, max(now, due_nudge(due_date, owner_zone, settings)))
    return next_working_moment(first, owner_zone, settings) if tz else first.astimezone(UTC)


class Decision(StrEnum):
    send = "send"  # remind now
    defer = "defer"  # not now: try again at `Verdict.at`, not counted as a reminder
    stop = "stop"  # never again: the item is finished or its registration closed


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    at: datetime | None = None


@dataclass(frozen=True)
class ReminderState:
    """What the policy needs to know about one item."""

    status: ItemStatus
    registration_status: RegistrationStatus
    next_reminder_at: datetime | None
    snoozed_until: datetime | None = None
    reminder_count: int = 0
    escalated_at: datetime | None = None
    due_date: date | None = None


def is_remindable(status: ItemStatus, registration_status: RegistrationStatus) -> bool:
    """Only open items of registrations in progress are reminded: reminders stop once the item is
    done or n/a, or its registration completed or cancelled."""
    return status == ItemStatus.todo and registration_status == RegistrationStatus.in_progress


def decide(state: ReminderState, now: datetime, tz: ZoneInfo, settings: Settings) -> Verdict:
    """Send, defer (to when) or stop, for one item at `now` for an owner in `tz`."""
    if not is_remindable(state.status, state.registration_status) or state.next_reminder_at is None:
        return Verdict(Decision.stop)
    not_before = max(state.next_reminder_at, state.snoozed_until or state.next_reminder_at)
    if not_before > now:
        return Verdict(Decision.defer, next_working_moment(not_before, tz, settings))
    if not is_working_time(now, tz, settings):
        return Verdict(Decision.defer, next_working_moment(now, tz, settings))
    return Verdict(Decision.send)


@dataclass(frozen=True)
class Advance:
    """The item's reminder state once Slack accepted the reminder."""

    next_reminder_at: datetime
    reminder_count: int
    escalate: bool  # tell the registration's creator too (once per escalation)


def next_reminder_after(
    sent_at: datetime, due_date: date | None, tz: ZoneInfo, settings: Settings
) -> datetime:
    """N business days after a reminder, pulled earlier to the eve of an upcoming due date."""
    regular = add_business_days(sent_at, settings.REMINDER_REPEAT_BUSINESS_DAYS, tz)
    if due_date is not None:
        nudge = due_nudge(due_date, tz, settings)
        if sent_at < nudge < regular:
            regular = nudge
    return next_working_moment(regular, tz, settings)


def after_send(state: ReminderState, sent_at: datetime, tz: ZoneInfo, settings: Settings) -> Advance:
    count = state.reminder_count + 1
    return Advance(
        next_reminder_at=next_reminder_after(sent_at, state.due_date, tz, settings),
        reminder_count=count,
        escalate=needs_escalation(count, state.escalated_at, settings),
    )


def needs_escalation(reminder_count: int, escalated_at: datetime | None, settings: Settings) -> bool:
    """After K reminders the creator is told, once (escalated_at is stamped when that DM is accepted)."""
    return reminder_count >= settings.REMINDER_ESCALATE_AFTER and escalated_at is None


class SnoozeError(ValueError):
    """The snooze asked for is not possible (e.g. a date in the past); the message is for the person."""


def parse_snooze(words: list[str] | tuple[str, ...]) -> str | date:
    """`1d`, `1w` or `until YYYY-MM-DD` (already split into words); raises SnoozeError otherwise."""
    lowered = [word.lower() for word in words]
    if lowered in (["1d"], ["1w"]):
        return lowered[0]
    if len(lowered) == 2 and lowered[0] == "until":
        try:
            return date.fromisoformat(lowered[1])
        except ValueError:
            raise SnoozeError(lowered[1]) from None
    raise SnoozeError(" ".join(words))


def snooze_until(now: datetime, choice: str | date, tz: ZoneInfo, settings: Settings) -> datetime:
    """When a snoozed item is reminded again: `1d` (next business day, same time), `1w` (a week
    later, same local time) or a date (its working-hours start); always inside working hours."""
    if choice == "1d":
        target = add_business_days(now, 1, tz)
    elif choice == "1w":
        local = now.astimezone(tz)
        target = _at(local.date() + timedelta(days=7), local.time().replace(tzinfo=None), tz)
    elif isinstance(choice, date):
        if choice <= now.astimezone(tz).date():
            raise SnoozeError(choice.isoformat())
        target = work_start(choice, tz, settings)
    else:
        raise SnoozeError(str(choice))
    return next_working_moment(target, tz, settings)
