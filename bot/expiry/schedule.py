"""When to remind about an expiring credential: pure functions of the clock, the owner's time zone
and EXPIRY_REMINDER_DAYS (largest lead first, e.g. 30, 7, 1).

Each lead is reminded once, on the working-hours start of its day (expiry minus the lead, moved
back to the business day before when it falls on a weekend, so "1 day before" a Monday expiry is
Friday's) in the owner's zone; a date set late skips the leads already past and reminds at once
for the nearest one (set 5 days before: "in 5 days" now, then the 1-day one). On the expiry day
the credential is expired and escalated once. A snooze moves the next reminder, never past the
expiry day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.reminders.policy import is_business_day, is_working_time, next_working_moment, work_start
from core.settings import Settings
from storage.credential_expiries import Expiry


class Kind(StrEnum):
    remind = "remind"  # `lead` days (or fewer) before the expiry
    expired = "expired"  # the expiry day has come: escalate once
    wait = "wait"  # nothing to send now: due again at `at`
    stop = "stop"  # nothing left to send


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    at: datetime | None = None  # wait: when to look again
    lead: int | None = None  # remind: the lead it counts as sent


def lead_day(expiry: Expiry, lead: int) -> date:
    """The day the reminder `lead` days before is due: a weekend moves it back to the Friday."""
    day = expiry.expires_on - timedelta(days=lead)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def _open_leads(expiry: Expiry, leads: list[int]) -> list[int]:
    """The leads not reminded yet (smaller than the last one sent), largest first."""
    return [lead for lead in leads if expiry.reminded_lead is None or lead < expiry.reminded_lead]


def decide(expiry: Expiry, now: datetime, tz: ZoneInfo, settings: Settings) -> Verdict:
    """What a due expiry calls for at `now` for an owner in `tz`."""
    today = now.astimezone(tz).date()
    if expiry.expired_notified_at is not None:
        return Verdict(Kind.stop)
    upcoming = next_moment(expiry, today, tz, settings)
    if expiry.snoozed_until is not None and expiry.snoozed_until > now:
        return Verdict(Kind.wait, min(expiry.snoozed_until, upcoming or expiry.snoozed_until))
    if today >= expiry.expires_on:
        return _in_hours(Verdict(Kind.expired), now, tz, settings)
    reached = [
        lead for lead in _open_leads(expiry, settings.EXPIRY_REMINDER_DAYS) if lead_day(expiry, lead) <= today
    ]
    if reached:
        return _in_hours(Verdict(Kind.remind, lead=min(reached)), now, tz, settings)
    return Verdict(Kind.wait, upcoming) if upcoming is not None else Verdict(Kind.stop)


def _in_hours(verdict: Verdict, now: datetime, tz: ZoneInfo, settings: Settings) -> Verdict:
    if is_working_time(now, tz, settings):
        return verdict
    return Verdict(Kind.wait, next_working_moment(now, tz, settings))


def next_moment(expiry: Expiry, today: date, tz: ZoneInfo, settings: Settings) -> datetime | None:
    """The working-hours start of the next day something is due after `today`: the next lead's
    day, or the expiry day itself (the escalation)."""
    days = [lead_day(expiry, lead) for lead in _open_leads(expiry, settings.EXPIRY_REMINDER_DAYS)]
    if expiry.expired_notified_at is None:
        days.append(expiry.expires_on)
    later = [day for day in days if day > today]
    if not later:
        return None
    return next_working_moment(work_start(min(later), tz, settings), tz, settings)


def after_reminder(
    expiry: Expiry, lead: int, today: date, tz: ZoneInfo, settings: Settings
) -> datetime | None:
    """When to look again once the reminder counted as `lead` was sent."""
    sent = Expiry(**{**expiry.__dict__, "reminded_lead": lead, "snoozed_until": None})
    return next_moment(sent, today, tz, settings)


def snoozed_until(expiry: Expiry, now: datetime, tz: ZoneInfo, settings: Settings) -> datetime:
    """ "Snooze a week": a week later in working hours, but no later than the expiry day."""
    week = next_working_moment(now + timedelta(days=7), tz, settings)
    expiry_day = next_working_moment(work_start(expiry.expires_on, tz, settings), tz, settings)
    return max(min(week, expiry_day), now)
