"""The reminder sweep's queries: claim due items as leases, then advance or release them.

A claim is a lease: it stamps each due item with the sweep's `claim_token` and `claimed_until`
(now + lease), in one short transaction; due items whose lease is running are not due for anyone
else. A sweep that dies after claiming leaves the lease to expire, and a later sweep claims the
items again; every write after the claim is guarded by the token, so a sweep that lost its lease
changes nothing.

- PostgreSQL: `UPDATE … WHERE id = ANY(ARRAY(SELECT … FOR UPDATE SKIP LOCKED)) RETURNING …`:
  a claim never waits for (nor takes) a row another transaction holds, e.g. a Done click being
  saved. A transaction-level advisory lock makes concurrent claims take turns, so two replicas
  never split one owner's items between them.
- SQLite: the same statement inside `write_session()` (BEGIN IMMEDIATE), which serializes claims.

The due scan reads the partial index `ix_checklist_items_due` (status 'todo', ordered by
next_reminder_at), so a claim costs what is due, not the size of the table; it writes only
unindexed columns, so PostgreSQL can update in place (HOT; the table keeps 10% free space).
Nothing here talks to Slack: callers send between `claim_due` and `mark_sent`/`release`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core import metrics
from storage import audit
from storage.audit import SYSTEM_ACTOR
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.repositories import ItemFacts, settle_statuses
from storage.statuses import ItemStatus

ITEMS = cast(Table, ChecklistItem.__table__)
REGISTRATIONS = cast(Table, Registration.__table__)
# Inlined, not bound: a partial index is only usable when the query repeats its predicate literally.
_OPEN: ColumnElement[str] = literal_column(f"'{ItemStatus.todo.value}'")
CLAIM_LOCK = "codat-register:reminder-claims:"  # + the schema: one lock per deployment
_ITEM_FIELDS = (
    "id",
    "team_id",
    "registration_id",
    "item_key",
    "owner_user_id",
    "due_date",
    "status",
    "snoozed_until",
    "reminder_count",
    "escalated_at",
)


@dataclass(frozen=True)
class ClaimedItem(ItemFacts):
    """A due item this sweep holds the lease on, with what the digest needs besides."""

    team_id: str
    reminder_count: int
    escalated_at: datetime | None


@dataclass(frozen=True)
class Sent:
    """One item whose reminder Slack accepted, and its next reminder."""

    item_id: int
    next_reminder_at: datetime
    reassigned_to: str | None = None  # the owner left: the item now belongs to this person


def due_scan(
    now: datetime,
    limit: int | None = None,
    *,
    skip_locked: bool,
    owners: Iterable[str] = (),
    since: datetime | None = None,
) -> Select[Any]:
    """Ids of open items due at `now` and not leased, oldest first, through the partial index;
    with `owners`, only (all of) theirs; with `since`, only those due at or after it."""
    due = ITEMS.alias("due")
    query = select(due.c.id).where(
        due.c.status == _OPEN,
        due.c.next_reminder_at <= now,
        or_(due.c.claimed_until.is_(None), due.c.claimed_until <= now),
    )
    if since is not None:
        query = query.where(due.c.next_reminder_at >= since)
    wanted = sorted(set(owners))
    if wanted:
        query = query.where(due.c.owner_user_id.in_(wanted))
    else:
        query = query.order_by(due.c.next_reminder_at).limit(limit)
    return query.with_for_update(skip_locked=True) if skip_locked else query


def _take(
    session: Session, scan: Select[Any], lease_until: datetime, token: str
) -> Sequence[tuple[int, str | None, datetime]]:
    """Lease what `scan` selects; returns (id, owner, next_reminder_at) per item."""
    postgres = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL: an array of ids probes the primary key (an IN subquery may hash-join a seq scan).
    chosen = ITEMS.c.id == any_(func.array(scan.scalar_subquery())) if postgres else ITEMS.c.id.in_(scan)
    statement = (
        update(ITEMS)
        .where(chosen)
        .values(claimed_until=lease_until, claim_token=token)
        # next_reminder_at as the driver gives it: only its maximum is needed (see `claim_in`).
        .returning(ITEMS.c.id, ITEMS.c.owner_user_id, type_coerce(ITEMS.c.next_reminder_at, DateTime()))
    )
    return session.execute(statement).all()


def claim_in(session: Session, *, now: datetime, lease_until: datetime, token: str, limit: int) -> list[int]:
    """Lease up to `limit` due items in the caller's transaction; returns their ids.

    A full batch is topped up with the other due items of the same owners, so an owner's due items
    never end up in two sweeps or two rounds: one digest per owner. Anything still due is due at
    or after the batch's last item, which keeps those follow-up scans short.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL lock_timeout = '10s'"))
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"), {"name": CLAIM_LOCK}
        )
    rows = list(_take(session, due_scan(now, limit, skip_locked=postgres), lease_until, token))
    if len(rows) >= limit:
        since = max(next_at for _, _, next_at in rows)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)  # SQLite gives naive UTC
        owners = {owner for _, owner, _ in rows if owner}
        if owners and session.scalar(due_scan(now, 1, skip_locked=False, since=since)) is not None:
            top_up = due_scan(now, skip_locked=postgres, owners=owners, since=since)
            rows += _take(session, top_up, lease_until, token)
    return [item_id for item_id, _, _ in rows]


