"""Approve / Reject, from an approver's DM or the App Home.

Who may: the policy's `approve` (admins only, asked at the edge and again here with the approval)
and its one rule beside the table — nobody approves (or rejects) their own submission, admin or
not; storage refuses it too, on the row read under lock. Then:

- **Reject**: the approval is rejected in one transaction (`credential.rejected`); the version
  stays disabled, the field's current reference stays current; the submitter is told.
- **Approve**: one more name on the approval (`approval.granted` while more are needed). The last
  one leases the approval (status approving), enables the version in the vault — between
  transactions — then makes its reference the field's current one (`credential.approved`); the
  submitter is told. If the vault refuses, the approval goes back to pending and the admin is
  told why (`credential.approve_failed`); a process that dies half-way leaves the lease to the
  sweep, which finishes it (bot.approvals.sweep).

Either way every approver's DM is updated in place.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.approvals import messages
from bot.approvals import texts as t
from bot.approvals.views import platform_of
from bot.expiry import annotations as expiry_annotations
from bot.governance import refusals
from bot.governance.policy import Action, Decision, Target
from bot.governance.roles import caller_of
from storage import approvals as store
from storage.approvals import Approval, Outcome
from storage.audit import Surface
from storage.statuses import ApprovalStatus
from storage.vault.base import VaultError

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.approvals")

# Enabling the version runs after the ack: no 3 s limit, but a lease must outlive it.
ENABLE_TIMEOUT_SECONDS = 10.0
APPLY_LEASE = timedelta(minutes=2)


class Verdict(StrEnum):
    approve = "approve"
    reject = "reject"


@dataclass(frozen=True)
class Result:
    """What a click came to: the approval as it is now, and what to tell the admin who clicked
    (None: the updated DM says it all)."""

    outcome: Outcome | None
    approval: Approval | None = None
    tell: str | None = None
    refused: Decision | None = None


def target_of(deps: Deps, approval: Approval) -> Target:
    """What approving is about, for the policy: the registration and who submitted the version."""
    platform = platform_of(deps.catalogue, approval)
    return Target.of(
        registration_id=approval.registration_id,
        created_by=approval.created_by,
        platform=approval.platform,
        platform_name=platform.name if platform else approval.platform,
        environment=approval.environment,
        submitted_by=approval.submitted_by,
    )


def decide_approval(
    deps: Deps, *, team_id: str, user_id: str, approval_id: str, verdict: Verdict, surface: Surface
) -> Result:
    """Apply one admin's Approve or Reject (after the ack; Slack and the vault are called here),
    update every approver's DM and tell the submitter when it is decided."""
    approval = store.read(deps.db, team_id, approval_id)
    if approval is None:
        return Result(Outcome.missing, tell=t.GONE)
    caller = caller_of(deps, team_id, user_id)
    decision = refusals.ask(deps, caller, Action.approve, target_of(deps, approval), surface)
    if not decision.allowed:
        return Result(None, approval, refused=decision)
    now = deps.clock.now()
    if verdict is Verdict.reject:
        decided = store.reject(deps.db, team_id, approval_id, user_id, now=now, surface=surface)
    else:
        token = uuid.uuid4().hex
        lease = APPLY_LEASE
        decided = store.approve(
            deps.db, team_id, approval_id, user_id, now=now, lease=lease, token=token, surface=surface
        )
        if decided.outcome is Outcome.applying and decided.approval is not None:
            return _applied(deps, apply(deps, decided.approval, token, surface))
    return _after(deps, decided)


def _after(deps: Deps, decided: store.Decided) -> Result:
    approval = decided.approval
    if decided.outcome is Outcome.already and approval is not None:
        text = t.ALREADY_YOURS.format(given=len(approval.approved_by), required=approval.required)
        return Result(decided.outcome, approval, tell=text)
    if approval is not None:  # granted, rejected, or already closed: every card shows it
        messages.refresh(deps, approval)
        if decided.outcome is Outcome.rejected:
            messages.tell_submitter(deps, approval)
    return Result(decided.outcome, approval, tell=t.GONE if approval is None else None)


@dataclass(frozen=True)
class Applied:
    approval: Approval | None
    error: VaultError | None = None


def apply(deps: Deps, approval: Approval, token: str, surface: Surface | None) -> Applied:
    """The last approval of a leased approval: enable the version, then make its reference current
    (or, when the vault refuses, back to pending). Used by a click and by the sweep."""
    try:
        if approval.backend != deps.vault.backend:  # stored by another vault (configuration changed)
            raise VaultError(t.GONE, code="other_backend")
        deps.vault.enable(approval.resource_name, timeout=ENABLE_TIMEOUT_SECONDS)
    except VaultError as error:
        logger.warning("approval %s: enabling %s failed: %s", approval.id, approval.resource_name, error.code)
        now = deps.clock.now()
        back = store.abandon(
            deps.db, approval.team_id, approval.id, token, code=error.code, now=now, surface=surface
        )
        return Applied(back, error)
    finished = store.finish(
        deps.db, approval.team_id, approval.id, token, now=deps.clock.now(), surface=surface
    )
    if finished is None:  # the lease ran out meanwhile: whoever holds it now finishes (enabling again)
        logger.warning("approval %s: lease lost while applying; left to its holder", approval.id)
        return Applied(store.read(deps.db, approval.team_id, approval.id))
    approved = finished.approval
    # The expiry date submitted with the version is the secret's now (its annotation, after this).
    deps.background.submit(
        expiry_annotations.annotate,
        deps,
        team_id=approved.team_id,
        registration_id=approved.registration_id,
        platform=approved.platform,
        environment=approved.environment,
        fields=[approved.field],
        actor=approved.submitted_by,
        expires_on=approved.credential_expires_on,
    )
    if deps.settings.DISABLE_PREVIOUS_VERSIONS:
        for resource_name, _ in finished.superseded:
            try:
                deps.vault.disable(resource_name)
            except VaultError as error:  # best effort, as for a store
                logger.warning("could not disable previous version %s: %s", resource_name, error.code)
    return Applied(finished.approval)


def _applied(deps: Deps, applied: Applied) -> Result:
    approval = applied.approval
    if approval is not None:
        messages.refresh(deps, approval)
    if applied.error is not None:  # back to pending: the admin is told why
        return Result(None, approval, tell=t.APPROVE_FAILED.format(reason=applied.error.user_message))
    if approval is not None and approval.status is ApprovalStatus.approved:
        messages.tell_submitter(deps, approval)
    return Result(Outcome.applying, approval)
