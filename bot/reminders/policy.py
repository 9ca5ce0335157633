"""When to remind. (Stub agreed between the wizard and follow-ups; the follow-ups work owns it.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.settings import Settings


def initial_reminder_at(now: datetime, due_date: date | None, settings: Settings) -> datetime:
    """First reminder for a new unfinished item: N business days from now, or earlier for a due date."""
    moment = now
    added = 0
    while added < settings.REMINDER_FIRST_AFTER_BUSINESS_DAYS:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    if due_date is not None:
        due_moment = datetime.combine(due_date, now.timetz()) - timedelta(days=1)
        moment = max(now, min(moment, due_moment))
    return moment
