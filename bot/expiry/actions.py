"""Rotate now and Snooze, from an expiry reminder. Who may: the policy — Rotate now opens the
credentials step, so it asks `edit_step` (and the step's save asks again about storing); Snooze asks
`done_or_snooze` with the credential's owner as the owner at stake. Run after the ack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.expiry import schedule
from bot.expiry import texts as t
from bot.governance import refusals
from bot.governance.policy import Action, Decision, Target, decide
from bot.governance.roles import caller_of
from bot.reminders.views import when_text
from bot.wizard import access
from bot.wizard.ids import Step
from bot.wizard.opening import open_registration
from bot.wizard.snapshot import load
from storage import credential_expiries as store
from storage.audit import Record, Surface

if TYPE_CHECKING:
    from bot.deps import Deps


@dataclass(frozen=True)
class Answer:
    """What to tell the person who clicked: a text, or the policy's refusal (already recorded)."""

    text: str | None = None
    refused: Decision | None = None


def rotate(deps: Deps, *, team_id: str, user_id: str, trigger_id: str, registration_id: str) -> Answer:
    """Open the registration's credentials step (editing: its Save comes back to the summary)."""
    snapshot = load(deps, team_id, registration_id, user_id)
    if snapshot is None:
        return Answer(str(t.GONE))
    decision = access.may_edit(caller_of(deps, team_id, user_id), snapshot, Step.credentials)
    if not decision.allowed:
        refusals.record(deps, decision, Surface.button)
        return Answer(refused=decision)
    opened = open_registration(
        deps,
        team_id=team_id,
        user_id=user_id,
        trigger_id=trigger_id,
        registration_id=registration_id,
        step=Step.credentials.value,
    )
    return Answer() if opened else Answer(str(t.CANT_OPEN.format(platform=snapshot.platform.id)))


def snooze(deps: Deps, *, team_id: str, user_id: str, registration_id: str) -> Answer:
    """No reminder about this credential for a week (never past its expiry day)."""
    snapshot = load(deps, team_id, registration_id, user_id)
    expiry = store.of_registrations(deps.db, team_id, [registration_id]).get(registration_id)
    if snapshot is None or expiry is None:
        return Answer(str(t.GONE))
    target = Target.of(
        registration_id=registration_id,
        created_by=snapshot.created_by,
        platform=snapshot.platform.id,
        platform_name=snapshot.platform.name,
        environment=snapshot.environment,
        owners=[expiry.owner_user_id],
    )
    decision = decide(caller_of(deps, team_id, user_id), Action.done_or_snooze, target)
    if not decision.allowed:
        refusals.record(deps, decision, Surface.button)
        return Answer(refused=decision)
    # The owner's working hours, as for the reminders themselves (whoever clicked).
    owner = deps.slack.person(team_id, expiry.owner_user_id)
    tz = owner.zone if owner is not None else ZoneInfo("UTC")
    now = deps.clock.now()
    until = schedule.snoozed_until(expiry, now, tz, deps.settings)
    event = Record(
        user_id,
        "credential.expiry_snoozed",
        registration_id,
        registration_id=registration_id,
        platform=snapshot.platform.id,
        environment=snapshot.environment,
        surface=Surface.button,
        details={"until": until.isoformat(), "expires_on": expiry.expires_on.isoformat()},
    )
    if store.snooze(deps.db, team_id, registration_id, until=until, now=now, event=event) is None:
        return Answer(str(t.GONE))
    return Answer(str(t.SNOOZED.format(when=when_text(until, tz))))
