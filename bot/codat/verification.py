"""Is it live in Codat? One check of a registration, on demand or in the daily job, and its effect:
"Enabled in Codat" ticks itself when Codat says `enabled`; anything else leaves it open with the
reason stored (shown by `status`).

- `check_registration`: one `GET /integrations/{platformKey}` (never before Codat's Retry-After),
  its result stored through storage.codat_checks, which ticks the item, recomputes the
  registration's status and audits both, in one transaction.
- `run_daily_checks`: the daily job. Rows, not scheduler state: each registration that has stored
  credentials and an open Codat item is due once a day (`CHECK_EVERY` after its last check); runs
  claim due registrations as leases (storage.codat_checks.claim_due), so any number of runs and
  replicas make one call per registration per day. A run stops at the first sign that Codat as a
  whole is unavailable (429, or no answer) and hands the rest back: after a 429 nobody calls before
  its Retry-After.

Who may ask: `verify` is a read-like action any member may do (the policy's view_registrations,
asked at the edge); the tick itself is the bot's, recorded as done by whoever asked (or the bot).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.catalogue import Platform
from bot.codat.client import CodatClient, IntegrationCheck, IntegrationOutcome
from bot.deps import Deps
from bot.registrations.checklist import ENABLED_IN_CODAT
from core.clock import Clock
from core.settings import Settings, reveal
from storage import codat_checks
from storage.audit import SYSTEM_ACTOR, Surface
from storage.codat_checks import CheckResult, CheckTarget, Recorded
from storage.repositories import RegistrationRow, Registrations
from storage.statuses import RegistrationStatus

logger = logging.getLogger("codat_register.codat")

CHECK_EVERY = timedelta(days=1)  # at most one daily call per registration
CLAIM_BATCH = 20  # registrations per claim; a batch of slow answers must fit in the lease
CLAIM_LEASE = timedelta(minutes=15)
LEASE_MARGIN = timedelta(minutes=1)  # don't start a call this close to the lease's end
MAX_ROUNDS = 50
DETAIL_MAX = 200  # codat_checks.detail


def build_client(settings: Settings, clock: Clock) -> CodatClient | None:
    """The Codat client when CODAT_API_KEY is set; None otherwise (nothing is sent to Codat)."""
    api_key = reveal(settings.CODAT_API_KEY)
    if not api_key:
        return None
    return CodatClient(settings.CODAT_API_URL, api_key, clock=clock.now)


def codat_key(deps: Deps, platform_id: str, environment: str) -> tuple[Platform | None, str | None]:
    """The catalogue's platform and the Codat key its registration in `environment` is checked under."""
    try:
        platform = deps.catalogue.get(platform_id)
    except KeyError:  # removed from the catalogue since
        return None, None
    return platform, platform.codat_key_for(environment)


@dataclass(frozen=True)
class Checked:
    """One check: Codat's answer (None when no call was made: Codat asked to wait until
    `not_before`), and what storing it did."""

    target: CheckTarget
    check: IntegrationCheck | None
    recorded: Recorded
    not_before: datetime | None = None

    @property
    def completed(self) -> bool:
        return self.recorded.ticked and self.recorded.registration_status is RegistrationStatus.completed


def result_of(check: IntegrationCheck, now: datetime, actor: str) -> CheckResult:
    """A check's result as stored: when to check again (tomorrow, or after Retry-After if later;
    never again once enabled)."""
    not_before = None
    if check.outcome is IntegrationOutcome.RATE_LIMITED and check.retry_after is not None:
        not_before = now + timedelta(seconds=check.retry_after)
    next_check_at = None if check.enabled else max(now + CHECK_EVERY, not_before or now)
    return CheckResult(
        platform_key=check.platform_key,
        outcome=check.outcome.value,
        enabled=check.enabled,
        checked_at=now,
        checked_by=actor,
        next_check_at=next_check_at,
        not_before=not_before,
        http_status=check.http_status,
        detail=check.detail[:DETAIL_MAX] if check.detail else None,
    )


def check_registration(
    deps: Deps, target: CheckTarget, *, actor: str, surface: Surface, token: str | None = None
) -> Checked:
    """Ask Codat about one registration and store the answer (with the daily job's `token`, only
    while it holds the lease). Never raises for what Codat says; needs `deps.codat`."""
    client = deps.codat
    if client is None:
        raise RuntimeError("Codat is not configured (CODAT_API_KEY)")
    now = deps.clock.now()
    if target.not_before is not None and target.not_before > now:
        return Checked(target, None, Recorded(applied=False), not_before=target.not_before)
    _, key = codat_key(deps, target.platform, target.environment)
    if key is None:  # the catalogue no longer knows the platform or its key: no call
        check = IntegrationCheck(
            target.platform, IntegrationOutcome.UNKNOWN_PLATFORM, detail="no Codat key in the catalogue"
        )
    else:
        check = client.integration_status(key)
    result = result_of(check, now, actor)
    recorded = codat_checks.record(
        deps.db,
        target.team_id,
        target.registration_id,
        result,
        item_key=ENABLED_IN_CODAT,
        surface=surface,
        token=token,
    )
    if recorded.ticked:
        logger.info(
            "Enabled in Codat ticked for registration %s (%s)", target.registration_id, check.platform_key
        )
    return Checked(target, check, recorded, not_before=result.not_before)


