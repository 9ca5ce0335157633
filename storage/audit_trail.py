"""Reading one workspace's audit trail: counts by action, the latest events, every row for an export.

Filters: a platform (its catalogue id) and a moment the events happened at or after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, func, select

from storage.audit import Surface
from storage.db import Database
from storage.models import AuditEvent

_AUDIT = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True)
class AuditRow:
    """One audit event as stored, with its place in the workspace's chain."""

    id: int
    team_id: str
    sequence: int
    created_at: datetime
    actor: str
    action: str
    subject: str
    registration_id: str | None
    platform: str | None
    environment: str | None
    surface: Surface | None
    details: Mapping[str, Any]
    row_hash: str


_COLUMNS = tuple(_AUDIT.c[name] for name in AuditRow.__dataclass_fields__)


def _row(values: Any) -> AuditRow:
    mapping = dict(values._mapping)
    surface = mapping["surface"]
    known = surface in Surface._value2member_map_
    mapping["surface"] = Surface(surface) if known else None
    mapping["details"] = mapping["details"] or {}
    return AuditRow(**mapping)


class AuditTrail:
    """A workspace's audit events (every read filters by team_id)."""

    def __init__(self, db: Database, team_id: str) -> None:
        if not team_id:
            raise ValueError("team_id is required")
        self.db = db
        self.team_id = team_id

    def _where(self, platform: str | None, since: datetime | None) -> tuple[ColumnElement[bool], ...]:
        where = [_AUDIT.c.team_id == self.team_id]
        if platform is not None:
            where.append(_AUDIT.c.platform == platform)
        if since is not None:
            where.append(_AUDIT.c.created_at >= since)
        return tuple(where)

    def counts(self, *, platform: str | None = None, since: datetime | None = None) -> dict[str, int]:
        """How many events of each action, most frequent first (then by action)."""
        count = func.count().label("count")
        query = select(_AUDIT.c.action, count).where(*self._where(platform, since)).group_by(_AUDIT.c.action)
        with self.db.engine.connect() as connection:
            rows = connection.execute(query.order_by(count.desc(), _AUDIT.c.action)).all()
        return {action: int(number) for action, number in rows}

    def latest(
        self, limit: int, *, platform: str | None = None, since: datetime | None = None
    ) -> list[AuditRow]:
        """The `limit` most recent events, newest first."""
        query = self._select(platform, since).order_by(_AUDIT.c.sequence.desc()).limit(limit)
        with self.db.engine.connect() as connection:
            return [_row(values) for values in connection.execute(query)]

    def rows(self, *, platform: str | None = None, since: datetime | None = None) -> list[AuditRow]:
        """Every event, in chain order (oldest first)."""
        query = self._select(platform, since).order_by(_AUDIT.c.sequence)
        with self.db.engine.connect() as connection:
            return [_row(values) for values in connection.execute(query)]

    def _select(self, platform: str | None, since: datetime | None) -> Select[Any]:
        return select(*_COLUMNS).where(*self._where(platform, since))


__all__ = ["AuditRow", "AuditTrail"]
