"""`cancel <platform> [sandbox|production]`: the registration's creator stops a registration in
progress. Its reminders stop and nothing is deleted; `start` then begins a new one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import Platform
from bot.deps import Deps
from storage.repositories import RegistrationRow, Registrations
from storage.statuses import RegistrationStatus


class CancelOutcome(StrEnum):
    cancelled = "cancelled"
    refused = "refused"  # not theirs to cancel: `registration.created_by` is who can
    no_registration = "no_registration"  # none of that platform (and environment) in progress
    ambiguous = "ambiguous"  # one in progress in each environment: which?


@dataclass(frozen=True)
class CancelResult:
    outcome: CancelOutcome
    registration: RegistrationRow | None = None


def may_cancel(user_id: str, registration: RegistrationRow) -> bool:
    """Who may cancel a registration: the person who started it. (The one place this rule lives, so
    the authorization policy can take it over.)"""
    return user_id == registration.created_by


def cancel_registration(
    deps: Deps, *, team_id: str, user_id: str, platform: Platform, environment: str | None
) -> CancelResult:
    """Cancel the platform's registration in progress (in `environment`, if given)."""
    registrations = Registrations(deps.db, team_id)
    candidates = [
        registration
        for registration in registrations.overview(platform.id)
        if registration.status == RegistrationStatus.in_progress
        and environment in (None, registration.environment)
    ]
    if not candidates:
        return CancelResult(CancelOutcome.no_registration)
    if len(candidates) > 1:
        return CancelResult(CancelOutcome.ambiguous, candidates[0])

    def allowed(registration: RegistrationRow) -> bool:  # checked again on the locked row
        return registration.status == RegistrationStatus.in_progress and may_cancel(user_id, registration)

    row, cancelled = registrations.cancel(candidates[0].id, actor=user_id, allowed=allowed)
    if cancelled:
        return CancelResult(CancelOutcome.cancelled, row)
    if row is None or row.status != RegistrationStatus.in_progress:  # completed or cancelled meanwhile
        return CancelResult(CancelOutcome.no_registration)
    return CancelResult(CancelOutcome.refused, row)
