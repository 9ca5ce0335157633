"""Workspaces' lifecycle: the Enterprise Grid organisation each belongs to, what uninstalling the app
from one does to its rows, and what reinstalling undoes.

- `remember_enterprise(...)`: a workspace seen in a request of an org-wide installation belongs to
  that organisation (how the bot's own jobs find the installation for it: storage.installations).
- `uninstall(...)`: one write transaction per workspace: `workspaces.uninstalled_at` set, every
  reminder of the workspace stopped (`next_reminder_at` cleared, any sweep's lease dropped, so the
  sweeps' due scans skip it), and — when asked (PURGE_ON_UNINSTALL) — its data deleted; the change
  audited in the same transaction (after a purge, as the first row of a new chain).
- `reinstall(...)`: the mark cleared and what had stopped due again at once (the sweeps keep to
  working hours): the open checklist items of registrations in progress, the approvers of pending
  approvals, the expiry reminders not yet escalated, and Codat's daily check where Codat had not
  said enabled.

"Its data" and "its reminders" are read from the tables' columns (storage.models): every table with
a `team_id` belongs to a workspace, and every one with a `next_reminder_at` (or the Codat check's
`next_check_at`) too holds scheduled work, so a table added later is stopped here without a change;
`reinstall` names what it resumes, since only each table knows which of its rows were live. Slack's
own installation tables are left to slack_sdk's store; the workspace's row stays, marked. Nothing
here touches Secret Manager: secret references are rows like any other, and the secrets they point
to stay where they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.audit import Record, append
from storage.db import Database
from storage.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    ApprovalRecipient,
    Base,
    ChecklistItem,
    CodatCheck,
    CredentialApproval,
    CredentialExpiry,
    Registration,
    Workspace,
)
from storage.statuses import ApprovalStatus, ItemStatus, RegistrationStatus

_WORKSPACES = cast(Table, Workspace.__table__)
_ITEMS = cast(Table, ChecklistItem.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_APPROVALS = cast(Table, CredentialApproval.__table__)
_RECIPIENTS = cast(Table, ApprovalRecipient.__table__)
_EXPIRIES = cast(Table, CredentialExpiry.__table__)
_CHECKS = cast(Table, CodatCheck.__table__)
_SLACKS_OWN = {SLACK_INSTALLATIONS.name, SLACK_BOTS.name, SLACK_OAUTH_STATES.name}
_LEASE_COLUMNS = ("claimed_until", "claim_token")
_SCHEDULE_COLUMNS = ("next_reminder_at", "next_check_at")  # when a row's scheduled work is due


def _team_tables() -> list[Table]:
    """The workspace's data: every table with a team_id but its own row and Slack's stores,
    children before parents (so deleting never trips a foreign key)."""
    return [
        table
        for table in reversed(Base.metadata.sorted_tables)
        if "team_id" in table.c and table.name not in _SLACKS_OWN and table is not _WORKSPACES
    ]


def remember_enterprise(db: Database, team_id: str, enterprise_id: str) -> None:
    """Record that the workspace belongs to the Enterprise Grid organisation `enterprise_id`."""
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(_WORKSPACES).values(team_id=team_id, enterprise_id=enterprise_id)
        session.execute(
            statement.on_conflict_do_update(index_elements=["team_id"], set_={"enterprise_id": enterprise_id})
        )


def teams_of(db: Database, enterprise_id: str) -> list[str]:
    """The workspaces known to belong to an organisation."""
    with db.engine.connect() as connection:
        query = select(_WORKSPACES.c.team_id).where(_WORKSPACES.c.enterprise_id == enterprise_id)
        return sorted(connection.execute(query).scalars())


def is_uninstalled(db: Database, team_id: str) -> bool:
    """Whether the app was uninstalled from the workspace (and not reinstalled since)."""
    with db.engine.connect() as connection:
        query = select(_WORKSPACES.c.uninstalled_at).where(_WORKSPACES.c.team_id == team_id)
        return connection.execute(query).scalar() is not None


def _mark(session: Session, team_id: str, uninstalled_at: datetime | None) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_WORKSPACES).values(team_id=team_id, uninstalled_at=uninstalled_at)
    session.execute(
        statement.on_conflict_do_update(index_elements=["team_id"], set_={"uninstalled_at": uninstalled_at})
    )


def _stop_reminders(session: Session, team_id: str) -> int:
    stopped = 0
    for table in _team_tables():
        for column in (name for name in _SCHEDULE_COLUMNS if name in table.c):
            values = {column: None, **{name: None for name in _LEASE_COLUMNS if name in table.c}}
            result = session.execute(
                update(table).where(table.c.team_id == team_id, table.c[column].is_not(None)).values(**values)
            )
            stopped += result.rowcount or 0  # type: ignore[attr-defined]
    return stopped


def _resume(session: Session, team_id: str, now: datetime) -> int:
    """What `_stop_reminders` stopped and is still live, due again at `now`."""
    in_progress = exists().where(
        _REGISTRATIONS.c.id == _ITEMS.c.registration_id,
        _REGISTRATIONS.c.team_id == _ITEMS.c.team_id,
        _REGISTRATIONS.c.status == RegistrationStatus.in_progress.value,
    )
    pending = exists().where(
        _APPROVALS.c.id == _RECIPIENTS.c.approval_id, _APPROVALS.c.status == ApprovalStatus.pending.value
    )
    lease = {name: None for name in _LEASE_COLUMNS}
    statements = [
        update(_ITEMS)
        .where(_ITEMS.c.team_id == team_id, _ITEMS.c.status == ItemStatus.todo.value)
        .where(_ITEMS.c.next_reminder_at.is_(None), in_progress)
        .values(next_reminder_at=now, **lease),
        update(_RECIPIENTS)
        .where(_RECIPIENTS.c.team_id == team_id, _RECIPIENTS.c.next_reminder_at.is_(None), pending)
        .values(next_reminder_at=now, **lease),
        update(_EXPIRIES)
        .where(_EXPIRIES.c.team_id == team_id, _EXPIRIES.c.next_reminder_at.is_(None))
        .where(_EXPIRIES.c.expired_notified_at.is_(None))
        .values(next_reminder_at=now, **lease),
        update(_CHECKS)
        .where(_CHECKS.c.team_id == team_id, _CHECKS.c.next_check_at.is_(None))
        .where(or_(_CHECKS.c.outcome.is_(None), _CHECKS.c.outcome != "enabled"))
        .values(next_check_at=now, **lease),
    ]
    resumed = 0
    for statement in statements:
        resumed += session.execute(statement).rowcount or 0  # type: ignore[attr-defined]
    return resumed


def _purge(session: Session, team_id: str) -> dict[str, int]:
    deleted: dict[str, int] = {}
    for table in _team_tables():
        result = session.execute(delete(table).where(table.c.team_id == team_id))
        if result.rowcount:  # type: ignore[attr-defined]
            deleted[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
    return deleted


def _with(record: Record, **details: object) -> Record:
    return replace(record, details={**record.details, **details})


def uninstall(
    db: Database, team_ids: Iterable[str], now: datetime, *, purge: bool, audit: Record
) -> dict[str, dict[str, object]]:
    """The app was uninstalled from these workspaces: mark each, stop its reminders, delete its
    data when `purge`; `audit` is appended to each workspace's chain (its details completed with
    what was stopped or deleted). Per workspace: {"stopped": n} or {"stopped": n, "deleted": {…}}."""
    done: dict[str, dict[str, object]] = {}
    for team_id in team_ids:
        with db.write_session() as session:
            _mark(session, team_id, now)
            outcome: dict[str, object] = {"stopped": _stop_reminders(session, team_id)}
            if purge:
                outcome["deleted"] = _purge(session, team_id)
            append(session, team_id, _with(audit, **outcome, purged=purge))
            done[team_id] = outcome
    return done


def reinstall(db: Database, team_ids: Sequence[str], now: datetime, *, audit: Record | None = None) -> int:
    """The app was installed (again) in these workspaces: clear their mark, and make what had
    stopped due now (see the module). The number of rows resumed."""
    resumed = 0
    for team_id in team_ids:
        with db.write_session() as session:
            was = session.execute(
                select(_WORKSPACES.c.uninstalled_at).where(_WORKSPACES.c.team_id == team_id)
            ).scalar()
            _mark(session, team_id, None)
            count = _resume(session, team_id, now) if was is not None else 0
            resumed += count
            if audit is not None:
                append(session, team_id, _with(audit, resumed=count))
    return resumed


def count_rows(db: Database, team_id: str) -> dict[str, int]:
    """How many rows of each table belong to the workspace (tests and operators)."""
    counts: dict[str, int] = {}
    with db.engine.connect() as connection:
        for table in _team_tables():
            found = connection.execute(
                select(func.count()).select_from(table).where(table.c.team_id == team_id)
            ).scalar()
            if found:
                counts[table.name] = int(found)
    return counts


__all__ = ["count_rows", "is_uninstalled", "reinstall", "remember_enterprise", "teams_of", "uninstall"]
