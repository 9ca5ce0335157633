"""codat_checks: what Codat last said about each registration's integration, and the daily check

One row per registration: the outcome of the last `GET /integrations/{platformKey}` (enabled, not
enabled, key refused, unknown key, rate limited, unreachable), when and by whom it was asked, when
the daily check asks next (`next_check_at`; empty once Codat said enabled), Codat's Retry-After
(`not_before`), and the daily job's lease (`claimed_until`, `claim_token`). Existing registrations
get no row: the daily job adds the row of each registration it finds due.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codat_checks",
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("platform_key", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by", sa.String(length=32), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name="fk_codat_checks_registration_id_registrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name="pk_codat_checks"),
    )
    op.create_index("ix_codat_checks_team_id", "codat_checks", ["team_id"])
    op.create_index("ix_codat_checks_next_check_at", "codat_checks", ["next_check_at"])


def downgrade() -> None:
    op.drop_index("ix_codat_checks_next_check_at", table_name="codat_checks")
    op.drop_index("ix_codat_checks_team_id", table_name="codat_checks")
    op.drop_table("codat_checks")
