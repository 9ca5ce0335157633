"""The users.info cache (`slack_users`): one row per (workspace, person), written in short transactions.

Slack is never called from here: the Slack gateway fetches, this module only reads and upserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import SlackUser


@dataclass(frozen=True)
class UserFacts:
    """What users.info said about one person (no token, no profile picture, nothing secret)."""

    user_id: str
    tz: str | None = None
    deleted: bool = False
    email: str | None = None
    names: tuple[str, ...] = ()
    locale: str | None = None
    is_admin: bool = False
    is_owner: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_bot: bool = False
    refreshed_at: datetime | None = field(default=None, compare=False)
    language: str | None = field(default=None, compare=False)  # the person's own choice, if any


_FACTS = ("tz", "deleted", "email", "locale", "is_admin", "is_owner", "is_restricted",
          "is_ultra_restricted", "is_bot")  # fmt: skip


class SlackUsers:
    """Reads and upserts cached facts; every statement is scoped by team_id."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, team_id: str, user_id: str) -> UserFacts | None:
        """The cached facts, however old, or None."""
        with self.db.session() as session:
            row = _row(session, team_id, user_id)
            return None if row is None else _facts(row)

    def save(self, team_id: str, facts: UserFacts, refreshed_at: datetime) -> str | None:
        """Insert or refresh the facts; the person's language choice is kept and returned."""
        with self.db.write_session() as session:
            row = self._row_for_write(session, team_id, facts.user_id)
            for name in _FACTS:
                setattr(row, name, getattr(facts, name))
            row.names = list(facts.names)
            row.refreshed_at = refreshed_at
            return row.language

    def set_language(self, team_id: str, user_id: str, language: str | None) -> None:
        """Store the person's language choice (None: follow their Slack locale)."""
        with self.db.write_session() as session:
            row = self._row_for_write(session, team_id, user_id)
            row.language = language

    def _row_for_write(self, session: Session, team_id: str, user_id: str) -> SlackUser:
        # Read-then-write: on SQLite write_session() takes the write lock up front.
        row = _row(session, team_id, user_id)
        if row is not None:
            return row
        row = SlackUser(team_id=team_id, user_id=user_id, deleted=False, names=[], refreshed_at=_EPOCH)
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:  # cached concurrently by another request or sweep
            found = _row(session, team_id, user_id)
            assert found is not None
            return found


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _row(session: Session, team_id: str, user_id: str) -> SlackUser | None:
    if not team_id:
        raise ValueError("team_id is required")
    return session.scalar(select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id == user_id))


def _facts(row: SlackUser) -> UserFacts:
    return UserFacts(
        user_id=row.user_id,
        tz=row.tz,
        deleted=row.deleted,
        email=row.email,
        names=tuple(row.names or ()),
        locale=row.locale,
        is_admin=row.is_admin,
        is_owner=row.is_owner,
        is_restricted=row.is_restricted,
        is_ultra_restricted=row.is_ultra_restricted,
        is_bot=row.is_bot,
        refreshed_at=row.refreshed_at,
        language=row.language,
    )
