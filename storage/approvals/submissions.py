"""Inside the wizard's save: the approvals a credentials step records, and the earlier pending
ones a newer value supersedes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from storage.approvals.rows import (
    APPROVALS,
    PENDING,
    NewApproval,
)
from storage.statuses import ApprovalStatus


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
            select(APPROVALS.c.id, APPROVALS.c.field).where(
                APPROVALS.c.team_id == team_id,
                APPROVALS.c.registration_id == registration_id,
                APPROVALS.c.field.in_(fields),
                APPROVALS.c.status == PENDING,
            )
        ).all()
        for approval_id, approval_field in rows:
            connection.execute(
                update(APPROVALS)
                .where(APPROVALS.c.id == approval_id, APPROVALS.c.status == PENDING)
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
            insert(APPROVALS),
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
                    "status": PENDING,
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
