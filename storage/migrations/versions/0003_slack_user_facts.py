"""slack_users keeps every users.info fact the bot uses, and the person's language choice

One cache of users.info answers, shared by the wizard (email and names for the mailbox rules),
the reminders (time zone, left the workspace), the language (locale, or the person's choice) and
the authorization policy (admin, owner, guest, bot).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FLAGS = ("is_admin", "is_owner", "is_restricted", "is_ultra_restricted", "is_bot")


def upgrade() -> None:
    with op.batch_alter_table("slack_users") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        for flag in FLAGS:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_users") as batch_op:
        for column in ("language", *reversed(FLAGS), "locale", "names", "email"):
            batch_op.drop_column(column)
