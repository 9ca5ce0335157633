"""secret_refs for the vault: the idempotency read (is this exact value already stored, and is it
current?), the pending read (is it already waiting for approval?) and the one transaction that
records a new version (supersede the field's current reference, then revive or insert this one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import Database
from storage.models import CredentialApproval, Registration, SecretRef
from storage.vault.base import StoredSecret


@dataclass(frozen=True)
class Known:
    exists: bool  # a row for (registration, field, fingerprint) exists, current or not
    current: StoredSecret | None  # ...and it is current on this backend


_REF_COLUMNS = ("backend", "resource_name", "version", "created_by", "created_at", "superseded_at")
# Table columns, not ORM attributes: ORM-annotated statements carry a larger cache key and
# ORM compile state into every Connection.execute.
_REGISTRATIONS, _REFS = Registration.__table__, cast(Table, SecretRef.__table__)
_APPROVALS = cast(Table, CredentialApproval.__table__)
# The idempotency read: the registration (team check) and this value's reference, in one query.
_LOOKUP = (
    select(
        _REGISTRATIONS.c.id,
        _REFS.c.resource_name,
        _REFS.c.version,
        _REFS.c.backend,
        _REFS.c.superseded_at,
    )
    .select_from(_REGISTRATIONS)
    .outerjoin(
        _REFS,
        and_(
            _REFS.c.registration_id == _REGISTRATIONS.c.id,
            _REFS.c.field == bindparam("field"),
            _REFS.c.fingerprint == bindparam("fingerprint"),
        ),
    )
    .where(
        _REGISTRATIONS.c.id == bindparam("registration_id"), _REGISTRATIONS.c.team_id == bindparam("team_id")
    )
)
# A pending store's idempotency read: this value already waiting for approval in this field.
_PENDING_LOOKUP = (
    select(_APPROVALS.c.resource_name, _APPROVALS.c.version)
    .where(
        _APPROVALS.c.registration_id == bindparam("registration_id"),
        _APPROVALS.c.team_id == bindparam("team_id"),
        _APPROVALS.c.field == bindparam("field"),
        _APPROVALS.c.fingerprint == bindparam("fingerprint"),
        _APPROVALS.c.backend == bindparam("backend"),
        _APPROVALS.c.status.in_(("pending", "approving")),
    )
    .order_by(_APPROVALS.c.submitted_at.desc())
    .limit(1)
)
# Bind names differ from column names: SQLAlchemy reserves those for the VALUES/SET clause.
_SAME_FIELD = and_(
    _REFS.c.registration_id == bindparam("key_registration_id"), _REFS.c.field == bindparam("key_field")
)
_SUPERSEDE = (
    update(_REFS)
    .where(_SAME_FIELD, _REFS.c.superseded_at.is_(None))
    .where(_REFS.c.fingerprint != bindparam("key_fingerprint"))
    .values(superseded_at=bindparam("now"))
    .returning(_REFS.c.resource_name, _REFS.c.backend)
)
_REVIVE = (
    update(_REFS)
    .where(_SAME_FIELD, _REFS.c.fingerprint == bindparam("key_fingerprint"))
    .values({name: bindparam(f"new_{name}") for name in _REF_COLUMNS})
)
_INSERT = insert(_REFS).values(
    {
        name: bindparam(f"new_{name}")
        for name in ("registration_id", "team_id", "field", "fingerprint", *_REF_COLUMNS)
    }
)


class References:
    """secret_refs reads and writes for the vault, as SQLAlchemy Core statements on `db`'s engine.

    Core rather than the ORM: these two steps sit on the hot path next to one RPC, and a Core
    execute of a cached, compiled statement costs a fraction of an ORM unit of work. Both run on
    one Connection per store (one pool checkout): the read's transaction ends before the RPC, so
    nothing is held open across it but the checked-out connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.integrity_error: type[Exception] = IntegrityError
        self.database_error: type[Exception] = DBAPIError

    def connect(self) -> Connection:
        return self._db.engine.connect()

    @staticmethod
    def lookup(connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        row = connection.execute(_LOOKUP, dict(params)).first()
        connection.rollback()  # end the read: no snapshot or lock is held during the RPC
        return tuple(row) if row is not None else None

    @staticmethod
    def pending(connection: Connection, params: Mapping[str, Any]) -> tuple[str, str] | None:
        """(resource name, version) of this value waiting for approval in this field, if any."""
        row = connection.execute(_PENDING_LOOKUP, dict(params)).first()
        connection.rollback()
        return (str(row[0]), str(row[1])) if row is not None else None

    def record(
        self, connection: Connection, params: Mapping[str, Any], *, exists: bool
    ) -> list[tuple[str, str]]:
        """One transaction: supersede, then revive or insert. Returns superseded (name, backend)."""
        connection.execution_options(sqlite_begin="IMMEDIATE")  # the write lock from the start
        with self._db.one_writer(), connection.begin():
            superseded = [(row[0], row[1]) for row in connection.execute(_SUPERSEDE, dict(params))]
            revived = False
            if exists:
                revived = connection.execute(_REVIVE, dict(params)).rowcount > 0
            if not revived:
                connection.execute(_INSERT, dict(params))
        return superseded
