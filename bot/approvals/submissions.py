"""What a credentials step's save records about approvals (pure): an approval per version the vault
stored pending, the `approval.requested` audit event, and the fields whose earlier pending
approvals a newer value replaces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.approvals.rules import ApprovalRules
from storage.approvals import NewApproval
from storage.models import new_id
from storage.vault.base import StoredSecret

REQUESTED = "approval.requested"


@dataclass(frozen=True)
class Submission:
    """The approvals a save inserts, the fields whose pending approvals it supersedes, and the
    details of its `approval.requested` event (None: nothing was submitted for approval)."""

    approvals: tuple[NewApproval, ...] = ()
    replaced_fields: tuple[str, ...] = ()
    requested: dict[str, object] | None = None


def submission_of(
    stored: Sequence[StoredSecret],
    *,
    submitted_by: str,
    now: datetime,
    rules: ApprovalRules,
    expires_on: date | None = None,
    expiry_owner: str | None = None,
) -> Submission:
    """New versions stored pending each wait for approval; any new value of a field (pending or
    current) replaces the field's earlier pending approval. A value already waiting (a double
    submit) adds nothing. `expires_on` and `expiry_owner`: the credential's expiry date as
    submitted, which takes effect when the version is approved."""
    new = tuple(
        NewApproval(
            id=new_id(),
            field=s.field,
            fingerprint=s.stored_fingerprint,
            backend=s.backend,
            resource_name=s.resource_name,
            version=s.version,
            required=max(rules.required, 1),
            submitted_by=submitted_by,
            submitted_at=now,
            expires_at=now + rules.expiry,
            credential_expires_on=expires_on,
            credential_owner=expiry_owner,
        )
        for s in stored
        if s.pending and s.created
    )
    replaced = tuple(sorted({s.field for s in stored if s.created}))
    if not new:
        return Submission(replaced_fields=replaced)
    requested: dict[str, object] = {
        "approvals": [approval.id for approval in new],
        "fields": [approval.field for approval in new],
        "fingerprints": [s.fingerprint for s in stored if s.pending and s.created],
        "resources": [approval.resource_name for approval in new],
        "versions": [approval.version for approval in new],
        "required": new[0].required,
        "expires_at": new[0].expires_at.isoformat(),
    }
    return Submission(new, replaced, requested)
