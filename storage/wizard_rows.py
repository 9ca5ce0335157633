"""The wizard's reads and writes of registrations, checklist items and secret references.

Core statements built once: the credentials step is benchmarked against a bare ack, and the ORM
would cost more than the rest of a submission. The writes are executed by bot.wizard.flow only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, select, update

from storage.db import Database
from storage.models import AuditEvent, ChecklistItem, Registration, SecretRef

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

_REGISTRATIONS, _ITEMS, _REFS = Registration.__table__, ChecklistItem.__table__, SecretRef.__table__
_BY_REGISTRATION = (bindparam("registration_id"), bindparam("team_id"))
ITEM_FIELDS = ("status", "owner_user_id", "due_date", "next_reminder_at", "completed_by", "completed_at")
# Only the columns the wizard uses: result processing is most of a small query's cost.
_COLUMNS = ("id", "team_id", "platform", "environment", "step", "status", "answers", "updated_at")
_READ_REGISTRATION = select(*(_REGISTRATIONS.c[name] for name in _COLUMNS)).where(
    _REGISTRATIONS.c.id == _BY_REGISTRATION[0], _REGISTRATIONS.c.team_id == _BY_REGISTRATION[1]
)
_READ_ITEMS = (
    select(*(_ITEMS.c[name] for name in ("id", "item_key", "updated_at", *ITEM_FIELDS)))
    .where(_ITEMS.c.registration_id == _BY_REGISTRATION[0], _ITEMS.c.team_id == _BY_REGISTRATION[1])
    .order_by(_ITEMS.c.position, _ITEMS.c.id)
)
_READ_REFS = (
    select(*(_REFS.c[name] for name in ("field", "fingerprint", "resource_name", "version", "backend")))
    .where(_REFS.c.registration_id == _BY_REGISTRATION[0], _REFS.c.team_id == _BY_REGISTRATION[1])
    .where(_REFS.c.superseded_at.is_(None))
    .order_by(_REFS.c.created_at, _REFS.c.id)
)
_LOCKED = (_READ_REGISTRATION.with_for_update(key_share=True), _READ_ITEMS.with_for_update(key_share=True))
# Guarded by updated_at: a row changed since it was read updates nothing, and the flow re-reads it.
UPDATE_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("b_id"), _ITEMS.c.updated_at == bindparam("b_seen"))
    .values({name: bindparam(f"b_{name}") for name in ITEM_FIELDS})
    # A reminder sweep that claimed this item must not overwrite what the person just changed:
    # its later writes apply only while its claim token is still on the row.
    .values(claim_token=None, claimed_until=None)
)
UPDATE_REGISTRATION = (
    update(_REGISTRATIONS)
    .where(_REGISTRATIONS.c.id == bindparam("b_id"), _REGISTRATIONS.c.updated_at == bindparam("b_seen"))
    .values(step=bindparam("b_step"), status=bindparam("b_status"), answers=bindparam("b_answers"))
)
INSERT_AUDIT = insert(AuditEvent.__table__)
_OTHER_IN_PROGRESS = select(_REGISTRATIONS.c.id).where(
    *(_REGISTRATIONS.c[name] == bindparam(name) for name in ("team_id", "platform", "environment")),
    _REGISTRATIONS.c.status == "in_progress",
)


def read_rows(
    connection: Connection, team_id: str, registration_id: str, *, lock: bool = False
) -> tuple[Any, ...]:
    """(registration, items, current secret refs) of this workspace; (None, [], []) when absent.

    With `lock`, the registration and its items are locked for the transaction (PostgreSQL;
    SQLite's writers hold the database's write lock from BEGIN IMMEDIATE).
    """
    params = {"registration_id": registration_id, "team_id": team_id}
    locked = lock and connection.dialect.name != "sqlite"
    registration = connection.execute(_LOCKED[0] if locked else _READ_REGISTRATION, params).first()
    if registration is None:
        return None, [], []
    items = connection.execute(_LOCKED[1] if locked else _READ_ITEMS, params).all()
    return registration, items, connection.execute(_READ_REFS, params).all()


def other_in_progress(connection: Connection, registration: Any) -> bool:
    """Whether another registration of this platform and environment is in progress."""
    params = {k: getattr(registration, k) for k in ("team_id", "platform", "environment")}
    return connection.execute(_OTHER_IN_PROGRESS, params).first() is not None


_sqlite_writers: dict[str, threading.RLock] = {}
_writers_lock = threading.Lock()


@contextmanager
def one_writer(db: Database) -> Iterator[None]:
    """On SQLite, the wizard's writers (the vault write, the step's transaction) take turns on a
    process lock: SQLite has one writer, and its busy handler sleeps in steps of up to 100 ms,
    which under concurrent submissions costs far more than queueing. No-op on PostgreSQL."""
    if db.dialect != "sqlite":
        yield
        return
    with _writers_lock:
        lock = _sqlite_writers.setdefault(db.url, threading.RLock())
    with lock:
        yield


@contextmanager
def writing(db: Database) -> Iterator[Connection]:
    """A transaction holding the write lock from its start (SQLite: BEGIN IMMEDIATE)."""
    with one_writer(db), db.engine.connect() as connection:
        if db.dialect == "sqlite":
            connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            yield connection
