"""Complete the registrations left "in progress" with no open item

Until now only the wizard's save recomputed a registration's status, so a registration whose last
open item was marked done from a reminder (button or `done`) stayed in progress for good; nothing
was left to change that would recompute it. The bot now recomputes it after any change to an item
(storage.statuses.derive_registration_status); this settles the rows written before, with the rule
of that function as it stands (items, none of them open → completed), and one audit event each.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

registrations = sa.table(
    "registrations",
    sa.column("id", sa.String),
    sa.column("team_id", sa.String),
    sa.column("platform", sa.String),
    sa.column("environment", sa.String),
    sa.column("status", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
items = sa.table("checklist_items", sa.column("registration_id", sa.String), sa.column("status", sa.String))
audit_events = sa.table(
    "audit_events",
    sa.column("team_id", sa.String),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
    sa.column("details", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    has_items = sa.exists().where(items.c.registration_id == registrations.c.id)
    has_open = sa.exists().where(items.c.registration_id == registrations.c.id, items.c.status == "todo")
    finished = sa.and_(registrations.c.status == "in_progress", has_items, ~has_open)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            registrations.c.id, registrations.c.team_id, registrations.c.platform, registrations.c.environment
        )
        .where(finished)
        .order_by(registrations.c.id)
    ).all()
    if not rows:
        return
    now = datetime.now(UTC)
    connection.execute(
        sa.update(registrations)
        .where(registrations.c.id.in_([row.id for row in rows]))
        .values(status="completed", updated_at=now)
    )
    op.bulk_insert(
        audit_events,
        [
            {
                "team_id": row.team_id,
                "actor": "codat-register",
                "action": "registration.completed",
                "subject": row.id,
                "details": {
                    "platform": row.platform,
                    "environment": row.environment,
                    "reason": "no open item left (migration 0005)",
                },
                "created_at": now,
            }
            for row in rows
        ],
    )


def downgrade() -> None:
    # Which rows this completed is in the audit trail; nothing to undo in the schema.
    pass
