"""The one audit writer: every change is one append-only row of `audit_events`, hash-chained per
workspace.

A row says who (`actor`), what (`action`, `subject`, `details`: ids and names, never a value),
when, which registration, platform and environment, and through which surface (`Surface`).

The chain: each row stores `row_hash`, the SHA-256 of its canonical content (`canonical()`: a
stable JSON of its fields, the previous row's hash included as `prev_hash`), so editing a row,
deleting one or swapping two breaks the chain at that row (`storage.audit_verify`). A workspace's
rows are numbered 1, 2, 3 … (`sequence`, unique per workspace), and `audit_heads` keeps the last
number and hash: the row each writer locks before appending, and the anchor that shows a deleted
last row.

Concurrency: `append()` locks the workspace's head row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
the write lock every writer's transaction holds from BEGIN IMMEDIATE), so two writers in one
workspace take turns and never fork the chain; the unique (team_id, sequence) is the backstop.
Take the head last in a transaction — after every row lock it needs — so that writers which lock
items and registrations first never wait for each other in a circle.

Each committed row also becomes one log line marked `audit` (storage.audit_lines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.logs import in_flight_secrets
from storage.db import Database
from storage.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64  # the prev_hash of a workspace's first row
_AUDIT = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditHead.__table__)
# Built once (the wizard's save appends on its hot path); bind names differ from column names.
_HEAD = select(_HEADS.c.sequence, _HEADS.c.row_hash).where(_HEADS.c.team_id == bindparam("head_team_id"))
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_INSERT = insert(_AUDIT)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.team_id == bindparam("head_team_id"))
    .values(
        sequence=bindparam("head_sequence"),
        row_hash=bindparam("head_row_hash"),
        updated_at=bindparam("head_updated_at"),
    )
)


SYSTEM_ACTOR = "codat-register"  # the actor of what the bot does itself (sweeps, jobs, expiries)


class Surface(StrEnum):
    """Where a change came from."""

    command = "command"  # /codat-register …
    modal = "modal"  # a modal submission (the wizard)
    button = "button"  # a message button (a reminder's Done / Snooze)
    app_home = "app_home"  # an App Home action
    page = "page"  # a web page: the secure credentials page (bot.secure_page), or the sandbox page
    job = "job"  # the bot itself: the reminder sweep, a migration


@dataclass(frozen=True)
class Record:
    """One audit event to append. `details` holds ids, names and codes only, never a value."""

    actor: str
    action: str
    subject: str
    registration_id: str | None = None
    platform: str | None = None
    environment: str | None = None
    surface: Surface | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def append(bind: Connection | Session, team_id: str, *records: Record) -> None:
    """Append `records` to the workspace's chain, in the caller's transaction (committed with it)."""
    if not records:
        return
    if not team_id:
        raise ValueError("team_id is required")
    connection = bind.connection() if isinstance(bind, Session) else bind
    sequence, prev_hash = _lock_head(connection, team_id)
    now = utcnow()  # after the lock: times follow the sequence
    rows = []
    for record in records:
        sequence += 1
        row = {
            "team_id": team_id,
            "sequence": sequence,
            "actor": record.actor,
            "action": record.action,
            "subject": record.subject,
            "registration_id": record.registration_id,
            "platform": record.platform,
            "environment": record.environment,
            "surface": Surface(record.surface).value if record.surface else None,
            "details": _plain(record.details),
            "created_at": now,
            "prev_hash": prev_hash,
        }
        row["row_hash"] = prev_hash = row_hash(row)
        rows.append(row)
    connection.execute(_INSERT, rows)
    head = {"head_team_id": team_id, "head_sequence": sequence, "head_row_hash": prev_hash}
    connection.execute(_MOVE_HEAD, {**head, "head_updated_at": now})


def record(db: Database, team_id: str, *records: Record) -> None:
    """Append `records` in a transaction of their own (an event that changes nothing else)."""
    with db.write_session() as session:
        append(session, team_id, *records)


def canonical(row: Mapping[str, Any]) -> bytes:
    """A row's content as stable JSON (sorted keys, no spaces, UTF-8): what `row_hash` hashes.

    Every field but the database's own id and the hash itself; the time in UTC to the microsecond.
    """
    created_at: datetime = row["created_at"]
    if created_at.tzinfo is None:  # SQLite gives the stored UTC time back without its offset
        created_at = created_at.replace(tzinfo=UTC)
    content = {
        "team_id": row["team_id"],
        "sequence": row["sequence"],
        "time": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": row["actor"],
        "action": row["action"],
        "subject": row["subject"],
        "registration_id": row["registration_id"],
        "platform": row["platform"],
        "environment": row["environment"],
        "surface": row["surface"],
        "details": row["details"] or {},
        "prev_hash": row["prev_hash"],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(row: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a row's canonical content."""
    return hashlib.sha256(canonical(row)).hexdigest()


def _lock_head(connection: Connection, team_id: str) -> tuple[int, str]:
    """The workspace's last sequence and hash, its head row locked until the transaction ends."""
    query = _HEAD_FOR_UPDATE if connection.dialect.name == "postgresql" else _HEAD
    params = {"head_team_id": team_id}
    head = connection.execute(query, params).first()
    if head is None:  # the workspace's first event: create its head (a concurrent first one waits)
        connection.execute(_insert_head(connection, team_id))
        head = connection.execute(query, params).one()
    return int(head.sequence), str(head.row_hash)


def _insert_head(connection: Connection, team_id: str) -> Any:
    values = {"team_id": team_id, "sequence": 0, "row_hash": GENESIS, "updated_at": utcnow()}
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return upsert(_HEADS).values(values).on_conflict_do_nothing(index_elements=[_HEADS.c.team_id])


def _plain(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details as the JSON column gives them back (so the hash written is the hash read), with any
    value being stored right now scrubbed, in case a caller ever passed one by mistake."""
    plain = json.loads(json.dumps(dict(details), sort_keys=True, default=str))
    return cast(dict[str, Any], _scrubbed(plain))


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return in_flight_secrets.scrub(value)
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    return value


__all__ = ["GENESIS", "Record", "Surface", "append", "canonical", "record", "row_hash"]
