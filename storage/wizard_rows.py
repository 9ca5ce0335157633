"""The wizard's reads and writes: a registration with its items and secret references, the guarded
save of one step, the registration to resume (or a new one), and audit events outside a save.

`WizardRows(db)` is the whole API; it takes and returns typed values, never SQL rows or bind
dictionaries. The statements are Core, built once: the credentials step is benchmarked against a
bare ack, and the ORM would cost more than the rest of a submission.

Lock order, as everywhere a change is made (storage.repositories): checklist items, then their
registration. Every audit event of a registration names its platform and environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from storage import approvals, credential_expiries
from storage.approvals import Approval, NewApproval
from storage.audit import Record, Surface, append
from storage.credential_expiries import Expiry
from storage.db import Database
from storage.models import ChecklistItem, Registration, SecretRef, utcnow
from storage.statuses import ItemStatus, RegistrationStatus
from storage.team_scope import TeamScope

# --- what the wizard reads and writes ----------------------------------------------------------------


@dataclass(frozen=True)
class WizardRegistration:
    """The registration columns the wizard uses; `updated_at` as read guards a save."""

    id: str
    team_id: str
    platform: str
    environment: str
    step: str
    status: RegistrationStatus
    answers: Mapping[str, Any]
    updated_at: datetime
    created_by: str  # who started it (the policy's creator)


@dataclass(frozen=True)
class WizardItem:
    """A checklist item's columns that a step changes; `updated_at` as read guards a save."""

    id: int
    item_key: str
    status: ItemStatus
    owner_user_id: str | None
    due_date: date | None
    next_reminder_at: datetime | None
    completed_by: str | None
    completed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class WizardRef:
    """A current (not superseded) reference to a stored credential: never its value."""

    field: str
    fingerprint: str
    resource_name: str
    version: str
    backend: str


@dataclass(frozen=True)
class WizardRead:
    """A registration with its items (checklist order), its current secret references and the
    credential versions waiting for approval (production only: storage.approvals)."""

    registration: WizardRegistration
    items: tuple[WizardItem, ...]
    refs: tuple[WizardRef, ...]
    pending: tuple[Approval, ...] = ()
    expiry: Expiry | None = None  # when the current credential expires, if a date is known


@dataclass(frozen=True)
class AuditEntry:
    """One audit event: ids and names only, never a credential value."""

    action: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepWrite:
    """What one step changes: the items whose columns changed (their new values, `updated_at` as
    read), the registration's step, status and answers, and the audit events to record."""

    items: tuple[WizardItem, ...]
    step: str
    status: RegistrationStatus
    answers: Mapping[str, Any]
    events: tuple[AuditEntry, ...]
    # Four eyes: versions stored disabled, to wait for approval; and the fields whose pending
    # approvals a newer value (stored or submitted) replaces.
    approvals: tuple[NewApproval, ...] = ()
    replaced_fields: tuple[str, ...] = ()
    expiry: ExpiryReset | None = None


@dataclass(frozen=True)
class ExpiryReset:
    """The current credential's expiry date from now on (None: not known), whom to remind, and
    when it was set by the bot's clock (its reminders start from it)."""

    expires_on: date | None
    owner: str
    at: datetime


@dataclass(frozen=True)
class NewRegistration:
    """A registration the wizard creates: every item of its checklist open, owned by its creator."""

    platform: str
    environment: str
    step: str  # where the wizard resumes it
    item_keys: tuple[str, ...]  # in checklist order
    created_by: str
    first_reminder_at: datetime


# Decides a step's StepWrite from the rows as read (None: save nothing). The second argument asks,
# with one query, whether another registration of the platform and environment is in progress.
Plan = Callable[[WizardRead, Callable[[], bool]], StepWrite | None]


class StaleRows(Exception):
    """A row changed between reading and saving it, twice in a row."""


class _Changed(Exception):
    """A guard found a row changed since it was read: roll back, redo from a locked read."""


# --- statements ------------------------------------------------------------------------------------

