"""Four eyes for production credentials: the approval rows and their reads, shared by the
package's modules (storage.approvals re-exports what the rest of the bot uses).

A production credential version waits in `credential_approvals` (status pending) while it is
disabled in the vault; the registration's current credential stays the field's `secret_refs` row.
Nothing here talks to Slack or the vault; nothing here ever holds a value: only resource names,
versions and keyed fingerprints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    func,
    literal_column,
    select,
)

from storage.audit import Record, Surface
from storage.db import Database
from storage.models import ApprovalRecipient, CredentialApproval, Registration, SecretRef
from storage.statuses import ApprovalStatus, RegistrationStatus
from storage.vault.fingerprint import display

APPROVALS = cast(Table, CredentialApproval.__table__)
RECIPIENTS = cast(Table, ApprovalRecipient.__table__)
REGISTRATIONS = cast(Table, Registration.__table__)
REFS = cast(Table, SecretRef.__table__)
# Inlined, not bound: the partial index on undecided approvals repeats this predicate literally.
UNDECIDED: ColumnElement[bool] = APPROVALS.c.status.in_(
    [
        literal_column(f"'{ApprovalStatus.pending.value}'"),
        literal_column(f"'{ApprovalStatus.approving.value}'"),
    ]
)
PENDING = ApprovalStatus.pending.value
APPROVING = ApprovalStatus.approving.value


# --- what is read and written ------------------------------------------------------------------


@dataclass(frozen=True)
class NewApproval:
    """A credential version just stored disabled, to wait for approval (never its value)."""

    id: str
    field: str
    fingerprint: str  # the full keyed fingerprint, as secret_refs keeps it
    backend: str
    resource_name: str
    version: str
    required: int
    submitted_by: str
    submitted_at: datetime
    expires_at: datetime
    # The credential's expiry date submitted with it and whom to remind: applied when approved.
    credential_expires_on: date | None = None
    credential_owner: str | None = None


@dataclass(frozen=True)
class Approval:
    """An approval with what its messages need of its registration."""

    id: str
    team_id: str
    registration_id: str
    platform: str
    environment: str
    registration_status: RegistrationStatus
    created_by: str
    field: str
    fingerprint: str
    backend: str
    resource_name: str
    version: str
    status: ApprovalStatus
    required: int
    approved_by: tuple[str, ...]
    submitted_by: str
    submitted_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    superseded_by: str | None
    credential_expires_on: date | None = None
    credential_owner: str | None = None

    @property
    def short_fingerprint(self) -> str:
        return display(self.fingerprint)

    @property
    def undecided(self) -> bool:
        return self.status.open


@dataclass(frozen=True)
class Recipient:
    """One approver asked about one approval, and the DMs they were sent ([channel, ts])."""

    id: int
    approval_id: str
    team_id: str
    user_id: str
    messages: tuple[tuple[str, str], ...] = ()


# --- reads ---------------------------------------------------------------------------------------

COLUMNS = (
    APPROVALS.c.id,
    APPROVALS.c.team_id,
    APPROVALS.c.registration_id,
    REGISTRATIONS.c.platform,
    REGISTRATIONS.c.environment,
    REGISTRATIONS.c.status.label("registration_status"),
    REGISTRATIONS.c.created_by,
    APPROVALS.c.field,
    APPROVALS.c.fingerprint,
    APPROVALS.c.backend,
    APPROVALS.c.resource_name,
    APPROVALS.c.version,
    APPROVALS.c.status,
    APPROVALS.c.required,
    APPROVALS.c.approved_by,
    APPROVALS.c.submitted_by,
    APPROVALS.c.submitted_at,
    APPROVALS.c.expires_at,
    APPROVALS.c.decided_by,
    APPROVALS.c.decided_at,
    APPROVALS.c.superseded_by,
    APPROVALS.c.credential_expires_on,
    APPROVALS.c.credential_owner,
)
SELECT = select(*COLUMNS).join(REGISTRATIONS, REGISTRATIONS.c.id == APPROVALS.c.registration_id)


def approval_of(row: Any) -> Approval:
    values = dict(row._mapping)
    values["status"] = ApprovalStatus(values["status"])
    values["registration_status"] = RegistrationStatus(values["registration_status"])
    values["approved_by"] = tuple(values["approved_by"] or ())
    for name in ("submitted_at", "expires_at", "decided_at"):
        values[name] = aware(values[name])
    return Approval(**values)


def aware(moment: datetime | None) -> datetime | None:
    # The column type answers aware UTC; a value read without it (SQLite) would be naive.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def read(db: Database, team_id: str, approval_id: str) -> Approval | None:
    """One approval of this workspace (None for an unknown id or another workspace's)."""
    with db.engine.connect() as connection:
        return read_approval(connection, team_id, approval_id)


def read_approval(
    connection: Connection, team_id: str, approval_id: str, *, lock: bool = False
) -> Approval | None:
    query = SELECT.where(APPROVALS.c.id == approval_id, APPROVALS.c.team_id == team_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update(of=APPROVALS)
    row = connection.execute(query).first()
    return None if row is None else approval_of(row)


def undecided(db: Database, team_id: str, registration_ids: Iterable[str] | None = None) -> list[Approval]:
    """This workspace's approvals waiting for a decision (of some registrations), oldest first."""
    query = SELECT.where(APPROVALS.c.team_id == team_id, UNDECIDED)
    if registration_ids is not None:
        ids = sorted(set(registration_ids))
        if not ids:
            return []
        query = query.where(APPROVALS.c.registration_id.in_(ids))
    with db.engine.connect() as connection:
        rows = connection.execute(query.order_by(APPROVALS.c.submitted_at, APPROVALS.c.id))
        return [approval_of(row) for row in rows]


def undecided_in(connection: Connection, team_id: str, registration_id: str) -> list[Approval]:
    """One registration's undecided approvals, on the caller's connection (the wizard's read)."""
    query = SELECT.where(
        APPROVALS.c.team_id == team_id, APPROVALS.c.registration_id == registration_id, UNDECIDED
    )
    rows = connection.execute(query.order_by(APPROVALS.c.submitted_at, APPROVALS.c.id))
    return [approval_of(row) for row in rows]


def superseded_by(db: Database, team_id: str, approval_ids: Iterable[str]) -> list[Approval]:
    """Approvals a newer submission replaced (their DMs say so)."""
    ids = sorted(set(approval_ids))
    if not ids:
        return []
    query = SELECT.where(APPROVALS.c.team_id == team_id, APPROVALS.c.superseded_by.in_(ids))
    with db.engine.connect() as connection:
        return [approval_of(row) for row in connection.execute(query)]


def recipients(db: Database, approval_id: str) -> list[Recipient]:
    """Everyone asked about an approval, with the DMs they were sent."""
    query = (
        select(RECIPIENTS.c.id, RECIPIENTS.c.approval_id, RECIPIENTS.c.team_id, RECIPIENTS.c.user_id,
               RECIPIENTS.c.messages)
        .where(RECIPIENTS.c.approval_id == approval_id)
        .order_by(RECIPIENTS.c.id)
    )  # fmt: skip
    with db.engine.connect() as connection:
        return [
            Recipient(row.id, row.approval_id, row.team_id, row.user_id,
                      tuple((str(c), str(t)) for c, t in (row.messages or [])))
            for row in connection.execute(query)
        ]  # fmt: skip


def pending_count(db: Database) -> int:
    """Approvals waiting for a decision, in every workspace (through the partial index)."""
    query = select(func.count()).select_from(APPROVALS).where(UNDECIDED)
    with db.engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def audit_record(
    approval: Approval, actor: str, action: str, surface: Surface | None, details: Mapping[str, Any]
) -> Record:
    return Record(
        actor,
        action,
        approval.registration_id,
        registration_id=approval.registration_id,
        platform=approval.platform,
        environment=approval.environment,
        surface=surface,
        details=dict(details),
    )