# --- on demand: /codat-register verify --------------------------------------------------------------


class Choice(StrEnum):
    """Why `verify <platform> [environment]` has no one registration to check."""

    none = "none"
    ambiguous = "ambiguous"  # in progress (or done) in both environments: say which


def registration_to_verify(
    deps: Deps, team_id: str, platform: Platform, environment: str | None
) -> RegistrationRow | Choice:
    """The registration to check: the one in progress (else the newest) of the platform, in
    `environment` when given; `Choice.none` or `Choice.ambiguous` when there is none or two."""
    rows = [
        row
        for row in Registrations(deps.db, team_id).overview(platform.id)
        if row.status is not RegistrationStatus.cancelled and environment in (None, row.environment)
    ]
    pool = [row for row in rows if row.status is RegistrationStatus.in_progress] or rows
    if not pool:
        return Choice.none
    if len({row.environment for row in pool}) > 1:
        return Choice.ambiguous
    return pool[-1]  # oldest first: the newest


def verify(
    deps: Deps, *, team_id: str, user_id: str, registration_id: str, surface: Surface
) -> Checked | None:
    """An on-demand check (after the ack); None when the registration is gone."""
    target = codat_checks.target(deps.db, team_id, registration_id, item_key=ENABLED_IN_CODAT)
    if target is None:
        return None
    return check_registration(deps, target, actor=user_id, surface=surface)


# --- the daily job ------------------------------------------------------------------------------------


@dataclass
class DailyResult:
    configured: bool = True
    claimed: int = 0
    checked: int = 0  # calls made to Codat
    ticked: int = 0  # items Codat's "enabled" ticked
    not_enabled: int = 0
    failed: int = 0  # key refused, unknown key, rate limited, unreachable
    released: int = 0  # claimed but not checked (stopping, or Codat unavailable): due again
    lost: int = 0  # answers not stored: the lease had run out
    outcomes: list[str] = field(default_factory=list)


def run_daily_checks(deps: Deps) -> DailyResult:
    """Check every registration due today, in claimed batches, until none is left, the process is
    stopping, or Codat is unavailable. Without CODAT_API_KEY: nothing (configured=False)."""
    if deps.codat is None:
        return DailyResult(configured=False)
    result = DailyResult()
    for _ in range(MAX_ROUNDS):
        if deps.stopping.is_set():
            break
        token = uuid.uuid4().hex
        now = deps.clock.now()
        targets = codat_checks.claim_due(
            deps.db, item_key=ENABLED_IN_CODAT, now=now, lease=CLAIM_LEASE, token=token, limit=CLAIM_BATCH
        )
        result.claimed += len(targets)
        if not targets:
            break
        go_on = _check_batch(deps, token, targets, now + CLAIM_LEASE, result)
        if not go_on or len(targets) < CLAIM_BATCH:
            break
    if result.claimed:
        logger.info(
            "Codat daily check: claimed=%d checked=%d ticked=%d not_enabled=%d failed=%d released=%d",
            result.claimed,
            result.checked,
            result.ticked,
            result.not_enabled,
            result.failed,
            result.released,
        )
    return result


def _check_batch(
    deps: Deps, token: str, targets: list[CheckTarget], lease_end: datetime, result: DailyResult
) -> bool:
    """Check one claimed batch; False when the run should stop (the rest was handed back)."""
    for number, target in enumerate(targets):
        rest = [t.registration_id for t in targets[number:]]
        if deps.stopping.is_set() or deps.clock.now() >= lease_end - LEASE_MARGIN:
            codat_checks.release(deps.db, token, rest)
            result.released += len(rest)
            return False
        checked = check_registration(deps, target, actor=SYSTEM_ACTOR, surface=Surface.job, token=token)
        check = checked.check
        if check is None:  # Codat's Retry-After still runs (set by an on-demand check meanwhile)
            codat_checks.release(deps.db, token, rest)
            result.released += len(rest)
            return False
        result.checked += 1
        result.outcomes.append(check.outcome.value)
        if not checked.recorded.applied:
            result.lost += 1
        elif checked.recorded.ticked or check.enabled:
            result.ticked += int(checked.recorded.ticked)
        elif check.outcome is IntegrationOutcome.NOT_ENABLED:
            result.not_enabled += 1
        else:
            result.failed += 1
        later = rest[1:]
        if _codat_unavailable(check):
            # Rate limits are per API key, and no answer for one is no answer for all: the others
            # wait for the next run (and, after a 429, for Codat's Retry-After).
            codat_checks.release(deps.db, token, later, not_before=checked.not_before)
            result.released += len(later)
            return False
    return True


def _codat_unavailable(check: IntegrationCheck) -> bool:
    if check.outcome is IntegrationOutcome.RATE_LIMITED:
        return True
    return check.outcome is IntegrationOutcome.UNREACHABLE and check.http_status is None
