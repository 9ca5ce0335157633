"""Drop two columns nothing ever wrote: checklist_items.notes and workspaces.name

Both came with the first schema and stayed empty. Dropped in place (SQLite ≥ 3.35 drops a column
that no index uses), so the checklist table keeps its partial indexes and PostgreSQL fillfactor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checklist_items", recreate="never") as batch_op:
        batch_op.drop_column("notes")
    with op.batch_alter_table("workspaces", recreate="never") as batch_op:
        batch_op.drop_column("name")


def downgrade() -> None:
    with op.batch_alter_table("workspaces", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("checklist_items", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
