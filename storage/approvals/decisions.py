"""Decisions on an approval.

Every transition is one conditional transaction on the approval row, locked first (PostgreSQL:
SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE), so two admins clicking at once, a decision and the
expiry, or two replicas' sweeps never both win:

    pending ──approve (the last one needed)──▶ approving ──finish──▶ approved
       │  ╰─approve (more needed): stays pending, one more name in approved_by
       ├──reject──▶ rejected          ├──expire (APPROVAL_EXPIRY_DAYS)──▶ expired
       └──a newer submission of the field──▶ superseded
    approving ──the vault refused to enable──▶ pending (abandon)

`approving` is a lease (claim_token, claimed_until): enabling the version is a vault call, made
between transactions; `finish` then makes the version's reference current (the field's previous
reference superseded, as a store does) — guarded by the token, so a process that died half-way
leaves the lease to expire and a sweep finishes it (`stale_applying`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    insert,
    select,
    update,
)

from storage import audit, credential_expiries
from storage.approvals.rows import (
    APPROVALS,
    APPROVING,
    PENDING,
    REFS,
    UNDECIDED,
    Approval,
    audit_record,
    read_approval,
)
from storage.audit import SYSTEM_ACTOR, Surface
from storage.db import Database
from storage.statuses import ApprovalStatus


class Outcome(StrEnum):
    missing = "missing"  # no such approval in this workspace
    closed = "closed"  # already decided (or being applied): nothing changed
    own = "own"  # the submitter: never their own (the policy says so too; this is the backstop)
    already = "already"  # this admin approved it already; it waits for another
    granted = "granted"  # one more approval; more are needed
    applying = "applying"  # the last approval needed: enable the version, then `finish`
    rejected = "rejected"


@dataclass(frozen=True)
class Decided:
    """What a click did, with the approval as it is now."""

    outcome: Outcome
    approval: Approval | None = None


@dataclass(frozen=True)
class Finished:
    """An approval applied: its reference is current; the versions it superseded (resource name,
    backend), for disabling them when DISABLE_PREVIOUS_VERSIONS is on."""

    approval: Approval
    superseded: tuple[tuple[str, str], ...] = field(default_factory=tuple)


# --- decisions --------------------------------------------------------------------------------------


def approve(
    db: Database,
    team_id: str,
    approval_id: str,
    actor: str,
    *,
    now: datetime,
    lease: timedelta,
    token: str,
    surface: Surface | None,
) -> Decided:
    """One admin's approval, on the row read under lock: `granted` (more are needed; audited as
    `approval.granted`) or `applying` (the last one: the row is leased to `token` for the caller
    to enable the version and `finish`). The submitter never approves their own (`own`)."""
    with db.write_session() as session:
        connection = session.connection()
        approval = read_approval(connection, team_id, approval_id, lock=True)
        refused = _refusal(approval, actor)
        if refused is not None:
            return refused
        assert approval is not None
        if actor in approval.approved_by:
            return Decided(Outcome.already, approval)
        approved_by = [*approval.approved_by, actor]
        last = len(approved_by) >= approval.required
        values: dict[str, Any] = {"approved_by": approved_by, "updated_at": now}
        if last:
            values |= {"status": APPROVING, "claim_token": token, "claimed_until": now + lease}
        connection.execute(_guarded(approval_id, PENDING).values(values))
        approval = read_approval(connection, team_id, approval_id)
        assert approval is not None
        if not last:
            details = {"approval": approval.id, "approvals": len(approved_by), "required": approval.required}
            audit.append(
                session, team_id, audit_record(approval, actor, "approval.granted", surface, details)
            )
            return Decided(Outcome.granted, approval)
        return Decided(Outcome.applying, approval)


def finish(
    db: Database, team_id: str, approval_id: str, token: str, *, now: datetime, surface: Surface | None
) -> Finished | None:
    """The version is enabled: make its reference the field's current one (superseding the
    previous, as a store does), mark the approval approved, audit `credential.approved`. Guarded by
    the lease's token; None when this caller no longer holds it."""
    with db.write_session() as session:
        connection = session.connection()
        approval = read_approval(connection, team_id, approval_id, lock=True)
        if (
            approval is None
            or approval.status is not ApprovalStatus.approving
            or not _holds(connection, approval_id, token)
        ):
            return None
        actor = approval.approved_by[-1] if approval.approved_by else SYSTEM_ACTOR
        superseded = _make_current(connection, approval, actor, now)
        # The expiry date submitted with the version takes effect with it (its reminders start over).
        credential_expiries.reset(
            connection,
            team_id,
            approval.registration_id,
            expires_on=approval.credential_expires_on,
            owner=approval.credential_owner or approval.submitted_by,
            set_by=approval.submitted_by,
            now=now,
        )
        connection.execute(
            _guarded(approval_id, APPROVING)
            .where(APPROVALS.c.claim_token == token)
            .values(status=ApprovalStatus.approved.value, decided_by=actor, decided_at=now,
                    claim_token=None, claimed_until=None, updated_at=now)
        )  # fmt: skip
        approval = read_approval(connection, team_id, approval_id)
        assert approval is not None
        details = {
            **_version_details(approval),
            "approvers": list(approval.approved_by),
            "superseded_versions": [name for name, _ in superseded],
        }
        audit.append(session, team_id, audit_record(approval, actor, "credential.approved", surface, details))
        return Finished(approval, tuple(superseded))