_REGISTRATIONS, _ITEMS, _REFS = (
    cast(Table, model.__table__) for model in (Registration, ChecklistItem, SecretRef)
)
_ITEM_FIELDS = ("status", "owner_user_id", "due_date", "next_reminder_at", "completed_by", "completed_at")
# Only the columns the wizard uses: result processing is most of a small query's cost.
_REGISTRATION_COLUMNS = (
    "id",
    "team_id",
    "platform",
    "environment",
    "step",
    "status",
    "answers",
    "updated_at",
    "created_by",
)
_REF_COLUMNS = ("field", "fingerprint", "resource_name", "version", "backend")

_READ_REGISTRATION = select(*(_REGISTRATIONS.c[name] for name in _REGISTRATION_COLUMNS)).where(
    _REGISTRATIONS.c.id == bindparam("registration_id"), _REGISTRATIONS.c.team_id == bindparam("team_id")
)
_READ_ITEMS = (
    select(*(_ITEMS.c[name] for name in ("id", "item_key", *_ITEM_FIELDS, "updated_at")))
    .where(_ITEMS.c.registration_id == bindparam("registration_id"), _ITEMS.c.team_id == bindparam("team_id"))
    .order_by(_ITEMS.c.position, _ITEMS.c.id)
)
_READ_REFS = (
    select(*(_REFS.c[name] for name in _REF_COLUMNS))
    .where(_REFS.c.registration_id == bindparam("registration_id"), _REFS.c.team_id == bindparam("team_id"))
    .where(_REFS.c.superseded_at.is_(None))
    .order_by(_REFS.c.created_at, _REFS.c.id)
)
# FOR NO KEY UPDATE (what an UPDATE takes): items first, then the registration (the lock order).
_LOCKED_ITEMS = _READ_ITEMS.with_for_update(key_share=True)
_LOCKED_REGISTRATION = _READ_REGISTRATION.with_for_update(key_share=True)

# Each guarded by the row's updated_at as read (a row changed since updates nothing, and the save
# is redone from a locked read) and by team_id (a second guard: one workspace never writes another's).
_UPDATE_ITEM = (
    update(_ITEMS)
    .where(
        _ITEMS.c.id == bindparam("b_id"),
        _ITEMS.c.team_id == bindparam("b_team_id"),
        _ITEMS.c.updated_at == bindparam("b_seen"),
    )
    .values({name: bindparam(f"b_{name}") for name in (*_ITEM_FIELDS, "updated_at")})
    # A reminder sweep that claimed this item must not overwrite what the person just changed:
    # its later writes apply only while its claim token is still on the row.
    .values(claim_token=None, claimed_until=None)
)
_UPDATE_REGISTRATION = (
    update(_REGISTRATIONS)
    .where(
        _REGISTRATIONS.c.id == bindparam("b_id"),
        _REGISTRATIONS.c.team_id == bindparam("b_team_id"),
        _REGISTRATIONS.c.updated_at == bindparam("b_seen"),
    )
    .values({name: bindparam(f"b_{name}") for name in ("step", "status", "answers", "updated_at")})
)
_OTHER_IN_PROGRESS = select(_REGISTRATIONS.c.id).where(
    *(_REGISTRATIONS.c[name] == bindparam(name) for name in ("team_id", "platform", "environment")),
    _REGISTRATIONS.c.id != bindparam("id"),
    _REGISTRATIONS.c.status == RegistrationStatus.in_progress.value,
)


def _registration(row: Row[Any]) -> WizardRegistration:
    values = row._mapping
    status, answers = RegistrationStatus(values["status"]), values["answers"] or {}
    return WizardRegistration(**{**values, "status": status, "answers": answers})


def _item(row: Row[Any]) -> WizardItem:
    values = row._mapping
    return WizardItem(**{**values, "status": ItemStatus(values["status"])})


def _read(
    connection: Connection, team_id: str, registration_id: str, *, lock: bool = False
) -> WizardRead | None:
    """With `lock`, the items and the registration are locked for the transaction (PostgreSQL;
    SQLite's writers hold the database's write lock from BEGIN IMMEDIATE)."""
    params = {"registration_id": registration_id, "team_id": team_id}
    locked = lock and connection.dialect.name != "sqlite"
    items = connection.execute(_LOCKED_ITEMS if locked else _READ_ITEMS, params).all()
    registration = connection.execute(_LOCKED_REGISTRATION if locked else _READ_REGISTRATION, params).first()
    if registration is None:
        return None
    refs = connection.execute(_READ_REFS, params).all()
    read = _registration(registration)
    return WizardRead(
        read,
        tuple(map(_item, items)),
        tuple(WizardRef(**ref._mapping) for ref in refs),
        _pending(connection, read),
        # An expiry date belongs to stored credentials: none to read without references.
        credential_expiries.read_in(connection, team_id, registration_id) if refs else None,
    )


