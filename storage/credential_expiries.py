"""credential_expiries: a registration's credential expiry date and its reminders' state.

`reset` runs inside a step's save (storage.wizard_rows) or an approval's (storage.approvals): the
date is set (or cleared) in the same transaction as the references it belongs to, and the
reminders start again — `next_reminder_at` = now, so the next sweep works out which reminder
comes next (bot.expiry.schedule holds the rules; storage knows no settings). The sweep claims due
rows with a lease (PostgreSQL: SKIP LOCKED; SQLite: BEGIN IMMEDIATE), exactly like checklist items,
so two replicas never send the same reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, or_, select, update

from storage.audit import Record, append
from storage.db import Database
from storage.models import CredentialExpiry, Registration
from storage.statuses import RegistrationStatus

_EXPIRIES = cast(Table, CredentialExpiry.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_COLUMNS = (
    _EXPIRIES.c.registration_id,
    _EXPIRIES.c.team_id,
    _EXPIRIES.c.expires_on,
    _EXPIRIES.c.owner_user_id,
    _EXPIRIES.c.reminded_lead,
    _EXPIRIES.c.snoozed_until,
    _EXPIRIES.c.expired_notified_at,
    _EXPIRIES.c.next_reminder_at,
)


@dataclass(frozen=True)
class Expiry:
    """A credential's expiry date and where its reminders stand."""

    registration_id: str
    team_id: str
    expires_on: date
    owner_user_id: str
    reminded_lead: int | None = None  # the smallest lead (days before) already reminded
    snoozed_until: datetime | None = None
    expired_notified_at: datetime | None = None
    next_reminder_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedExpiry:
    """A due expiry, leased to one sweep, with what its reminder says about the registration."""

    expiry: Expiry
    platform: str
    environment: str
    created_by: str
    registration_status: RegistrationStatus


def _expiry(values: Any) -> Expiry:
    return Expiry(**{column.name: values[column.name] for column in _COLUMNS})


def reset(
    connection: Connection,
    team_id: str,
    registration_id: str,
    *,
    expires_on: date | None,
    owner: str,
    set_by: str,
    now: datetime,
) -> None:
    """In the caller's transaction: the credential now expires on `expires_on` (None: no date is
    known), its reminders start over, and its owner is `owner`."""
    where = (_EXPIRIES.c.registration_id == registration_id, _EXPIRIES.c.team_id == team_id)
    connection.execute(delete(_EXPIRIES).where(*where))
    if expires_on is None:
        return
    connection.execute(
        insert(_EXPIRIES).values(
            registration_id=registration_id,
            team_id=team_id,
            expires_on=expires_on,
            owner_user_id=owner,
            set_by=set_by,
            set_at=now,
            next_reminder_at=now,  # the next sweep works out the first reminder
            updated_at=now,
        )
    )


def fresh(
    team_id: str, registration_id: str, expires_on: date | None, owner: str, now: datetime
) -> Expiry | None:
    """The row `reset(..., now=now)` just wrote, as `read_in` would read it (without a query)."""
    if expires_on is None:
        return None
    return Expiry(registration_id, team_id, expires_on, owner, next_reminder_at=now)


def read_in(connection: Connection, team_id: str, registration_id: str) -> Expiry | None:
    row = connection.execute(
        select(*_COLUMNS).where(
            _EXPIRIES.c.registration_id == registration_id, _EXPIRIES.c.team_id == team_id
        )
    ).first()
    return None if row is None else _expiry(row._mapping)


def of_registrations(db: Database, team_id: str, registration_ids: Iterable[str]) -> dict[str, Expiry]:
    """The expiries of these registrations of one workspace, by registration id."""
    ids = list(registration_ids)
    if not ids:
        return {}
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(*_COLUMNS).where(_EXPIRIES.c.team_id == team_id, _EXPIRIES.c.registration_id.in_(ids))
        ).all()
    return {str(row.registration_id): _expiry(row._mapping) for row in rows}


