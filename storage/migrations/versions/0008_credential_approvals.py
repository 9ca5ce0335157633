"""credential_approvals and approval_recipients: four eyes for production credentials

A production credential version stored by anyone waits, disabled in the vault, until another admin
approves it (PRODUCTION_APPROVALS): `credential_approvals` keeps where that version went (resource
name, version, keyed fingerprint — never the value), who submitted it and when, who approved it so
far, its status (pending, approving, approved, rejected, expired, superseded), when it expires
(APPROVAL_EXPIRY_DAYS) and the lease of the decision being applied. `approval_recipients` keeps one
row per approver asked: their reminder state, claimed by the sweep like a checklist item, and the
DMs they were sent (updated in place when someone decides). Existing rows need nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UNDECIDED = "status IN ('pending', 'approving')"


def upgrade() -> None:
    op.create_table(
        "credential_approvals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("resource_name", sa.String(length=512), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name="fk_credential_approvals_registration_id_registrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_credential_approvals"),
    )
    with op.batch_alter_table("credential_approvals", schema=None) as batch_op:
        batch_op.create_index("ix_credential_approvals_team_id", ["team_id"], unique=False)
        batch_op.create_index(
            "ix_credential_approvals_registration_id_field", ["registration_id", "field"], unique=False
        )
        batch_op.create_index(
            "ix_credential_approvals_undecided",
            ["expires_at"],
            unique=False,
            sqlite_where=sa.text(UNDECIDED),
            postgresql_where=sa.text(UNDECIDED),
        )
    op.create_table(
        "approval_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["credential_approvals.id"],
            name="fk_approval_recipients_approval_id_credential_approvals",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_approval_recipients"),
        sa.UniqueConstraint("approval_id", "user_id", name="uq_approval_recipients_approval_id_user_id"),
    )
    with op.batch_alter_table("approval_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_approval_recipients_next_reminder_at", ["next_reminder_at"], unique=False)


def downgrade() -> None:
    op.drop_table("approval_recipients")
    op.drop_table("credential_approvals")
