"""Codat checks: the daily job's claims, each check's result, and the "Enabled in Codat" tick.

Every statement about `codat_checks` lives here; nothing here talks to Codat (bot.codat does, between
these calls). The item key of the Codat checklist item is passed in by the caller: storage knows no
checklist.

- `claim_due(...)`: one short write transaction that first adds a row, due now, for every
  registration that needs a daily check and has none (in progress, its Codat item open, credentials
  stored), then leases the due rows — `next_check_at` and `not_before` passed, no live lease — to
  this run (`claim_token`, `claimed_until` = now + lease). PostgreSQL: `FOR UPDATE … SKIP LOCKED`
  under a transaction-level advisory lock, so two replicas' claims take turns and never share a
  row; SQLite: BEGIN IMMEDIATE serializes them. A run that dies leaves its leases to expire.
- `record(...)`: one transaction: the check's result on the row (for the daily job only while it
  still holds its lease), and when Codat said enabled, the open item ticked (done by `actor`, its
  reminders ended), its registration's status recomputed by `settle_statuses()` and both changes
  audited as coming through `surface`.
- `release(...)`: hand leases back without a check (stopping, or Codat asked everyone to wait).
- `target(...)` / `states(...)`: reads for an on-demand check and for `status`.

Lock order, as everywhere a change is made (storage.repositories): checklist items, registrations,
then the `codat_checks` row, then the audit chain's head. A claim locks only `codat_checks` rows and
skips locked ones, so it never waits in a circle with a `record`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, Table, and_, exists, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.audit import Record, Surface, append
from storage.db import Database
from storage.models import ChecklistItem, CodatCheck, Registration, SecretRef
from storage.repositories import settle_statuses
from storage.statuses import ItemStatus, RegistrationStatus

CHECKS = cast(Table, CodatCheck.__table__)
_ITEMS = cast(Table, ChecklistItem.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_REFS = cast(Table, SecretRef.__table__)
CLAIM_LOCK = "codat-register:codat-checks:"  # + the schema: one lock per deployment
_RESULT_COLUMNS = ("platform_key", "outcome", "http_status", "detail", "checked_at", "checked_by",
                   "next_check_at", "not_before")  # fmt: skip


@dataclass(frozen=True)
class CheckTarget:
    """A registration to check, with what deciding about it needs; plain values, no session."""

    registration_id: str
    team_id: str
    platform: str  # catalogue id
    environment: str
    registration_status: RegistrationStatus
    item_status: ItemStatus | None  # the Codat item's; None when the registration has none
    not_before: datetime | None  # Codat's Retry-After: no call before it

    def __post_init__(self) -> None:  # the columns are plain strings
        object.__setattr__(self, "registration_status", RegistrationStatus(self.registration_status))
        if self.item_status is not None:
            object.__setattr__(self, "item_status", ItemStatus(self.item_status))


@dataclass(frozen=True)
class CheckResult:
    """One check's result as stored: the outcome's value, never the API key."""

    platform_key: str
    outcome: str
    enabled: bool
    checked_at: datetime
    checked_by: str
    next_check_at: datetime | None  # None: no more daily checks (Codat said enabled)
    not_before: datetime | None = None
    http_status: int | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Recorded:
    """What `record` did: written at all (the job may have lost its lease), whether it ticked the
    item, and the registration's status afterwards (when it ticked)."""

    applied: bool
    ticked: bool = False
    registration_status: RegistrationStatus | None = None


@dataclass(frozen=True)
class CheckState:
    """A registration's last check, as `status` shows it."""

    registration_id: str
    platform_key: str | None
    outcome: str | None
    http_status: int | None
    detail: str | None
    checked_at: datetime | None
    next_check_at: datetime | None
    not_before: datetime | None


# --- the daily job's claims -------------------------------------------------------------------------


def needs_daily_check(item_key: str) -> tuple[ColumnElement[bool], ...]:
    """The registrations a daily check is for: in progress, the Codat item open, credentials stored."""
    open_item = exists().where(
        _ITEMS.c.registration_id == _REGISTRATIONS.c.id,
        _ITEMS.c.team_id == _REGISTRATIONS.c.team_id,
        _ITEMS.c.item_key == item_key,
        _ITEMS.c.status == ItemStatus.todo.value,
    )
    stored = exists().where(
        _REFS.c.registration_id == _REGISTRATIONS.c.id,
        _REFS.c.team_id == _REGISTRATIONS.c.team_id,
        _REFS.c.superseded_at.is_(None),
    )
    return (_REGISTRATIONS.c.status == RegistrationStatus.in_progress.value, open_item, stored)