def load_claimed(db: Database, token: str, ids: Sequence[int]) -> list[ClaimedItem]:
    """The items this sweep leased, with their registration's platform, environment, status and
    creator (read after the claim committed: no lock is held meanwhile)."""
    if not ids:
        return []
    query = (
        select(
            *(ITEMS.c[name] for name in _ITEM_FIELDS),
            REGISTRATIONS.c.platform,
            REGISTRATIONS.c.environment,
            REGISTRATIONS.c.status.label("registration_status"),
            REGISTRATIONS.c.created_by,
        )
        .join(REGISTRATIONS, REGISTRATIONS.c.id == ITEMS.c.registration_id)
        .where(_among(ITEMS.c.id, list(ids), db.dialect), ITEMS.c.claim_token == token)
        .order_by(ITEMS.c.id)
    )
    with db.session() as session:
        return [ClaimedItem(**row._mapping) for row in session.execute(query)]


def _among(column: Any, values: list[Any], dialect: str) -> ColumnElement[bool]:
    # One array parameter on PostgreSQL rather than thousands of IN parameters.
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def claim_due(db: Database, *, now: datetime, lease: timedelta, token: str, limit: int) -> list[ClaimedItem]:
    """Lease up to `limit` due items (committed before this returns), with their registrations."""
    started = time.monotonic()
    with db.write_session() as session:
        ids = claim_in(session, now=now, lease_until=now + lease, token=token, limit=limit)
    metrics.claim_seconds.observe(time.monotonic() - started)
    return load_claimed(db, token, ids)


def still_claimed(db: Database, token: str, ids: Iterable[int]) -> set[int]:
    """Which of `ids` this sweep still holds and are still open (checked right before a send)."""
    ids = list(ids)
    if not ids:
        return set()
    with db.session() as session:
        return set(
            session.scalars(
                select(ITEMS.c.id).where(
                    ITEMS.c.id.in_(ids), ITEMS.c.claim_token == token, ITEMS.c.status == _OPEN
                )
            )
        )


