"""credential_expiries: when each registration's credential expires, and its reminders

One row per registration whose credential has an expiry date (asked at the credentials step):
the date, whom to remind (the person who stored it, reassignable, and the admins), and the
reminders' state, claimed by the sweep with a lease as checklist items are. Production versions
waiting for approval carry their date on credential_approvals until they are approved.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_expiries",
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("owner_user_id", sa.String(length=32), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_lead", sa.Integer(), nullable=True),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name="fk_credential_expiries_registration_id_registrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name="pk_credential_expiries"),
    )
    op.create_index("ix_credential_expiries_team_id", "credential_expiries", ["team_id"])
    op.create_index("ix_credential_expiries_next_reminder_at", "credential_expiries", ["next_reminder_at"])
    with op.batch_alter_table("credential_approvals") as batch:
        batch.add_column(sa.Column("credential_expires_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("credential_owner", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credential_approvals") as batch:
        batch.drop_column("credential_owner")
        batch.drop_column("credential_expires_on")
    op.drop_index("ix_credential_expiries_next_reminder_at", table_name="credential_expiries")
    op.drop_index("ix_credential_expiries_team_id", table_name="credential_expiries")
    op.drop_table("credential_expiries")
