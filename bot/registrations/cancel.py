"""`cancel <platform> [sandbox|production]`: stop a registration in progress (who may: the policy's
`cancel_registration`, asked on the row read under lock). Its reminders stop and nothing is
deleted; `start` then begins a new one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import Platform
from bot.deps import Deps
from bot.governance import refusals
from bot.governance.policy import Action, Decision, Target, decide
from bot.governance.roles import caller_of
from storage.audit import Surface
from storage.repositories import RegistrationRow, Registrations
from storage.statuses import RegistrationStatus


class CancelOutcome(StrEnum):
    cancelled = "cancelled"
    refused = "refused"  # not theirs to cancel: the decision says who can
    no_registration = "no_registration"  # none of that platform (and environment) in progress
    ambiguous = "ambiguous"  # one in progress in each environment: which?


@dataclass(frozen=True)
class CancelResult:
    outcome: CancelOutcome
    registration: RegistrationRow | None = None
    decision: Decision | None = None  # a refusal's


def target_of(registration: RegistrationRow, platform: Platform) -> Target:
    """What cancelling is about: the registration and its creator."""
    return Target.of(
        registration_id=registration.id,
        created_by=registration.created_by,
        platform=registration.platform,
        platform_name=platform.name,
        environment=registration.environment,
    )


def cancel_registration(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    platform: Platform,
    environment: str | None,
    surface: Surface = Surface.command,
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

    caller = caller_of(deps, team_id, user_id)
    decisions: list[Decision] = []

    def allowed(registration: RegistrationRow) -> bool:  # asked on the row read under lock
        if registration.status != RegistrationStatus.in_progress:
            return False
        decisions.append(decide(caller, Action.cancel_registration, target_of(registration, platform)))
        return decisions[-1].allowed

    row, cancelled = registrations.cancel(candidates[0].id, actor=user_id, allowed=allowed, surface=surface)
    if cancelled:
        return CancelResult(CancelOutcome.cancelled, row)
    if row is None or row.status != RegistrationStatus.in_progress:  # completed or cancelled meanwhile
        return CancelResult(CancelOutcome.no_registration)
    refused = decisions[-1]
    refusals.record(deps, refused, surface)  # after the transaction: it held the write lock
    return CancelResult(CancelOutcome.refused, row, refused)