def claim_due(
    db: Database, *, item_key: str, now: datetime, lease: timedelta, token: str, limit: int
) -> list[CheckTarget]:
    """Lease up to `limit` registrations due for their daily check (committed before this returns),
    oldest due first; registrations that just became due get their row first."""
    with db.write_session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SET LOCAL lock_timeout = '10s'"))
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
                {"name": CLAIM_LOCK},
            )
        _enrol(session, item_key, now)
        scan = (
            select(CHECKS.c.registration_id)
            .join(_REGISTRATIONS, _REGISTRATIONS.c.id == CHECKS.c.registration_id)
            .where(
                *needs_daily_check(item_key),
                CHECKS.c.team_id == _REGISTRATIONS.c.team_id,
                CHECKS.c.next_check_at <= now,
                or_(CHECKS.c.not_before.is_(None), CHECKS.c.not_before <= now),
                or_(CHECKS.c.claimed_until.is_(None), CHECKS.c.claimed_until <= now),
            )
            .order_by(CHECKS.c.next_check_at, CHECKS.c.registration_id)
            .limit(limit)
        )
        if postgres:
            scan = scan.with_for_update(skip_locked=True, of=CHECKS)
        ids = list(session.scalars(scan))
        if ids:
            session.execute(
                update(CHECKS)
                .where(CHECKS.c.registration_id.in_(ids))
                .values(claimed_until=now + lease, claim_token=token)
            )
    return _targets(db, item_key, ids, token=token)


def _enrol(session: Session, item_key: str, now: datetime) -> None:
    """A row, due now, for each registration that needs a daily check and has none yet."""
    missing = (
        select(_REGISTRATIONS.c.id, _REGISTRATIONS.c.team_id)
        .where(*needs_daily_check(item_key), ~exists().where(CHECKS.c.registration_id == _REGISTRATIONS.c.id))
        .order_by(_REGISTRATIONS.c.id)  # one order for every writer: inserts never wait in a circle
    )
    rows = session.execute(missing).all()
    if rows:
        values = [{"registration_id": r.id, "team_id": r.team_id, "next_check_at": now, "updated_at": now}
                  for r in rows]  # fmt: skip
        session.execute(
            _insert(session).values(values).on_conflict_do_nothing(index_elements=["registration_id"])
        )


def release(db: Database, token: str, ids: Iterable[str], *, not_before: datetime | None = None) -> None:
    """End this run's lease on `ids` without a check: due again as they were (after `not_before`, Codat's
    Retry-After, when given)."""
    ids = sorted(set(ids))
    if not ids:
        return
    values: dict[str, Any] = {"claimed_until": None, "claim_token": None}
    if not_before is not None:
        values["not_before"] = not_before
    with db.write_session() as session:
        session.execute(
            update(CHECKS)
            .where(CHECKS.c.registration_id.in_(ids), CHECKS.c.claim_token == token)
            .values(**values)
        )


# --- one check's result -------------------------------------------------------------------------------


def record(
    db: Database,
    team_id: str,
    registration_id: str,
    result: CheckResult,
    *,
    item_key: str,
    surface: Surface,
    token: str | None = None,
) -> Recorded:
    """Store a check's result; when Codat said enabled, tick the registration's open Codat item (by
    `result.checked_by`), end its reminders and recompute the registration's status — one transaction.

    With `token` (the daily job) nothing is written unless the run still holds its lease on the row.
    """
    with db.write_session() as session:
        item_ids = _lock(
            session,
            select(_ITEMS.c.id).where(
                _ITEMS.c.registration_id == registration_id,
                _ITEMS.c.team_id == team_id,
                _ITEMS.c.item_key == item_key,
            ),
        )
        found = _lock(
            session,
            select(_REGISTRATIONS.c.id).where(
                _REGISTRATIONS.c.id == registration_id, _REGISTRATIONS.c.team_id == team_id
            ),
        )
        if not found:
            return Recorded(applied=False)
        values: dict[str, Any] = {name: getattr(result, name) for name in _RESULT_COLUMNS}
        values["updated_at"] = result.checked_at
        if token is not None:
            written: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(CHECKS)
                .where(
                    CHECKS.c.registration_id == registration_id,
                    CHECKS.c.team_id == team_id,
                    CHECKS.c.claim_token == token,
                )
                .values(**values, claimed_until=None, claim_token=None)
            )
            if written.rowcount == 0:  # the lease ran out and another run took the row
                return Recorded(applied=False)
        else:
            insert = _insert(session).values(registration_id=registration_id, team_id=team_id, **values)
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["registration_id"], set_={name: insert.excluded[name] for name in values}
                )
            )
        if not (result.enabled and item_ids):
            return Recorded(applied=True)
        return _tick(session, team_id, registration_id, item_ids[0], result, surface)