def abandon(
    db: Database,
    team_id: str,
    approval_id: str,
    token: str,
    *,
    code: str,
    now: datetime,
    surface: Surface | None,
) -> Approval | None:
    """The vault would not enable the version: back to pending without the last approval (its
    admin may try again), audited as `credential.approve_failed` with the vault's code."""
    with db.write_session() as session:
        connection = session.connection()
        approval = read_approval(connection, team_id, approval_id, lock=True)
        if (
            approval is None
            or approval.status is not ApprovalStatus.approving
            or not _holds(connection, approval_id, token)
        ):
            return None
        actor = approval.approved_by[-1] if approval.approved_by else SYSTEM_ACTOR
        connection.execute(
            _guarded(approval_id, APPROVING)
            .where(APPROVALS.c.claim_token == token)
            .values(status=PENDING, approved_by=list(approval.approved_by[:-1]), claim_token=None,
                    claimed_until=None, updated_at=now)
        )  # fmt: skip
        approval = read_approval(connection, team_id, approval_id)
        assert approval is not None
        details = {**_version_details(approval), "code": code}
        audit.append(
            session, team_id, audit_record(approval, actor, "credential.approve_failed", surface, details)
        )
        return approval


def reject(
    db: Database, team_id: str, approval_id: str, actor: str, *, now: datetime, surface: Surface | None
) -> Decided:
    """Reject a pending approval: the version stays disabled and the field's current reference
    stays as it is; audited as `credential.rejected`."""
    with db.write_session() as session:
        connection = session.connection()
        approval = read_approval(connection, team_id, approval_id, lock=True)
        refused = _refusal(approval, actor)
        if refused is not None:
            return refused
        connection.execute(
            _guarded(approval_id, PENDING).values(
                status=ApprovalStatus.rejected.value, decided_by=actor, decided_at=now, updated_at=now
            )
        )
        approval = read_approval(connection, team_id, approval_id)
        assert approval is not None
        audit.append(
            session,
            team_id,
            audit_record(approval, actor, "credential.rejected", surface, _version_details(approval)),
        )
        return Decided(Outcome.rejected, approval)


