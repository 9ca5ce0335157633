"""Counts across every workspace that /metrics reads as gauges at scrape time: one cheap query each."""

from __future__ import annotations

from typing import cast

from sqlalchemy import ColumnElement, Table, func, literal_column, select

from storage import approvals
from storage.db import Database
from storage.models import Registration
from storage.statuses import RegistrationStatus

_REGISTRATIONS = cast(Table, Registration.__table__)
# Inlined, not bound: the partial unique index on in-progress registrations repeats this predicate.
_IN_PROGRESS: ColumnElement[str] = literal_column(f"'{RegistrationStatus.in_progress.value}'")
_OPEN = select(func.count()).select_from(_REGISTRATIONS).where(_REGISTRATIONS.c.status == _IN_PROGRESS)


def open_registrations(db: Database) -> int:
    """Registrations in progress, in every workspace (read through their partial index)."""
    with db.engine.connect() as connection:
        return int(connection.scalar(_OPEN) or 0)


def pending_approvals(db: Database) -> int:
    """Production credentials waiting for a decision (pending, or being applied), in every
    workspace: one count through the partial index on undecided approvals (storage.approvals)."""
    return approvals.pending_count(db)
