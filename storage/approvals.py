"""Four eyes for production credentials: the approval rows, their decisions, and their reminders.

A production credential version waits in `credential_approvals` (status pending) while it is
disabled in the vault; the registration's current credential stays the field's `secret_refs` row.
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

Approvers are `approval_recipients` rows: one per admin asked, with reminder state claimed by
the sweep exactly as checklist items are (token + lease; PostgreSQL SKIP LOCKED), and the DMs
they were sent, for updating in place. Nothing here talks to Slack or the vault; nothing here ever
holds a value: only resource names, versions and keyed fingerprints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from storage import audit, credential_expiries
from storage.audit import Record, Surface
from storage.db import Database
from storage.models import ApprovalRecipient, CredentialApproval, Registration, SecretRef
from storage.statuses import ApprovalStatus, RegistrationStatus
from storage.vault.fingerprint import display

SYSTEM_ACTOR = "codat-register"
_APPROVALS = cast(Table, CredentialApproval.__table__)
_RECIPIENTS = cast(Table, ApprovalRecipient.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_REFS = cast(Table, SecretRef.__table__)
# Inlined, not bound: the partial index on undecided approvals repeats this predicate literally.
_UNDECIDED: ColumnElement[bool] = _APPROVALS.c.status.in_(
    [
        literal_column(f"'{ApprovalStatus.pending.value}'"),
        literal_column(f"'{ApprovalStatus.approving.value}'"),
    ]
)
_PENDING = ApprovalStatus.pending.value
_APPROVING = ApprovalStatus.approving.value


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


@dataclass(frozen=True)
class ClaimedRecipient:
    """A due reminder this sweep holds the lease on, with its approval."""

    id: int
    user_id: str
    reminder_count: int
    approval: Approval


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


# --- reads ---------------------------------------------------------------------------------------

_COLUMNS = (
    _APPROVALS.c.id,
    _APPROVALS.c.team_id,
    _APPROVALS.c.registration_id,
    _REGISTRATIONS.c.platform,
    _REGISTRATIONS.c.environment,
    _REGISTRATIONS.c.status.label("registration_status"),
    _REGISTRATIONS.c.created_by,
    _APPROVALS.c.field,
    _APPROVALS.c.fingerprint,
    _APPROVALS.c.backend,
    _APPROVALS.c.resource_name,
    _APPROVALS.c.version,
    _APPROVALS.c.status,
    _APPROVALS.c.required,
    _APPROVALS.c.approved_by,
    _APPROVALS.c.submitted_by,
    _APPROVALS.c.submitted_at,
    _APPROVALS.c.expires_at,
    _APPROVALS.c.decided_by,
    _APPROVALS.c.decided_at,
    _APPROVALS.c.superseded_by,
    _APPROVALS.c.credential_expires_on,
    _APPROVALS.c.credential_owner,
)
_SELECT = select(*_COLUMNS).join(_REGISTRATIONS, _REGISTRATIONS.c.id == _APPROVALS.c.registration_id)


def _approval(row: Any) -> Approval:
    values = dict(row._mapping)
    values["status"] = ApprovalStatus(values["status"])
    values["registration_status"] = RegistrationStatus(values["registration_status"])
    values["approved_by"] = tuple(values["approved_by"] or ())
    for name in ("submitted_at", "expires_at", "decided_at"):
        values[name] = _aware(values[name])
    return Approval(**values)


def _aware(moment: datetime | None) -> datetime | None:
    # The column type answers aware UTC; a value read without it (SQLite) would be naive.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def read(db: Database, team_id: str, approval_id: str) -> Approval | None:
    """One approval of this workspace (None for an unknown id or another workspace's)."""
    with db.engine.connect() as connection:
        return _read(connection, team_id, approval_id)


def _read(connection: Connection, team_id: str, approval_id: str, *, lock: bool = False) -> Approval | None:
    query = _SELECT.where(_APPROVALS.c.id == approval_id, _APPROVALS.c.team_id == team_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update(of=_APPROVALS)
    row = connection.execute(query).first()
    return None if row is None else _approval(row)


def undecided(db: Database, team_id: str, registration_ids: Iterable[str] | None = None) -> list[Approval]:
    """This workspace's approvals waiting for a decision (of some registrations), oldest first."""
    query = _SELECT.where(_APPROVALS.c.team_id == team_id, _UNDECIDED)
    if registration_ids is not None:
        ids = sorted(set(registration_ids))
        if not ids:
            return []
        query = query.where(_APPROVALS.c.registration_id.in_(ids))
    with db.engine.connect() as connection:
        rows = connection.execute(query.order_by(_APPROVALS.c.submitted_at, _APPROVALS.c.id))
        return [_approval(row) for row in rows]


def undecided_in(connection: Connection, team_id: str, registration_id: str) -> list[Approval]:
    """One registration's undecided approvals, on the caller's connection (the wizard's read)."""
    query = _SELECT.where(
        _APPROVALS.c.team_id == team_id, _APPROVALS.c.registration_id == registration_id, _UNDECIDED
    )
    rows = connection.execute(query.order_by(_APPROVALS.c.submitted_at, _APPROVALS.c.id))
    return [_approval(row) for row in rows]


def superseded_by(db: Database, team_id: str, approval_ids: Iterable[str]) -> list[Approval]:
    """Approvals a newer submission replaced (their DMs say so)."""
    ids = sorted(set(approval_ids))
    if not ids:
        return []
    query = _SELECT.where(_APPROVALS.c.team_id == team_id, _APPROVALS.c.superseded_by.in_(ids))
    with db.engine.connect() as connection:
        return [_approval(row) for row in connection.execute(query)]


def recipients(db: Database, approval_id: str) -> list[Recipient]:
    """Everyone asked about an approval, with the DMs they were sent."""
    query = (
        select(_RECIPIENTS.c.id, _RECIPIENTS.c.approval_id, _RECIPIENTS.c.team_id, _RECIPIENTS.c.user_id,
               _RECIPIENTS.c.messages)
        .where(_RECIPIENTS.c.approval_id == approval_id)
        .order_by(_RECIPIENTS.c.id)
    )  # fmt: skip
    with db.engine.connect() as connection:
        return [
            Recipient(row.id, row.approval_id, row.team_id, row.user_id,
                      tuple((str(c), str(t)) for c, t in (row.messages or [])))
            for row in connection.execute(query)
        ]  # fmt: skip


def pending_count(db: Database) -> int:
    """Approvals waiting for a decision, in every workspace (through the partial index)."""
    query = select(func.count()).select_from(_APPROVALS).where(_UNDECIDED)
    with db.engine.connect() as connection:
        return int(connection.scalar(query) or 0)


# --- submissions (inside the wizard's save) ------------------------------------------------------


def record_submissions(
    connection: Connection,
    team_id: str,
    registration_id: str,
    new: Sequence[NewApproval],
    *,
    replaced_fields: Iterable[str],
    now: datetime,
) -> list[str]:
    """In the caller's transaction: the pending approvals of `replaced_fields` (a newer value was
    stored or submitted) become superseded, then `new` are inserted. Returns the superseded ids."""
    newer = {approval.field: approval.id for approval in new}
    fields = sorted(set(replaced_fields) | set(newer))
    superseded: list[str] = []
    if fields:
        rows = connection.execute(
            select(_APPROVALS.c.id, _APPROVALS.c.field).where(
                _APPROVALS.c.team_id == team_id,
                _APPROVALS.c.registration_id == registration_id,
                _APPROVALS.c.field.in_(fields),
                _APPROVALS.c.status == _PENDING,
            )
        ).all()
        for approval_id, approval_field in rows:
            connection.execute(
                update(_APPROVALS)
                .where(_APPROVALS.c.id == approval_id, _APPROVALS.c.status == _PENDING)
                .values(
                    status=ApprovalStatus.superseded.value,
                    superseded_by=newer.get(approval_field),
                    decided_at=now,
                    claimed_until=None,
                    claim_token=None,
                    updated_at=now,
                )
            )
            superseded.append(str(approval_id))
    if new:
        connection.execute(
            insert(_APPROVALS),
            [
                {
                    "id": approval.id,
                    "registration_id": registration_id,
                    "team_id": team_id,
                    "field": approval.field,
                    "fingerprint": approval.fingerprint,
                    "backend": approval.backend,
                    "resource_name": approval.resource_name,
                    "version": approval.version,
                    "status": _PENDING,
                    "required": approval.required,
                    "approved_by": [],
                    "submitted_by": approval.submitted_by,
                    "submitted_at": approval.submitted_at,
                    "expires_at": approval.expires_at,
                    "credential_expires_on": approval.credential_expires_on,
                    "credential_owner": approval.credential_owner,
                    "updated_at": now,
                }
                for approval in new
            ],
        )
    return superseded


# --- approvers and their reminders -----------------------------------------------------------------


def add_recipients(
    db: Database,
    approval: Approval,
    user_ids: Sequence[str],
    *,
    now: datetime,
    lease: timedelta,
    token: str,
    surface: Surface | None = Surface.job,
) -> dict[str, int]:
    """Ask `user_ids` about an approval: one row each, born claimed by `token` (the caller sends
    the request DM at once, then `mark_sent` or `release`s it), and the audit event
    `approval.notified` naming them. Approvers already asked are left as they are. user id → row id."""
    with db.write_session() as session:
        connection = session.connection()
        known = set(
            connection.execute(
                select(_RECIPIENTS.c.user_id).where(_RECIPIENTS.c.approval_id == approval.id)
            ).scalars()
        )
        fresh = [user for user in dict.fromkeys(user_ids) if user not in known]
        if fresh:
            connection.execute(
                insert(_RECIPIENTS),
                [
                    {
                        "approval_id": approval.id,
                        "team_id": approval.team_id,
                        "user_id": user,
                        "next_reminder_at": now,
                        "reminder_count": 0,
                        "claimed_until": now + lease,
                        "claim_token": token,
                        "messages": [],
                    }
                    for user in fresh
                ],
            )
        details = {"approval": approval.id, "approvers": list(fresh), "required": approval.required}
        audit.append(
            session, approval.team_id, _record(approval, SYSTEM_ACTOR, "approval.notified", surface, details)
        )
        rows = connection.execute(
            select(_RECIPIENTS.c.user_id, _RECIPIENTS.c.id).where(
                _RECIPIENTS.c.approval_id == approval.id, _RECIPIENTS.c.user_id.in_(fresh or [""])
            )
        )
        return {str(user): int(row_id) for user, row_id in rows}


def claim_due_recipients(
    db: Database, *, now: datetime, lease: timedelta, token: str, limit: int
) -> list[ClaimedRecipient]:
    """Lease up to `limit` due approver reminders of approvals still pending (committed before this
    returns). PostgreSQL: SKIP LOCKED, so concurrent sweeps never take the same row."""
    with db.write_session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        due = (
            select(_RECIPIENTS.c.id)
            .join(_APPROVALS, _APPROVALS.c.id == _RECIPIENTS.c.approval_id)
            .where(
                _APPROVALS.c.status == _PENDING,
                _RECIPIENTS.c.next_reminder_at <= now,
                or_(_RECIPIENTS.c.claimed_until.is_(None), _RECIPIENTS.c.claimed_until <= now),
            )
            .order_by(_RECIPIENTS.c.next_reminder_at, _RECIPIENTS.c.id)
            .limit(limit)
        )
        if postgres:
            due = due.with_for_update(of=_RECIPIENTS, skip_locked=True)
        ids = list(session.execute(due).scalars())
        if not ids:
            return []
        session.execute(
            update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id.in_(ids))
            .values(claimed_until=now + lease, claim_token=token)
        )
    query = (
        select(_RECIPIENTS.c.id.label("recipient_id"), _RECIPIENTS.c.user_id, _RECIPIENTS.c.reminder_count,
               *_COLUMNS)
        .join(_APPROVALS, _APPROVALS.c.id == _RECIPIENTS.c.approval_id)
        .join(_REGISTRATIONS, _REGISTRATIONS.c.id == _APPROVALS.c.registration_id)
        .where(_RECIPIENTS.c.id.in_(ids), _RECIPIENTS.c.claim_token == token)
        .order_by(_RECIPIENTS.c.id)
    )  # fmt: skip
    with db.engine.connect() as connection:
        claimed = []
        for row in connection.execute(query):
            values = dict(row._mapping)
            recipient_id, user_id, count = (
                values.pop("recipient_id"),
                values.pop("user_id"),
                values.pop("reminder_count"),
            )
            claimed.append(ClaimedRecipient(recipient_id, user_id, count, _approval(_Row(values))))
        return claimed


class _Row:
    """A mapping with the `_mapping` attribute `_approval` reads."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._mapping = values


def still_claimed(db: Database, token: str, recipient_id: int) -> bool:
    """Whether this sweep still holds the reminder and its approval is still pending."""
    query = (
        select(_RECIPIENTS.c.id)
        .join(_APPROVALS, _APPROVALS.c.id == _RECIPIENTS.c.approval_id)
        .where(
            _RECIPIENTS.c.id == recipient_id,
            _RECIPIENTS.c.claim_token == token,
            _APPROVALS.c.status == _PENDING,
        )
    )
    with db.engine.connect() as connection:
        return connection.execute(query).first() is not None


def mark_sent(
    db: Database,
    token: str,
    recipient_id: int,
    *,
    now: datetime,
    next_reminder_at: datetime | None,
    message: tuple[str, str] | None,
    reminder: bool,
) -> bool:
    """A DM Slack accepted: keep where it went (for updating it), schedule the next reminder, end
    the lease; `reminder` counts it as one. False when this sweep no longer held the row."""
    with db.write_session() as session:
        connection = session.connection()
        query = select(_RECIPIENTS.c.messages, _RECIPIENTS.c.reminder_count).where(
            _RECIPIENTS.c.id == recipient_id, _RECIPIENTS.c.claim_token == token
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            return False
        messages = [list(pair) for pair in (row.messages or [])]
        if message is not None:
            messages.append([message[0], message[1]])
        values: dict[str, Any] = {
            "messages": messages,
            "next_reminder_at": next_reminder_at,
            "claimed_until": None,
            "claim_token": None,
        }
        if reminder:
            values |= {"reminder_count": int(row.reminder_count) + 1, "last_reminded_at": now}
        connection.execute(
            update(_RECIPIENTS)
            .where(_RECIPIENTS.c.id == recipient_id, _RECIPIENTS.c.claim_token == token)
            .values(values)
        )
        return True


def release(
    db: Database, token: str, recipient_ids: Iterable[int], *, next_reminder_at: datetime | None
) -> None:
    """End the lease without a DM: due again at `next_reminder_at` (None: never)."""
    ids = list(recipient_ids)
    if ids:
        with db.write_session() as session:
            session.execute(
                update(_RECIPIENTS)
                .where(_RECIPIENTS.c.id.in_(ids), _RECIPIENTS.c.claim_token == token)
                .values(next_reminder_at=next_reminder_at, claimed_until=None, claim_token=None)
            )


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
        approval = _read(connection, team_id, approval_id, lock=True)
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
            values |= {"status": _APPROVING, "claim_token": token, "claimed_until": now + lease}
        connection.execute(_guarded(approval_id, _PENDING).values(values))
        approval = _read(connection, team_id, approval_id)
        assert approval is not None
        if not last:
            details = {"approval": approval.id, "approvals": len(approved_by), "required": approval.required}
            audit.append(session, team_id, _record(approval, actor, "approval.granted", surface, details))
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
        approval = _read(connection, team_id, approval_id, lock=True)
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
            _guarded(approval_id, _APPROVING)
            .where(_APPROVALS.c.claim_token == token)
            .values(status=ApprovalStatus.approved.value, decided_by=actor, decided_at=now,
                    claim_token=None, claimed_until=None, updated_at=now)
        )  # fmt: skip
        approval = _read(connection, team_id, approval_id)
        assert approval is not None
        details = {
            **_version_details(approval),
            "approvers": list(approval.approved_by),
            "superseded_versions": [name for name, _ in superseded],
        }
        audit.append(session, team_id, _record(approval, actor, "credential.approved", surface, details))
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
        approval = _read(connection, team_id, approval_id, lock=True)
        if (
            approval is None
            or approval.status is not ApprovalStatus.approving
            or not _holds(connection, approval_id, token)
        ):
            return None
        actor = approval.approved_by[-1] if approval.approved_by else SYSTEM_ACTOR
        connection.execute(
            _guarded(approval_id, _APPROVING)
            .where(_APPROVALS.c.claim_token == token)
            .values(status=_PENDING, approved_by=list(approval.approved_by[:-1]), claim_token=None,
                    claimed_until=None, updated_at=now)
        )  # fmt: skip
        approval = _read(connection, team_id, approval_id)
        assert approval is not None
        details = {**_version_details(approval), "code": code}
        audit.append(
            session, team_id, _record(approval, actor, "credential.approve_failed", surface, details)
        )
        return approval


def reject(
    db: Database, team_id: str, approval_id: str, actor: str, *, now: datetime, surface: Surface | None
) -> Decided:
    """Reject a pending approval: the version stays disabled and the field's current reference
    stays as it is; audited as `credential.rejected`."""
    with db.write_session() as session:
        connection = session.connection()
        approval = _read(connection, team_id, approval_id, lock=True)
        refused = _refusal(approval, actor)
        if refused is not None:
            return refused
        connection.execute(
            _guarded(approval_id, _PENDING).values(
                status=ApprovalStatus.rejected.value, decided_by=actor, decided_at=now, updated_at=now
            )
        )
        approval = _read(connection, team_id, approval_id)
        assert approval is not None
        audit.append(
            session,
            team_id,
            _record(approval, actor, "credential.rejected", surface, _version_details(approval)),
        )
        return Decided(Outcome.rejected, approval)


def expire_due(db: Database, *, now: datetime, limit: int) -> list[Approval]:
    """Pending approvals past their expiry become expired (treated as rejected: the version stays
    disabled), audited as `credential.expired` by the bot. Each is expired by one caller only:
    the rows are locked (PostgreSQL: SKIP LOCKED) and the update is conditional on `pending`."""
    with db.write_session() as session:
        connection = session.connection()
        due = (
            select(_APPROVALS.c.id, _APPROVALS.c.team_id)
            .where(_APPROVALS.c.status == _PENDING, _UNDECIDED, _APPROVALS.c.expires_at <= now)
            .order_by(_APPROVALS.c.expires_at, _APPROVALS.c.id)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = connection.execute(due).all()
        expired: dict[str, list[Approval]] = {}
        for approval_id, team_id in rows:
            changed = connection.execute(
                _guarded(approval_id, _PENDING).values(
                    status=ApprovalStatus.expired.value,
                    decided_by=SYSTEM_ACTOR,
                    decided_at=now,
                    updated_at=now,
                )
            ).rowcount
            approval = _read(connection, team_id, approval_id) if changed else None
            if approval is not None:
                expired.setdefault(team_id, []).append(approval)
        for team_id, approvals in sorted(expired.items()):
            records = [
                _record(approval, SYSTEM_ACTOR, "credential.expired", Surface.job, _version_details(approval))
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
            select(_APPROVALS.c.id, _APPROVALS.c.team_id)
            .where(_APPROVALS.c.status == _APPROVING, _UNDECIDED, _APPROVALS.c.claimed_until <= now)
            .order_by(_APPROVALS.c.claimed_until)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = connection.execute(due).all()
        taken = []
        for approval_id, team_id in rows:
            changed = connection.execute(
                _guarded(approval_id, _APPROVING)
                .where(_APPROVALS.c.claimed_until <= now)
                .values(claim_token=token, claimed_until=now + lease)
            ).rowcount
            if changed:
                approval = _read(connection, team_id, approval_id)
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
    return update(_APPROVALS).where(_APPROVALS.c.id == approval_id, _APPROVALS.c.status == status)


def _holds(connection: Connection, approval_id: str, token: str) -> bool:
    query = select(_APPROVALS.c.id).where(_APPROVALS.c.id == approval_id, _APPROVALS.c.claim_token == token)
    return connection.execute(query).first() is not None


def _make_current(
    connection: Connection, approval: Approval, actor: str, now: datetime
) -> list[tuple[str, str]]:
    """The approved version becomes the field's current reference: the others are superseded,
    and this value's row (unique per registration, field and fingerprint) is revived or inserted."""
    same_field = and_(_REFS.c.registration_id == approval.registration_id, _REFS.c.field == approval.field)
    superseded = [
        (str(name), str(backend))
        for name, backend in connection.execute(
            update(_REFS)
            .where(same_field, _REFS.c.superseded_at.is_(None), _REFS.c.fingerprint != approval.fingerprint)
            .values(superseded_at=now)
            .returning(_REFS.c.resource_name, _REFS.c.backend)
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
        update(_REFS).where(same_field, _REFS.c.fingerprint == approval.fingerprint).values(values)
    ).rowcount
    if not revived:
        connection.execute(
            insert(_REFS).values(
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


def _record(
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


__all__ = [
    "Approval",
    "ClaimedRecipient",
    "Decided",
    "Finished",
    "NewApproval",
    "Outcome",
    "Recipient",
    "abandon",
    "add_recipients",
    "approve",
    "claim_due_recipients",
    "expire_due",
    "finish",
    "mark_sent",
    "pending_count",
    "read",
    "recipients",
    "record_submissions",
    "reject",
    "release",
    "stale_applying",
    "still_claimed",
    "superseded_by",
    "undecided",
    "undecided_in",
]