def mark_sent(db: Database, token: str, sent: Sequence[Sent], now: datetime) -> None:
    """Advance items whose reminder Slack accepted: count it, schedule the next, end the lease.
    An item whose owner left now belongs to `reassigned_to`; its registration's status is
    recomputed in the same transaction, as after any change of an item."""
    if not sent:
        return
    ids = sorted(s.item_id for s in sent)
    with db.write_session() as session:
        held = _lock_held(session, token, ids)  # items in id order, before any registration
        session.execute(
            update(ITEMS)
            .where(ITEMS.c.id == bindparam("item_id"), ITEMS.c.claim_token == token)
            .values(
                next_reminder_at=bindparam("next_at"),
                reminder_count=ITEMS.c.reminder_count + 1,
                last_reminded_at=now,
                snoozed_until=None,
                claimed_until=None,
                claim_token=None,
            ),
            [{"item_id": s.item_id, "next_at": s.next_reminder_at} for s in sent],
        )
        moved = [s for s in sent if s.reassigned_to and s.item_id in held]
        if moved:
            _reassign(session, moved)


def _lock_held(session: Session, token: str, ids: list[int]) -> set[int]:
    """Which of `ids` this sweep still holds, row-locked (PostgreSQL) until the transaction ends."""
    query = select(ITEMS.c.id).where(ITEMS.c.id.in_(ids), ITEMS.c.claim_token == token).order_by(ITEMS.c.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    return set(session.scalars(query))


def _reassign(session: Session, moved: Sequence[Sent]) -> None:
    """Give items of an owner who left to the registration's creator, with a fresh reminder count."""
    session.execute(
        update(ITEMS)
        .where(ITEMS.c.id == bindparam("item_id"))
        .values(owner_user_id=bindparam("new_owner"), reminder_count=1, escalated_at=None),
        [{"item_id": s.item_id, "new_owner": s.reassigned_to} for s in moved],
    )
    where = {
        row.id: row
        for row in session.execute(
            select(
                ITEMS.c.id,
                ITEMS.c.team_id,
                ITEMS.c.registration_id,
                REGISTRATIONS.c.platform,
                REGISTRATIONS.c.environment,
            )
            .join(REGISTRATIONS, REGISTRATIONS.c.id == ITEMS.c.registration_id)
            .where(ITEMS.c.id.in_([s.item_id for s in moved]))
        )
    }
    by_team: dict[str, list[audit.Record]] = {}
    for s in moved:
        item = where[s.item_id]
        by_team.setdefault(item.team_id, []).append(
            audit.Record(
                SYSTEM_ACTOR,
                "reminder.reassigned",
                str(s.item_id),
                registration_id=item.registration_id,
                platform=item.platform,
                environment=item.environment,
                surface=audit.Surface.job,
                details={"to": s.reassigned_to, "reason": "owner left the workspace"},
            )
        )
    for team_id, records in sorted(by_team.items()):
        # The registrations first, then the audit chain's head (storage.audit's lock order).
        registration_ids = {record.registration_id for record in records if record.registration_id}
        settle_statuses(session, team_id, registration_ids, actor=SYSTEM_ACTOR, surface=audit.Surface.job)
        audit.append(session, team_id, *records)


def release(db: Database, token: str, ids: Iterable[int], *, next_reminder_at: datetime | None) -> None:
    """End the lease without counting a reminder: due again at `next_reminder_at` (None: never)."""
    ids = list(ids)
    if ids:
        with db.write_session() as session:
            _clear(session, ids, token, next_reminder_at=next_reminder_at)


def _clear(session: Session, ids: list[int], token: str, *, next_reminder_at: datetime | None) -> None:
    session.execute(
        update(ITEMS)
        .where(ITEMS.c.id.in_(ids), ITEMS.c.claim_token == token)
        .values(next_reminder_at=next_reminder_at, claimed_until=None, claim_token=None)
    )


def mark_escalated(db: Database, ids: Iterable[int], now: datetime) -> None:
    """Stamp items whose escalation DM the creator's Slack accepted (once per escalation)."""
    ids = list(ids)
    if ids:
        with db.write_session() as session:
            session.execute(
                update(ITEMS)
                .where(ITEMS.c.id.in_(ids), ITEMS.c.escalated_at.is_(None))
                .values(escalated_at=now)
            )
