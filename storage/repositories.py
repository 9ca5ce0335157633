"""Queries and writes, always scoped to one workspace. bot/ calls these; it never builds SQL.

- `Registrations(db, team_id)`: registrations and their checklist items as plain rows, and the
  writes that change them (done, snooze, cancel). Each method is one transaction of its own.
- `settle_statuses(...)`: after any change to an item, recompute its registration's status through
  `derive_registration_status()`, in the transaction of the change (the sweep uses it too).
(storage.team_scope's `TeamScope(session, team_id)` is the ORM repository of one workspace.)

Lock order, everywhere a change is made: checklist items (by id), then their registrations (by id),
as the wizard's save does, so two writers never wait for each other in a circle. The registration
lock is also what lets two people finishing its last two items at once see each other's change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, select, update
from sqlalchemy.orm import Session

from storage.audit import Record, Surface, append
from storage.db import Database
from storage.models import ChecklistItem, Registration, SecretRef
from storage.statuses import ItemStatus, RegistrationStatus, derive_registration_status

_ITEMS = cast(Table, ChecklistItem.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_REFS = cast(Table, SecretRef.__table__)


@dataclass(frozen=True)
class ItemFacts:
    """One checklist item with what every reader needs of its registration; plain values, no
    session. ItemRow (the commands' and buttons') and storage.reminder_claims.ClaimedItem (the
    sweep's) add what each of them reads besides."""

    id: int
    registration_id: str
    item_key: str
    status: ItemStatus
    owner_user_id: str | None
    due_date: date | None
    snoozed_until: datetime | None
    platform: str
    environment: str
    registration_status: RegistrationStatus
    created_by: str

    def __post_init__(self) -> None:  # the columns are plain strings
        object.__setattr__(self, "status", ItemStatus(self.status))
        object.__setattr__(self, "registration_status", RegistrationStatus(self.registration_status))

    @property
    def recipient(self) -> str:
        """Who hears about it: the owner, or the registration's creator for an unassigned item."""
        return self.owner_user_id or self.created_by


@dataclass(frozen=True)
class ItemRow(ItemFacts):
    """An item as the commands and buttons read it."""

    next_reminder_at: datetime | None
    registration_step: str


@dataclass(frozen=True)
class RegistrationRow:
    """One registration, its items in checklist order, and the credential fields stored for it."""

    id: str
    platform: str
    environment: str
    status: RegistrationStatus
    step: str
    created_by: str
    items: tuple[ItemRow, ...]
    stored_fields: tuple[str, ...]


@dataclass(frozen=True)
class Written:
    """The outcome of a guarded write: the row as read under lock, whether it was changed, and the
    registration's status afterwards."""

    row: ItemRow | None
    applied: bool
    registration_status: RegistrationStatus | None = None


_ITEM_COLUMNS = (
    _ITEMS.c.id,
    _ITEMS.c.registration_id,
    _ITEMS.c.item_key,
    _ITEMS.c.status,
    _ITEMS.c.owner_user_id,
    _ITEMS.c.due_date,
    _ITEMS.c.next_reminder_at,
    _ITEMS.c.snoozed_until,
    _REGISTRATIONS.c.platform,
    _REGISTRATIONS.c.environment,
    _REGISTRATIONS.c.status.label("registration_status"),
    _REGISTRATIONS.c.step.label("registration_step"),
    _REGISTRATIONS.c.created_by,
)


# What a RegistrationRow reads of its registration (callers add the WHERE).
_REGISTRATION_QUERY = select(
    *(_REGISTRATIONS.c[name] for name in ("id", "platform", "environment", "status", "step", "created_by"))
)


def _item_rows(team_id: str) -> Select[Any]:
    """ItemRow columns of this workspace's items joined to their registrations (callers filter)."""
    return (
        select(*_ITEM_COLUMNS)
        .join(_REGISTRATIONS, _REGISTRATIONS.c.id == _ITEMS.c.registration_id)
        .where(_ITEMS.c.team_id == team_id, _REGISTRATIONS.c.team_id == team_id)
    )


class Registrations:
    """A workspace's registrations and checklist items (every read and write filters by team_id)."""

    def __init__(self, db: Database, team_id: str) -> None:
        if not team_id:
            raise ValueError("team_id is required")
        self.db = db
        self.team_id = team_id

    # --- reads ----------------------------------------------------------------------------------
    def overview(self, platform: str | None = None) -> list[RegistrationRow]:
        """Every registration of the workspace (or of one platform), oldest first, cancelled ones too."""
        query = _REGISTRATION_QUERY
        if platform is not None:
            query = query.where(_REGISTRATIONS.c.platform == platform)
        with self.db.session() as session:
            return _registration_rows(session, self.team_id, query)

    def item(self, item_id: int) -> ItemRow | None:
        """One item of this workspace, or None."""
        with self.db.session() as session:
            rows = session.execute(_item_rows(self.team_id).where(_ITEMS.c.id == item_id)).all()
        return ItemRow(**rows[0]._mapping) if rows else None

    def platform_items(self, platform: str) -> list[ItemRow]:
        """Every item of the platform's registrations in progress, in checklist order."""
        query = _item_rows(self.team_id).where(
            _REGISTRATIONS.c.platform == platform,
            _REGISTRATIONS.c.status == RegistrationStatus.in_progress.value,
        )
        order = (_REGISTRATIONS.c.created_at, _REGISTRATIONS.c.id, _ITEMS.c.position, _ITEMS.c.id)
        with self.db.session() as session:
            return [ItemRow(**row._mapping) for row in session.execute(query.order_by(*order))]

    def open_items_owned_by(self, user_id: str) -> list[ItemRow]:
        """The person's open items of registrations in progress, soonest reminder first."""
        query = _item_rows(self.team_id).where(
            _ITEMS.c.owner_user_id == user_id,
            _ITEMS.c.status == ItemStatus.todo.value,
            _REGISTRATIONS.c.status == RegistrationStatus.in_progress.value,
        )
        with self.db.session() as session:
            rows = session.execute(query.order_by(_ITEMS.c.next_reminder_at, _ITEMS.c.id))
            return [ItemRow(**row._mapping) for row in rows]

    # --- writes ---------------------------------------------------------------------------------
    def mark_done(
        self,
        item_id: int,
        *,
        actor: str,
        now: datetime,
        allowed: Callable[[ItemRow], bool],
        surface: Surface | None = None,
    ) -> Written:
        """Mark an item done if `allowed(row)` holds for the row read under lock; its reminders stop
        and its registration's status is recomputed, in the same transaction."""
        with self.db.write_session() as session:
            row = _locked_items(session, self.team_id, [item_id]).get(item_id)
            if row is None or not allowed(row):
                return Written(row, applied=False)
            session.execute(
                update(_ITEMS)
                .where(_ITEMS.c.id == item_id, _ITEMS.c.team_id == self.team_id)
                .values(
                    status=ItemStatus.done.value,
                    completed_by=actor,
                    completed_at=now,
                    **_reminders_end(next_reminder_at=None),
                )
            )
            append(session, self.team_id, _item_record(row, actor, "checklist.done", surface))
            status = settle_statuses(
                session, self.team_id, [row.registration_id], actor=actor, surface=surface
            )
            return Written(row, applied=True, registration_status=status[row.registration_id])

    def snooze(
        self,
        until: Mapping[int, datetime],
        *,
        actor: str,
        allowed: Callable[[ItemRow], bool],
        surface: Surface | None = None,
    ) -> list[Written]:
        """Pause each item's reminders until its moment, where `allowed(row)` holds under lock; one
        result per item asked for (row None: no such item in this workspace)."""
        with self.db.write_session() as session:
            rows = _locked_items(session, self.team_id, until)
            results = []
            for item_id, moment in until.items():
                row = rows.get(item_id)
                if row is None or not allowed(row):
                    results.append(Written(row, applied=False))
                    continue
                session.execute(
                    update(_ITEMS)
                    .where(_ITEMS.c.id == item_id, _ITEMS.c.team_id == self.team_id)
                    .values(snoozed_until=moment, **_reminders_end(next_reminder_at=moment))
                )
                details = {"until": moment.isoformat()}
                append(session, self.team_id, _item_record(row, actor, "reminder.snoozed", surface, details))
                results.append(Written(row, applied=True))
            changed = {result.row.registration_id for result in results if result.applied and result.row}
            statuses = settle_statuses(session, self.team_id, changed, actor=actor, surface=surface)
            return [
                Written(r.row, True, statuses[r.row.registration_id]) if r.applied and r.row else r
                for r in results
            ]

    def cancel(
        self,
        registration_id: str,
        *,
        actor: str,
        allowed: Callable[[RegistrationRow], bool],
        surface: Surface | None = None,
    ) -> tuple[RegistrationRow | None, bool]:
        """Cancel a registration if `allowed(row)` holds for the row read under lock: its open items'
        reminders stop (nothing is deleted). Returns the row as read and whether it was cancelled."""
        with self.db.write_session() as session:
            _lock(
                session,
                select(_ITEMS.c.id)
                .where(_ITEMS.c.registration_id == registration_id, _ITEMS.c.team_id == self.team_id)
                .order_by(_ITEMS.c.id),
            )
            _lock_registrations(session, self.team_id, [registration_id])
            rows = _registration_rows(
                session, self.team_id, _REGISTRATION_QUERY.where(_REGISTRATIONS.c.id == registration_id)
            )
            row = rows[0] if rows else None
            if row is None or not allowed(row):
                return row, False
            session.execute(
                update(_REGISTRATIONS)
                .where(_REGISTRATIONS.c.id == registration_id, _REGISTRATIONS.c.team_id == self.team_id)
                .values(status=RegistrationStatus.cancelled.value)
            )
            session.execute(
                update(_ITEMS)
                .where(
                    _ITEMS.c.registration_id == registration_id,
                    _ITEMS.c.team_id == self.team_id,
                    _ITEMS.c.status == ItemStatus.todo.value,
                )
                .values(**_reminders_end(next_reminder_at=None))
            )
            cancelled = Record(
                actor,
                "registration.cancelled",
                registration_id,
                registration_id=registration_id,
                platform=row.platform,
                environment=row.environment,
                surface=surface,
            )
            append(session, self.team_id, cancelled)
            return row, True


def settle_statuses(
    session: Session,
    team_id: str,
    registration_ids: Iterable[str],
    *,
    actor: str,
    surface: Surface | None = None,
) -> dict[str, RegistrationStatus]:
    """Recompute each registration's status from its items through `derive_registration_status()`,
    in the caller's transaction, right after it changed an item; returns the statuses (a change is
    audited as coming through `surface`, the change's own).

    The registration row is written even when its status stays: its `updated_at` moves, so the
    wizard's save (guarded by it) notices any change to an item since it read them.
    """
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    _lock_registrations(session, team_id, ids)
    scoped = (_REGISTRATIONS.c.team_id == team_id, _REGISTRATIONS.c.id.in_(ids))
    registrations = session.execute(
        select(
            _REGISTRATIONS.c.id,
            _REGISTRATIONS.c.status,
            _REGISTRATIONS.c.platform,
            _REGISTRATIONS.c.environment,
        )
        .where(*scoped)
        .order_by(_REGISTRATIONS.c.id)
    ).all()
    item_statuses: dict[str, list[str]] = defaultdict(list)
    for registration_id, status in session.execute(
        select(_ITEMS.c.registration_id, _ITEMS.c.status).where(
            _ITEMS.c.team_id == team_id, _ITEMS.c.registration_id.in_(ids)
        )
    ):
        item_statuses[registration_id].append(status)
    result = {}
    for registration_id, current, platform, environment in registrations:
        current = RegistrationStatus(current)
        status = derive_registration_status(
            current,
            item_statuses[registration_id],
            # Only asked when reopening a completed registration: the unique index allows one in progress.
            another_in_progress=current is RegistrationStatus.completed
            and _another_in_progress(session, team_id, registration_id, platform, environment),
        )
        session.execute(
            update(_REGISTRATIONS)
            .where(_REGISTRATIONS.c.id == registration_id, _REGISTRATIONS.c.team_id == team_id)
            .values(status=status.value)  # updated_at moves with it (its onupdate)
        )
        if status is not current:
            action = (
                "registration.completed"
                if status is RegistrationStatus.completed
                else "registration.reopened"
            )
            where = {"registration_id": registration_id, "platform": platform, "environment": environment}
            append(session, team_id, Record(actor, action, registration_id, **where, surface=surface))
        result[registration_id] = status
    return result


def _another_in_progress(
    session: Session, team_id: str, registration_id: str, platform: str, environment: str
) -> bool:
    return (
        session.execute(
            select(_REGISTRATIONS.c.id).where(
                _REGISTRATIONS.c.team_id == team_id,
                _REGISTRATIONS.c.platform == platform,
                _REGISTRATIONS.c.environment == environment,
                _REGISTRATIONS.c.status == RegistrationStatus.in_progress.value,
                _REGISTRATIONS.c.id != registration_id,
            )
        ).first()
        is not None
    )


def _reminders_end(*, next_reminder_at: datetime | None) -> dict[str, Any]:
    """The next reminder, and no sweep's lease any more: an in-flight send can't overwrite it."""
    return {"next_reminder_at": next_reminder_at, "claimed_until": None, "claim_token": None}


def _lock(session: Session, query: Select[Any]) -> list[Any]:
    """Run `query` taking row locks on PostgreSQL (FOR NO KEY UPDATE, as an UPDATE does) and return
    its first column; SQLite's writers already hold the database's write lock from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    return list(session.execute(query).scalars())


def _lock_registrations(session: Session, team_id: str, ids: Iterable[str]) -> None:
    query = select(_REGISTRATIONS.c.id).where(
        _REGISTRATIONS.c.team_id == team_id, _REGISTRATIONS.c.id.in_(sorted(set(ids)))
    )
    _lock(session, query.order_by(_REGISTRATIONS.c.id))


def _locked_items(session: Session, team_id: str, item_ids: Iterable[int]) -> dict[int, ItemRow]:
    """Lock the items, then their registrations, then read them (fresh, after the locks)."""
    ids = sorted(set(item_ids))
    scoped: tuple[ColumnElement[bool], ...] = (_ITEMS.c.team_id == team_id, _ITEMS.c.id.in_(ids))
    registration_ids = _lock(session, select(_ITEMS.c.registration_id).where(*scoped).order_by(_ITEMS.c.id))
    _lock_registrations(session, team_id, registration_ids)
    rows = session.execute(_item_rows(team_id).where(_ITEMS.c.id.in_(ids)))
    return {row.id: row for row in (ItemRow(**values._mapping) for values in rows)}


def _registration_rows(session: Session, team_id: str, query: Select[Any]) -> list[RegistrationRow]:
    """RegistrationRows of this workspace for `query` (a `_REGISTRATION_QUERY` with filters), oldest
    first, with their items and stored fields: three statements, whatever the number of rows."""
    query = query.where(_REGISTRATIONS.c.team_id == team_id)
    registrations = session.execute(query.order_by(_REGISTRATIONS.c.created_at, _REGISTRATIONS.c.id)).all()
    ids = [registration.id for registration in registrations]
    if not ids:
        return []
    items: dict[str, list[ItemRow]] = defaultdict(list)
    query = _item_rows(team_id).where(_ITEMS.c.registration_id.in_(ids))
    for values in session.execute(query.order_by(_ITEMS.c.position, _ITEMS.c.id)):
        row = ItemRow(**values._mapping)
        items[row.registration_id].append(row)
    fields: dict[str, set[str]] = defaultdict(set)
    for registration_id, field in session.execute(
        select(_REFS.c.registration_id, _REFS.c.field).where(
            _REFS.c.team_id == team_id, _REFS.c.registration_id.in_(ids), _REFS.c.superseded_at.is_(None)
        )
    ):
        fields[registration_id].add(field)
    return [
        RegistrationRow(
            id=registration.id,
            platform=registration.platform,
            environment=registration.environment,
            status=RegistrationStatus(registration.status),
            step=registration.step,
            created_by=registration.created_by,
            items=tuple(items[registration.id]),
            stored_fields=tuple(sorted(fields[registration.id])),
        )
        for registration in registrations
    ]


def _item_record(
    row: ItemRow, actor: str, action: str, surface: Surface | None, details: Mapping[str, Any] | None = None
) -> Record:
    """The audit record of a change to one checklist item (its key is the subject)."""
    return Record(
        actor,
        action,
        row.item_key,
        registration_id=row.registration_id,
        platform=row.platform,
        environment=row.environment,
        surface=surface,
        details=details or {},
    )


__all__ = [
    "ItemFacts",
    "ItemRow",
    "RegistrationRow",
    "Registrations",
    "Written",
    "settle_statuses",
]
