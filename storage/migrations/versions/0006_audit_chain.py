"""Hash-chain the audit trail per workspace; say which registration, platform, environment, surface

Adds to audit_events: `sequence` (1, 2, 3 … per workspace, unique with team_id), `prev_hash` and
`row_hash` (SHA-256 of the row's canonical content, storage.audit.canonical), and the columns an
export filters and shows: `registration_id`, `platform`, `environment`, `surface`. Adds
`audit_heads`, the end of each workspace's chain (what writers lock, and the anchor that shows a
deleted last row).

The rows written before are chained in the order they were written (time, then id), with the
registration, platform and environment their subject or details name, and surface "job" for the
bot's own events (unknown, so empty, for the others). Their details are left as they were.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
SYSTEM_ACTOR = "codat-register"

audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("team_id", sa.String),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
    sa.column("details", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("sequence", sa.Integer),
    sa.column("registration_id", sa.String),
    sa.column("platform", sa.String),
    sa.column("environment", sa.String),
    sa.column("surface", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
)
audit_heads = sa.table(
    "audit_heads",
    sa.column("team_id", sa.String),
    sa.column("sequence", sa.Integer),
    sa.column("row_hash", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
registrations = sa.table(
    "registrations",
    sa.column("id", sa.String),
    sa.column("team_id", sa.String),
    sa.column("platform", sa.String),
    sa.column("environment", sa.String),
)
items = sa.table(
    "checklist_items",
    sa.column("id", sa.Integer),
    sa.column("team_id", sa.String),
    sa.column("registration_id", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "audit_heads",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_audit_heads")),
    )
    with op.batch_alter_table("audit_events", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("registration_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("platform", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("environment", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("surface", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows(op.get_bind())
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_audit_events_team_id_sequence"), ["team_id", "sequence"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_constraint(op.f("uq_audit_events_team_id_sequence"), type_="unique")
        for column in (
            "row_hash",
            "prev_hash",
            "surface",
            "environment",
            "platform",
            "registration_id",
            "sequence",
        ):
            batch_op.drop_column(column)
    op.drop_table("audit_heads")


# --- the back-fill -------------------------------------------------------------------------------------


def _chain_existing_rows(connection: sa.Connection) -> None:
    known = {
        (row.team_id, row.id): (row.platform, row.environment)
        for row in connection.execute(sa.select(registrations))
    }
    item_registrations = {
        (row.team_id, str(row.id)): row.registration_id for row in connection.execute(sa.select(items))
    }
    rows = connection.execute(
        sa.select(audit_events).order_by(audit_events.c.team_id, audit_events.c.created_at, audit_events.c.id)
    ).all()
    updates: list[dict[str, Any]] = []
    heads: dict[str, tuple[int, str]] = {}
    for row in rows:
        sequence, prev_hash = heads.get(row.team_id, (0, GENESIS))
        details = row.details or {}
        registration_id = _registration_of(row, details, known, item_registrations)
        platform, environment = known.get((row.team_id, registration_id), (None, None))
        values = {
            "team_id": row.team_id,
            "sequence": sequence + 1,
            "created_at": row.created_at,
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "registration_id": registration_id,
            "platform": _text(details.get("platform")) or platform,
            "environment": _text(details.get("environment")) or environment,
            "surface": "job" if row.actor == SYSTEM_ACTOR else None,
            "details": details,
            "prev_hash": prev_hash,
        }
        values["row_hash"] = _row_hash(values)
        heads[row.team_id] = (values["sequence"], values["row_hash"])
        updates.append({**{f"new_{k}": values[k] for k in _FILLED}, "row_id": row.id})
    if updates:
        connection.execute(
            sa.update(audit_events)
            .where(audit_events.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(f"new_{name}") for name in _FILLED}),
            updates,
        )
    now = datetime.now(UTC)
    if heads:
        op.bulk_insert(
            audit_heads,
            [
                {"team_id": team_id, "sequence": sequence, "row_hash": last, "updated_at": now}
                for team_id, (sequence, last) in sorted(heads.items())
            ],
        )


_FILLED = ("sequence", "registration_id", "platform", "environment", "surface", "prev_hash", "row_hash")


def _registration_of(
    row: Any,
    details: dict[str, Any],
    known: dict[tuple[str, str], tuple[str, str]],
    item_registrations: dict[tuple[str, str], str],
) -> str | None:
    """The registration an old row is about: named in its details, its subject, or its item's."""
    for candidate in (_text(details.get("registration_id")), row.subject):
        if candidate and (row.team_id, candidate) in known:
            return candidate
    if row.action == "reminder.reassigned":  # its subject is the item's id
        return item_registrations.get((row.team_id, row.subject))
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _row_hash(row: dict[str, Any]) -> str:
    """storage.audit.row_hash as of this revision (frozen here: the migration must not change with it)."""
    created_at: datetime = row["created_at"]
    if created_at.tzinfo is None:
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
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()
