"""Who is reminded, and where they are: users.info facts cached in `slack_users`, refreshed daily.

The time zone decides the owner's working hours; `deleted` means the owner left the workspace, and
the sweep hands their items to the registration's creator. Slack is called outside any transaction;
the cache row is written in its own short one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.reminders.policy import zone
from storage.models import SlackUser

logger = logging.getLogger("codat_register.reminders")

GONE_ERRORS = {"user_not_found", "user_disabled", "account_inactive"}


@dataclass(frozen=True)
class Person:
    """What the reminders know about one Slack user."""

    user_id: str
    tz: str | None
    deleted: bool
    refreshed_at: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.tz)


def cached(deps: Deps, team_id: str, user_id: str) -> Person | None:
    """The cached facts, however old (no Slack call)."""
    with deps.db.session() as session:
        row = session.scalar(
            select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id == user_id)
        )
        return None if row is None else Person(row.user_id, row.tz, row.deleted, row.refreshed_at)


def lookup(deps: Deps, team_id: str, user_id: str) -> Person | None:
    """The person's time zone and whether they left: from the cache while it is fresh, else from
    users.info. When Slack cannot answer, a stale cache entry is better than nothing; None means
    nothing is known (the caller retries later)."""
    now = deps.clock.now()
    known = cached(deps, team_id, user_id)
    max_age = timedelta(hours=deps.settings.REMINDER_USER_REFRESH_HOURS)
    if known is not None and known.refreshed_at is not None and now - known.refreshed_at < max_age:
        return known
    fetched = _fetch(deps, user_id, known)
    if fetched is None:
        return known
    _store(deps, team_id, fetched, now)
    return Person(fetched.user_id, fetched.tz, fetched.deleted, now)


def _fetch(deps: Deps, user_id: str, known: Person | None) -> Person | None:
    if deps.client is None:
        return None
    try:
        user = deps.client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in GONE_ERRORS:
            return Person(user_id, known.tz if known else None, True)
        logger.warning("users.info failed for %s: %s", user_id, code)
        return None
    except OSError as error:  # connection problems: the cache (or a later sweep) will do
        logger.warning("users.info failed for %s: %s", user_id, type(error).__name__)
        return None
    return Person(user_id, user.get("tz") or None, bool(user.get("deleted")))


def _store(deps: Deps, team_id: str, person: Person, now: datetime) -> None:
    # Read-then-write: on SQLite take the write lock up front (a deferred transaction that
    # upgrades while another writer holds the lock fails at once with "database is locked").
    with deps.db.write_session() as session:
        query = select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id == person.user_id)
        row = session.scalar(query)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        SlackUser(
                            team_id=team_id,
                            user_id=person.user_id,
                            tz=person.tz,
                            deleted=person.deleted,
                            refreshed_at=now,
                        )
                    )
                return
            except IntegrityError:  # cached concurrently by another sweep or request
                row = session.scalars(query).one()
        row.tz, row.deleted, row.refreshed_at = person.tz, person.deleted, now