def claim_due(
    db: Database, *, now: datetime, lease: timedelta, token: str, limit: int
) -> list[ClaimedExpiry]:
    """Lease up to `limit` due expiries (committed before this returns)."""
    with db.write_session() as session:
        due = (
            select(_EXPIRIES.c.registration_id)
            .where(
                _EXPIRIES.c.next_reminder_at <= now,
                or_(_EXPIRIES.c.claimed_until.is_(None), _EXPIRIES.c.claimed_until <= now),
            )
            .order_by(_EXPIRIES.c.next_reminder_at, _EXPIRIES.c.registration_id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(
            update(_EXPIRIES)
            .where(_EXPIRIES.c.registration_id.in_(ids))
            .values(claimed_until=now + lease, claim_token=token)
        )
    query = (
        select(
            *_COLUMNS,
            _REGISTRATIONS.c.platform,
            _REGISTRATIONS.c.environment,
            _REGISTRATIONS.c.created_by,
            _REGISTRATIONS.c.status,
        )
        .join(_REGISTRATIONS, _REGISTRATIONS.c.id == _EXPIRIES.c.registration_id)
        .where(_EXPIRIES.c.registration_id.in_(ids), _EXPIRIES.c.claim_token == token)
        .order_by(_EXPIRIES.c.next_reminder_at, _EXPIRIES.c.registration_id)
    )
    with db.engine.connect() as connection:
        return [
            ClaimedExpiry(
                _expiry(row._mapping),
                platform=row.platform,
                environment=row.environment,
                created_by=row.created_by,
                registration_status=RegistrationStatus(row.status),
            )
            for row in connection.execute(query)
        ]


def _held(token: str, registration_id: str) -> Any:
    return (_EXPIRIES.c.registration_id == registration_id, _EXPIRIES.c.claim_token == token)


def still_claimed(db: Database, token: str, registration_id: str) -> bool:
    """Whether this sweep still holds the row (a new date since the claim drops the lease)."""
    with db.engine.connect() as connection:
        found = connection.execute(select(_EXPIRIES.c.registration_id).where(*_held(token, registration_id)))
        return found.first() is not None


def release(db: Database, token: str, registration_id: str, *, next_reminder_at: datetime | None) -> None:
    """End the lease without a DM: due again at `next_reminder_at` (None: never)."""
    with db.write_session() as session:
        session.execute(
            update(_EXPIRIES)
            .where(*_held(token, registration_id))
            .values(next_reminder_at=next_reminder_at, claimed_until=None, claim_token=None)
        )


def mark_reminded(
    db: Database,
    token: str,
    registration_id: str,
    *,
    lead: int,
    now: datetime,
    next_reminder_at: datetime | None,
) -> bool:
    """The reminder `lead` days before was sent: record it and when the next one is due."""
    with db.write_session() as session:
        result = session.execute(
            update(_EXPIRIES)
            .where(*_held(token, registration_id))
            .values(
                reminded_lead=lead,
                last_reminded_at=now,
                next_reminder_at=next_reminder_at,
                claimed_until=None,
                claim_token=None,
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_expired(db: Database, token: str, registration_id: str, *, now: datetime, event: Record) -> bool:
    """The expiry was escalated (once): no more reminders until a new date is set; `event` is its
    audit record (`credential.expiry_reached`), appended in the same transaction."""
    with db.write_session() as session:
        result = session.execute(
            update(_EXPIRIES)
            .where(*_held(token, registration_id))
            .values(
                expired_notified_at=now,
                next_reminder_at=None,
                claimed_until=None,
                claim_token=None,
                updated_at=now,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        team_id = session.execute(
            select(_EXPIRIES.c.team_id).where(_EXPIRIES.c.registration_id == registration_id)
        ).scalar_one()
        append(session, team_id, event)
        return True


def snooze(
    db: Database, team_id: str, registration_id: str, *, until: datetime, now: datetime, event: Record
) -> Expiry | None:
    """No reminder before `until` (the expiry's escalation included); `event` is its audit record,
    appended in the same transaction. None: no such expiry (nothing written)."""
    with db.write_session() as session:
        connection = session.connection()
        found = connection.execute(
            update(_EXPIRIES)
            .where(_EXPIRIES.c.registration_id == registration_id, _EXPIRIES.c.team_id == team_id)
            .values(snoozed_until=until, next_reminder_at=until, updated_at=now)
        )
        if not found.rowcount:
            return None
        append(session, team_id, event)
        return read_in(connection, team_id, registration_id)