def _tick(
    session: Session, team_id: str, registration_id: str, item_id: int, result: CheckResult, surface: Surface
) -> Recorded:
    """Mark the open Codat item of a registration in progress done (it is already locked)."""
    row = session.execute(
        select(
            _ITEMS.c.item_key,
            _ITEMS.c.status,
            _REGISTRATIONS.c.status.label("registration_status"),
            _REGISTRATIONS.c.platform,
            _REGISTRATIONS.c.environment,
        )
        .join(_REGISTRATIONS, _REGISTRATIONS.c.id == _ITEMS.c.registration_id)
        .where(_ITEMS.c.id == item_id)
    ).one()
    open_item = ItemStatus(row.status) is ItemStatus.todo
    if not open_item or RegistrationStatus(row.registration_status) is not RegistrationStatus.in_progress:
        return Recorded(applied=True)
    session.execute(
        update(_ITEMS)
        .where(_ITEMS.c.id == item_id, _ITEMS.c.team_id == team_id)
        .values(
            status=ItemStatus.done.value,
            completed_by=result.checked_by,
            completed_at=result.checked_at,
            next_reminder_at=None,  # its reminders end, and no sweep's lease can overwrite that
            claimed_until=None,
            claim_token=None,
        )
    )
    done = Record(
        result.checked_by,
        "checklist.done",
        row.item_key,
        registration_id=registration_id,
        platform=row.platform,
        environment=row.environment,
        surface=surface,
        details={"source": "codat", "platform_key": result.platform_key, "outcome": result.outcome},
    )
    append(session, team_id, done)
    statuses = settle_statuses(session, team_id, [registration_id], actor=result.checked_by, surface=surface)
    return Recorded(applied=True, ticked=True, registration_status=statuses[registration_id])


# --- reads --------------------------------------------------------------------------------------------


def target(db: Database, team_id: str, registration_id: str, *, item_key: str) -> CheckTarget | None:
    """One registration of this workspace as a check needs it, or None."""
    found = _targets(db, item_key, [registration_id], team_id=team_id)
    return found[0] if found else None


def states(db: Database, team_id: str, registration_ids: Sequence[str]) -> dict[str, CheckState]:
    """The last check of each of these registrations that has a row (this workspace's only)."""
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    query = select(
        CHECKS.c.registration_id,
        CHECKS.c.platform_key,
        CHECKS.c.outcome,
        CHECKS.c.http_status,
        CHECKS.c.detail,
        CHECKS.c.checked_at,
        CHECKS.c.next_check_at,
        CHECKS.c.not_before,
    ).where(CHECKS.c.team_id == team_id, CHECKS.c.registration_id.in_(ids))
    with db.session() as session:
        return {row.registration_id: CheckState(*row) for row in session.execute(query)}


def _targets(
    db: Database, item_key: str, ids: Sequence[str], *, token: str | None = None, team_id: str | None = None
) -> list[CheckTarget]:
    if not ids:
        return []
    item = _ITEMS.alias("codat_item")
    query: Select[Any] = (
        select(
            _REGISTRATIONS.c.id,
            _REGISTRATIONS.c.team_id,
            _REGISTRATIONS.c.platform,
            _REGISTRATIONS.c.environment,
            _REGISTRATIONS.c.status,
            item.c.status,
            CHECKS.c.not_before,
        )
        .outerjoin(
            item,
            and_(
                item.c.registration_id == _REGISTRATIONS.c.id,
                item.c.team_id == _REGISTRATIONS.c.team_id,
                item.c.item_key == item_key,
            ),
        )
        .outerjoin(CHECKS, CHECKS.c.registration_id == _REGISTRATIONS.c.id)
        .where(_REGISTRATIONS.c.id.in_(list(ids)))
        .order_by(_REGISTRATIONS.c.id)
    )
    if token is not None:
        query = query.where(CHECKS.c.claim_token == token)
    if team_id is not None:
        query = query.where(_REGISTRATIONS.c.team_id == team_id)
    with db.session() as session:
        return [CheckTarget(*row) for row in session.execute(query)]


def _lock(session: Session, query: Select[Any]) -> list[Any]:
    """Run `query` with row locks on PostgreSQL (FOR NO KEY UPDATE, as an UPDATE takes); SQLite's
    writers already hold the database's write lock from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    return list(session.execute(query).scalars())


def _insert(session: Session) -> Any:
    """INSERT … ON CONFLICT for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(CHECKS)
    return sqlite.insert(CHECKS)


__all__ = [
    "CheckResult",
    "CheckState",
    "CheckTarget",
    "Recorded",
    "claim_due",
    "needs_daily_check",
    "record",
    "release",
    "states",
    "target",
]