def expire_due(db: Database, *, now: datetime, limit: int) -> list[Approval]:
    """Pending approvals past their expiry become expired (treated as rejected: the version stays
    disabled), audited as `credential.expired` by the bot. Each is expired by one caller only:
    the rows are locked (PostgreSQL: SKIP LOCKED) and the update is conditional on `pending`."""
    with db.write_session() as session:
        connection = session.connection()
        due = (
            select(APPROVALS.c.id, APPROVALS.c.team_id)
            .where(APPROVALS.c.status == PENDING, UNDECIDED, APPROVALS.c.expires_at <= now)
            .order_by(APPROVALS.c.expires_at, APPROVALS.c.id)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = connection.execute(due).all()
        expired: dict[str, list[Approval]] = {}
        for approval_id, team_id in rows:
            changed = connection.execute(
                _guarded(approval_id, PENDING).values(
                    status=ApprovalStatus.expired.value,
                    decided_by=SYSTEM_ACTOR,
                    decided_at=now,
                    updated_at=now,
                )
            ).rowcount
            approval = read_approval(connection, team_id, approval_id) if changed else None
            if approval is not None:
                expired.setdefault(team_id, []).append(approval)
        for team_id, approvals in sorted(expired.items()):
            records = [
                audit_record(
                    approval, SYSTEM_ACTOR, "credential.expired", Surface.job, _version_details(approval)
                )
                for approval in approvals
            ]
            audit.append(session, team_id, *records)
        return [approval for approvals in expired.values() for approval in approvals]


def stale_applying(
    db: Database, *, now: datetime, lease: timedelta, token: str, limit: int
) -> list[Approval]:
    """Approvals whose last approval was being applied by a process that died (the lease ran
    out): leased again to `token`, for the caller to enable and `finish` (or `abandon`)."""
    with db.write_session() as session:
        connection = session.connection()
        due = (
            select(APPROVALS.c.id, APPROVALS.c.team_id)
            .where(APPROVALS.c.status == APPROVING, UNDECIDED, APPROVALS.c.claimed_until <= now)
            .order_by(APPROVALS.c.claimed_until)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = connection.execute(due).all()
        taken = []
        for approval_id, team_id in rows:
            changed = connection.execute(
                _guarded(approval_id, APPROVING)
                .where(APPROVALS.c.claimed_until <= now)
                .values(claim_token=token, claimed_until=now + lease)
            ).rowcount
            if changed:
                approval = read_approval(connection, team_id, approval_id)
                if approval is not None:
                    taken.append(approval)
        return taken


# --- internals ------------------------------------------------------------------------------------


def _refusal(approval: Approval | None, actor: str) -> Decided | None:
    if approval is None:
        return Decided(Outcome.missing)
    if approval.status is not ApprovalStatus.pending:
        return Decided(Outcome.closed, approval)
    if approval.submitted_by == actor:
        return Decided(Outcome.own, approval)
    return None


def _guarded(approval_id: str, status: str) -> Any:
    return update(APPROVALS).where(APPROVALS.c.id == approval_id, APPROVALS.c.status == status)


def _holds(connection: Connection, approval_id: str, token: str) -> bool:
    query = select(APPROVALS.c.id).where(APPROVALS.c.id == approval_id, APPROVALS.c.claim_token == token)
    return connection.execute(query).first() is not None


def _make_current(
    connection: Connection, approval: Approval, actor: str, now: datetime
) -> list[tuple[str, str]]:
    """The approved version becomes the field's current reference: the others are superseded,
    and this value's row (unique per registration, field and fingerprint) is revived or inserted."""
    same_field = and_(REFS.c.registration_id == approval.registration_id, REFS.c.field == approval.field)
    superseded = [
        (str(name), str(backend))
        for name, backend in connection.execute(
            update(REFS)
            .where(same_field, REFS.c.superseded_at.is_(None), REFS.c.fingerprint != approval.fingerprint)
            .values(superseded_at=now)
            .returning(REFS.c.resource_name, REFS.c.backend)
        )
    ]
    values = {
        "backend": approval.backend,
        "resource_name": approval.resource_name,
        "version": approval.version,
        "created_by": approval.submitted_by,
        "created_at": now,
        "superseded_at": None,
    }
    revived = connection.execute(
        update(REFS).where(same_field, REFS.c.fingerprint == approval.fingerprint).values(values)
    ).rowcount
    if not revived:
        connection.execute(
            insert(REFS).values(
                registration_id=approval.registration_id,
                team_id=approval.team_id,
                field=approval.field,
                fingerprint=approval.fingerprint,
                **values,
            )
        )
    return [(name, backend) for name, backend in superseded if backend == approval.backend]


def _version_details(approval: Approval) -> dict[str, Any]:
    """An approval's audit details: ids, names, the short fingerprint — never a value."""
    return {
        "approval": approval.id,
        "field": approval.field,
        "fingerprint": approval.short_fingerprint,
        "resource": approval.resource_name,
        "version": approval.version,
        "submitted_by": approval.submitted_by,
    }
