"""Approvers and their reminders: `approval_recipients` rows, one per admin asked, with reminder
state claimed by the sweep exactly as checklist items are (token + lease; PostgreSQL SKIP LOCKED),
and the DMs they were sent, for updating in place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    insert,
    or_,
    select,
    update,
)

from storage import audit
from storage.approvals.rows import (
    APPROVALS,
    COLUMNS,
    PENDING,
    RECIPIENTS,
    REGISTRATIONS,
    Approval,
    approval_of,
    audit_record,
)
from storage.audit import SYSTEM_ACTOR, Surface
from storage.db import Database


@dataclass(frozen=True)
class ClaimedRecipient:
    """A due reminder this sweep holds the lease on, with its approval."""

    id: int
    user_id: str
    reminder_count: int
    approval: Approval


# --- approvers and their reminders -----------------------------------------------------------------


def add_recipients(
    db: Database,
    approval: Approval,
    user_ids: Sequence[str],
    *,
    now: datetime,
    lease: timedelta,
    token: str,
    surface: Surface | None = Surface.job,
) -> dict[str, int]:
    """Ask `user_ids` about an approval: one row each, born claimed by `token` (the caller sends
    the request DM at once, then `mark_sent` or `release`s it), and the audit event
    `approval.notified` naming them. Approvers already asked are left as they are. user id → row id."""
    with db.write_session() as session:
        connection = session.connection()
        known = set(
            connection.execute(
                select(RECIPIENTS.c.user_id).where(RECIPIENTS.c.approval_id == approval.id)
            ).scalars()
        )
        fresh = [user for user in dict.fromkeys(user_ids) if user not in known]
        if fresh:
            connection.execute(
                insert(RECIPIENTS),
                [
                    {
                        "approval_id": approval.id,
                        "team_id": approval.team_id,
                        "user_id": user,
                        "next_reminder_at": now,
                        "reminder_count": 0,
                        "claimed_until": now + lease,
                        "claim_token": token,
                        "messages": [],
                    }
                    for user in fresh
                ],
            )
        details = {"approval": approval.id, "approvers": list(fresh), "required": approval.required}
        audit.append(
            session,
            approval.team_id,
            audit_record(approval, SYSTEM_ACTOR, "approval.notified", surface, details),
        )
        rows = connection.execute(
            select(RECIPIENTS.c.user_id, RECIPIENTS.c.id).where(
                RECIPIENTS.c.approval_id == approval.id, RECIPIENTS.c.user_id.in_(fresh or [""])
            )
        )
        return {str(user): int(row_id) for user, row_id in rows}


def claim_due_recipients(
    db: Database, *, now: datetime, lease: timedelta, token: str, limit: int
) -> list[ClaimedRecipient]:
    """Lease up to `limit` due approver reminders of approvals still pending (committed before this
    returns). PostgreSQL: SKIP LOCKED, so concurrent sweeps never take the same row."""
    with db.write_session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        due = (
            select(RECIPIENTS.c.id)
            .join(APPROVALS, APPROVALS.c.id == RECIPIENTS.c.approval_id)
            .where(
                APPROVALS.c.status == PENDING,
                RECIPIENTS.c.next_reminder_at <= now,
                or_(RECIPIENTS.c.claimed_until.is_(None), RECIPIENTS.c.claimed_until <= now),
            )
            .order_by(RECIPIENTS.c.next_reminder_at, RECIPIENTS.c.id)
            .limit(limit)
        )
        if postgres:
            due = due.with_for_update(of=RECIPIENTS, skip_locked=True)
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(
            update(RECIPIENTS)
            .where(RECIPIENTS.c.id.in_(ids))
            .values(claimed_until=now + lease, claim_token=token)
        )
    query = (
        select(RECIPIENTS.c.id.label("recipient_id"), RECIPIENTS.c.user_id, RECIPIENTS.c.reminder_count,
               *COLUMNS)
        .join(APPROVALS, APPROVALS.c.id == RECIPIENTS.c.approval_id)
        .join(REGISTRATIONS, REGISTRATIONS.c.id == APPROVALS.c.registration_id)
        .where(RECIPIENTS.c.id.in_(ids), RECIPIENTS.c.claim_token == token)
        .order_by(RECIPIENTS.c.id)
    )  # fmt: skip
    with db.engine.connect() as connection:
        claimed = []
        for row in connection.execute(query):
            values = dict(row._mapping)
            recipient_id, user_id, count = (
                values.pop("recipient_id"),
                values.pop("user_id"),
                values.pop("reminder_count"),
            )
            claimed.append(ClaimedRecipient(recipient_id, user_id, count, approval_of(_Row(values))))
        return claimed


class _Row:
    """A mapping with the `_mapping` attribute `approval_of` reads."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._mapping = values


def still_claimed(db: Database, token: str, recipient_id: int) -> bool:
    """Whether this sweep still holds the reminder and its approval is still pending."""
    query = (
        select(RECIPIENTS.c.id)
        .join(APPROVALS, APPROVALS.c.id == RECIPIENTS.c.approval_id)
        .where(
            RECIPIENTS.c.id == recipient_id,
            RECIPIENTS.c.claim_token == token,
            APPROVALS.c.status == PENDING,
        )
    )
    with db.engine.connect() as connection:
        return connection.execute(query).first() is not None


def mark_sent(
    db: Database,
    token: str,
    recipient_id: int,
    *,
    now: datetime,
    next_reminder_at: datetime | None,
    message: tuple[str, str] | None,
    reminder: bool,
) -> bool:
    """A DM Slack accepted: keep where it went (for updating it), schedule the next reminder, end
    the lease; `reminder` counts it as one. False when this sweep no longer held the row."""
    with db.write_session() as session:
        connection = session.connection()
        query = select(RECIPIENTS.c.messages, RECIPIENTS.c.reminder_count).where(
            RECIPIENTS.c.id == recipient_id, RECIPIENTS.c.claim_token == token
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            return False
        messages = [list(pair) for pair in (row.messages or [])]
        if message is not None:
            messages.append([message[0], message[1]])
        values: dict[str, Any] = {
            "messages": messages,
            "next_reminder_at": next_reminder_at,
            "claimed_until": None,
            "claim_token": None,
        }
        if reminder:
            values |= {"reminder_count": int(row.reminder_count) + 1, "last_reminded_at": now}
        connection.execute(
            update(RECIPIENTS)
            .where(RECIPIENTS.c.id == recipient_id, RECIPIENTS.c.claim_token == token)
            .values(values)
        )
        return True


def release(
    db: Database, token: str, recipient_ids: Iterable[int], *, next_reminder_at: datetime | None
) -> None:
    """End the lease without a DM: due again at `next_reminder_at` (None: never)."""
    ids = list(recipient_ids)
    if ids:
        with db.write_session() as session:
            session.execute(
                update(RECIPIENTS)
                .where(RECIPIENTS.c.id.in_(ids), RECIPIENTS.c.claim_token == token)
                .values(next_reminder_at=next_reminder_at, claimed_until=None, claim_token=None)
            )
