"""secure_links: one-time links to the secure credentials page

One row per link made from the wizard's credentials step: the SHA-256 of its token (never the
token), the workspace, Slack user, registration and credential fields it is bound to, its expiry,
when it was used, the lease of a submission in progress, the form's CSRF token (hashed) and, with
Sign in with Slack, the OpenID Connect state and nonce (hashed) and the signed-in session (hashed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secure_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("field_keys", sa.JSON(), nullable=False),
        sa.Column("view_id", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("csrf_hash", sa.String(length=64), nullable=True),
        sa.Column("sign_in_state_hash", sa.String(length=64), nullable=True),
        sa.Column("sign_in_nonce_hash", sa.String(length=64), nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name="fk_secure_links_registration_id_registrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_secure_links"),
    )
    op.create_index("ix_secure_links_team_id", "secure_links", ["team_id"])
    op.create_index("ix_secure_links_registration_id", "secure_links", ["registration_id"])
    op.create_index("ix_secure_links_expires_at", "secure_links", ["expires_at"])
    op.create_index("ix_secure_links_sign_in_state_hash", "secure_links", ["sign_in_state_hash"])


def downgrade() -> None:
    op.drop_index("ix_secure_links_sign_in_state_hash", table_name="secure_links")
    op.drop_index("ix_secure_links_expires_at", table_name="secure_links")
    op.drop_index("ix_secure_links_registration_id", table_name="secure_links")
    op.drop_index("ix_secure_links_team_id", table_name="secure_links")
    op.drop_table("secure_links")