def _pending(connection: Connection, registration: WizardRegistration) -> tuple[Approval, ...]:
    # Only production credentials wait for approval: a sandbox read costs no extra query.
    if registration.environment != "production":
        return ()
    return tuple(approvals.undecided_in(connection, registration.team_id, registration.id))


def _where(registration: WizardRegistration | Registration) -> dict[str, str]:
    return {"platform": registration.platform, "environment": registration.environment}


def _about(registration: WizardRegistration | Registration, surface: Surface) -> dict[str, Any]:
    """The audit columns of an event about `registration`, through `surface`."""
    return {"registration_id": registration.id, **_where(registration), "surface": surface}


# --- the repository --------------------------------------------------------------------------------


class WizardRows:
    """The wizard's registrations, items, secret references and audit events, team-scoped."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction holding the write lock from its start (SQLite: BEGIN IMMEDIATE)."""
        with self.db.one_writer(), self.db.engine.connect() as connection:
            if self.db.dialect == "sqlite":
                connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    def read(self, team_id: str, registration_id: str) -> WizardRead | None:
        """The registration with its items and current references; None when absent from this workspace."""
        with self.db.engine.connect() as connection:
            return _read(connection, team_id, registration_id)

    def active_step(self, team_id: str, platform: str, environment: str) -> str | None:
        """The saved step of the registration in progress for this platform and environment, if any."""
        with self.db.session() as session:
            registration = TeamScope(session, team_id).active_registration(platform, environment)
            return None if registration is None else registration.step

    def save_step(
        self,
        team_id: str,
        registration_id: str,
        actor: str,
        plan: Plan,
        *,
        read: WizardRead | None = None,
        surface: Surface = Surface.modal,
    ) -> WizardRead | None:
        """One transaction: the items and registration `plan` decides from the rows, and its audit
        events. Returns the rows as saved; None when the registration is gone or `plan` saves nothing.

        The first attempt saves against `read` (rows read before, outside the transaction), each
        update guarded by its row's updated_at; if any row changed meanwhile (another process), the
        transaction is redone from a locked read. Raises StaleRows if even that one changed.
        """
        for attempt in range(2):
            try:
                with self._writing() as connection:
                    fresh = attempt > 0 or read is None
                    rows = _read(connection, team_id, registration_id, lock=True) if fresh else read
                    if rows is None:
                        return None
                    write = plan(rows, partial(_another_in_progress, connection, rows.registration))
                    if write is None:
                        return None
                    return _apply(connection, team_id, actor, rows, write, surface)
            except _Changed:
                if attempt:
                    raise StaleRows(registration_id) from None
        return None

    def resume_or_create(
        self, team_id: str, new: NewRegistration, *, surface: Surface = Surface.modal
    ) -> str:
        """The workspace's registration of this platform and environment: the one in progress, else
        the latest completed one, else `new` with its checklist (a concurrent creation is resumed).
        Audited as registration.created or wizard.resumed, by `new.created_by`, through `surface`."""
        with self.db.one_writer(), self.db.write_session() as session:
            scope = TeamScope(session, team_id)
            completed = [
                r
                for r in scope.registrations_for_platform(new.platform)
                if r.environment == new.environment and r.status == RegistrationStatus.completed
            ]
            existing = scope.active_registration(new.platform, new.environment) or (
                completed[-1] if completed else None
            )
            if existing is None:
                scope.ensure_workspace()
                registration = _new_registration(team_id, new)
                try:
                    with session.begin_nested():
                        scope.add_registration(registration)
                except IntegrityError:  # someone else created it just now (uq_registrations_active)
                    existing = scope.active_registration(new.platform, new.environment)
                    if existing is None:
                        raise
                else:
                    about = _about(registration, surface)
                    scope.audit(new.created_by, "registration.created", registration.id, **about)
                    return registration.id
            about = _about(existing, surface)
            scope.audit(new.created_by, "wizard.resumed", existing.id, **about, step=existing.step)
            return existing.id

    def note(
        self,
        team_id: str,
        registration_id: str,
        actor: str,
        action: str,
        *,
        answers: Mapping[str, Mapping[str, Any]] | None = None,
        details: Mapping[str, Any] | None = None,
        surface: Surface = Surface.modal,
    ) -> None:
        """An audit event outside a step's save, optionally merging `answers` (by step) into the
        registration's answers with it. Nothing happens for a registration gone from this workspace."""
        with self.db.one_writer(), self.db.write_session() as session:
            scope = TeamScope(session, team_id)
            registration = scope.registration(registration_id, for_update=True)
            if registration is None:
                return
            if answers:
                merged = dict(registration.answers or {})
                for step, values in answers.items():
                    merged[step] = {**merged.get(step, {}), **values}
                registration.answers = merged
            scope.audit(actor, action, registration.id, **_about(registration, surface), **(details or {}))


def _apply(
    connection: Connection, team_id: str, actor: str, rows: WizardRead, write: StepWrite, surface: Surface
) -> WizardRead:
    """Write `write` over `rows` and return the rows as saved; _Changed when a guard fails."""
    now, registration = utcnow(), rows.registration
    if write.items:
        params = [
            {
                "b_id": item.id,
                "b_team_id": team_id,
                "b_seen": item.updated_at,
                "b_updated_at": now,
                **{f"b_{name}": getattr(item, name) for name in _ITEM_FIELDS if name != "status"},
                "b_status": item.status.value,
            }
            for item in write.items
        ]
        if connection.execute(_UPDATE_ITEM, params).rowcount != len(params):
            raise _Changed
    values = {"b_step": write.step, "b_status": write.status.value, "b_answers": dict(write.answers)}
    guard = {"b_id": registration.id, "b_team_id": team_id, "b_seen": registration.updated_at}
    if connection.execute(_UPDATE_REGISTRATION, {**guard, **values, "b_updated_at": now}).rowcount != 1:
        raise _Changed
    pending = rows.pending
    if write.approvals or write.replaced_fields:
        approvals.record_submissions(
            connection,
            team_id,
            registration.id,
            write.approvals,
            replaced_fields=write.replaced_fields,
            now=now,
        )
        pending = tuple(approvals.undecided_in(connection, team_id, registration.id))
    expiry, reset = rows.expiry, write.expiry
    if reset is not None:
        credential_expiries.reset(
            connection,
            team_id,
            registration.id,
            expires_on=reset.expires_on,
            owner=reset.owner,
            set_by=actor,
            now=reset.at,
        )
        expiry = credential_expiries.fresh(team_id, registration.id, reset.expires_on, reset.owner, reset.at)
    about = _about(registration, surface)
    append(
        connection,
        team_id,
        *(Record(actor, e.action, registration.id, **about, details=e.details) for e in write.events),
    )
    changed = {item.id: replace(item, updated_at=now) for item in write.items}
    return WizardRead(
        replace(registration, step=write.step, status=write.status, answers=write.answers, updated_at=now),
        tuple(changed.get(item.id, item) for item in rows.items),
        rows.refs,
        pending,
        expiry,
    )


def _another_in_progress(connection: Connection, registration: WizardRegistration) -> bool:
    params = {"id": registration.id, "team_id": registration.team_id, **_where(registration)}
    return connection.execute(_OTHER_IN_PROGRESS, params).first() is not None


def _new_registration(team_id: str, new: NewRegistration) -> Registration:
    registration = Registration(platform=new.platform, environment=new.environment, created_by=new.created_by)
    registration.step, registration.answers = new.step, {}
    for position, key in enumerate(new.item_keys):
        item = ChecklistItem(team_id=team_id, item_key=key, position=position, status=ItemStatus.todo.value)
        item.owner_user_id, item.next_reminder_at = new.created_by, new.first_reminder_at
        registration.items.append(item)
    return registration


__all__ = [
    "AuditEntry",
    "NewRegistration",
    "Plan",
    "StaleRows",
    "StepWrite",
    "WizardItem",
    "WizardRead",
    "WizardRef",
    "WizardRegistration",
    "WizardRows",
]
