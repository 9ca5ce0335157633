"""The registration wizard's orchestration: open or resume, save every step, store credentials, finish.

The only place that writes registrations and checklist items for the wizard. Slack calls
(views.open/update, users.info, the DM) run after the ack, in deps.background — except the
credentials step, whose vault write runs before the ack inside settings.VAULT_DEADLINE_SECONDS, so a
failure comes back as a modal error on the field with nothing saved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.catalogue import Platform
from bot.checklist import Phase, checklist_for
from bot.credentials import CredentialInputError, CredentialPayload, payloads_for
from bot.deps import Deps
from bot.ids import BlockId, Metadata, Step, credential_block
from bot.logging_setup import in_flight_secrets
from bot.reminders.policy import initial_reminder_at
from bot.texts import wizard as t
from bot.views.wizard import Snapshot, default_environment, gone_view, loading_view, picker_view, snapshot_of
from bot.views.wizard_steps import dm_message, mailbox_applies, step_view
from bot.wizard import answers as parse
from bot.wizard import load, open_view, prefetch_profile, runtime, send_dm, update_view, view_at
from bot.wizard.mailbox import Verdict, check_mailbox
from storage.models import ChecklistItem, Registration
from storage.repositories import TeamScope
from storage.vault.base import StoredSecret, VaultError

PROFILE_TIMEOUT_SECONDS = 1.0  # users.info at submission; past it the own-email rule is skipped
MIN_VAULT_SECONDS = 0.05  # don't start a vault write that cannot finish
_STORED_DETAILS = (
    ("fields", "field"),
    ("fingerprints", "fingerprint"),
    ("resources", "resource_name"),
    ("versions", "version"),
    ("created", "created"),
)


@dataclass(frozen=True)
class Reply:
    """How to ack a view submission, and what to run after the ack (in deps.background)."""

    ack: dict[str, Any]
    after: Callable[[], None] | None = None


def _errors(errors: Mapping[str, str]) -> Reply:
    return Reply({"response_action": "errors", "errors": dict(errors)})


def _update(view: dict[str, Any], after: Callable[[], None] | None = None) -> Reply:
    return Reply({"response_action": "update", "view": view}, after)


# --- opening the modal (after the ack) ---------------------------------------------------------------


def open_wizard(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    trigger_id: str | None,
    channel_id: str | None = None,
    platform_id: str | None = None,
    environment: str | None = None,
) -> None:
    """The picker; or, with a platform, "Loading…" at once, then the registration at its saved step."""
    if platform_id is None:
        view = picker_view(deps.catalogue, environment=environment)
        open_view(deps, trigger_id, view, user_id=user_id, channel_id=channel_id)
    else:
        opened = open_view(deps, trigger_id, loading_view(), user_id=user_id, channel_id=channel_id)
        if opened is None:
            return
        platform = deps.catalogue.get(platform_id)
        environment = environment or default_environment(platform)
        snapshot = load(
            deps, team_id, resume_or_create(deps, team_id, user_id, platform, environment), user_id
        )
        view = gone_view() if snapshot is None else step_view(snapshot, snapshot.step)
        update_view(deps, opened["id"], view, opened.get("hash"))
    prefetch_profile(deps, team_id, user_id)


def open_registration(
    deps: Deps, *, team_id: str, user_id: str, trigger_id: str, registration_id: str, step: str | None = None
) -> None:
    """Open the wizard at a saved registration's step (or at an earlier `step`, to edit it).

    Call it after the ack (in deps.background): it opens "Loading…" with the trigger, then updates.
    """
    opened = open_view(deps, trigger_id, loading_view(), user_id=user_id, channel_id=None)
    if opened is None:
        return
    snapshot = load(deps, team_id, registration_id, user_id)
    update_view(deps, opened["id"], view_at(snapshot, step), opened.get("hash"))
    prefetch_profile(deps, team_id, user_id)


# --- view submissions (before the ack) -----------------------------------------------------------------


def submit(deps: Deps, *, team_id: str, user_id: str, view: dict[str, Any]) -> Reply:
    """Validate and save the submitted step: errors keyed by input block, or the next step's view."""
    started = time.monotonic()
    meta = Metadata.load(view.get("private_metadata"))
    state = (view.get("state") or {}).get("values") or {}
    if meta is not None and meta.step is Step.platform:
        return _submit_platform(deps, team_id, user_id, state)
    if meta is None or meta.registration_id is None:
        return _update(gone_view())
    if meta.step is Step.summary:
        return Reply({})
    with runtime(deps).locks.hold(meta.registration_id):
        snapshot = load(deps, team_id, meta.registration_id, user_id)
        if snapshot is None:
            return _update(gone_view())
        if not meta.editing and meta.step.passed(snapshot.step):
            # A double submit or a stale modal: the registration has moved on; show where it is.
            return _update(step_view(snapshot, snapshot.step))
        if meta.step is Step.credentials:
            return _submit_credentials(deps, snapshot, user_id, state, meta.editing, started)
        if meta.step is Step.prerequisites:
            outcome = parse.prerequisites_outcome(parse.prerequisite_answers(state), _today(deps))
        else:
            outcome = _registration_outcome(deps, snapshot, user_id, state)
        if outcome.errors:
            return _errors(outcome.errors)
        saved = save_step(
            deps, snapshot, user_id, meta.step, outcome, parse.assignment(state, meta.step), meta.editing
        )
        return _update(gone_view() if saved is None else step_view(saved, saved.step))


def _today(deps: Deps) -> date:
    return deps.clock.now().date()


def _submit_platform(deps: Deps, team_id: str, user_id: str, state: parse.State) -> Reply:
    chosen = parse.platform_answers(state)
    errors: dict[str, str] = {}
    if not chosen.platform_id:
        errors[BlockId.platform] = t.ERROR_PLATFORM_REQUIRED
    elif chosen.platform_id not in deps.catalogue:
        errors[BlockId.platform] = t.ERROR_PLATFORM_UNKNOWN
    if chosen.environment not in t.ENVIRONMENT_OPTIONS:
        errors[BlockId.environment] = t.ERROR_ENVIRONMENT_REQUIRED
    if errors or chosen.platform_id is None or chosen.environment is None:
        return _errors(errors)
    platform = deps.catalogue.get(chosen.platform_id)
    snapshot = load(
        deps, team_id, resume_or_create(deps, team_id, user_id, platform, chosen.environment), user_id
    )
    return _update(gone_view() if snapshot is None else step_view(snapshot, snapshot.step))


def _registration_outcome(deps: Deps, snapshot: Snapshot, user_id: str, state: parse.State) -> parse.Outcome:
    value = parse.registration_answers(state)
    saved = snapshot.answers.get("registration", {})
    confirmed = saved.get("mailbox_confirmed") or saved.get("mailbox_warned")
    check = None
    if mailbox_applies(snapshot) and value.mailbox:
        profile = runtime(deps).profiles.get(snapshot.team_id, user_id, timeout=PROFILE_TIMEOUT_SECONDS)
        required = snapshot.platform.requires_generic_mailbox
        check = check_mailbox(value.mailbox, generic_required=required, profile=profile, confirmed=confirmed)
        if check.verdict is Verdict.warned:
            _remember_warning(deps, snapshot, user_id, check.address)
    return parse.registration_outcome(
        value,
        item_keys=snapshot.keys_of(Phase.registration),
        mailbox_required=snapshot.platform.requires_generic_mailbox,
        check=check,
        confirmed=confirmed,
        today=_today(deps),
    )


def _submit_credentials(
    deps: Deps, snapshot: Snapshot, user_id: str, state: parse.State, editing: bool, started: float
) -> Reply:
    platform = snapshot.platform
    value = parse.credential_answers(state, tuple(f.key for f in platform.credential_fields))
    keys = snapshot.keys_of(Phase.credentials)
    outcome = parse.credentials_outcome(
        value, platform=platform, item_keys=keys, stored_fields=snapshot.stored_fields, today=_today(deps)
    )
    if outcome.errors:
        return _errors(outcome.errors)
    given = {key: raw for key, raw in value.values.items() if raw.strip()}
    stored: list[StoredSecret] = []
    if platform.credentials_required and given:
        with in_flight_secrets.track(*given.values(), *(raw.strip() for raw in given.values())):
            try:
                stored = _store(deps, snapshot, user_id, _payloads(platform, given), started)
            except VaultError as error:
                failure = {"fields": sorted(given), "code": error.code}
                _audit(deps, snapshot, user_id, "credentials.store_failed", **failure)
                text = t.ERROR_VAULT if error.retryable else f"{t.ERROR_VAULT} {error.user_message}"
                return _errors({credential_block(next(iter(given))): text})
    saved = save_step(deps, snapshot, user_id, Step.credentials, outcome, value.assignment, editing, stored)
    if saved is None:
        return _update(gone_view())
    text, blocks = dm_message(saved)
    return _update(step_view(saved, saved.step), lambda: send_dm(deps, user_id, text, blocks))


def _payloads(platform: Platform, given: dict[str, str]) -> list[CredentialPayload]:
    try:
        return payloads_for(platform, given)
    except CredentialInputError as error:
        if platform.store_as_json or error.unknown:
            raise
        # Stored per field: a field already stored and left empty keeps its stored value.
        return [CredentialPayload(key, raw.strip()) for key, raw in given.items()]


def _store(
    deps: Deps, snapshot: Snapshot, user_id: str, payloads: Sequence[CredentialPayload], started: float
) -> list[StoredSecret]:
    """Every payload within the total deadline, which started when the submission arrived."""
    deadline = started + deps.settings.VAULT_DEADLINE_SECONDS
    target = {
        "team_id": snapshot.team_id,
        "registration_id": snapshot.registration_id,
        "platform": snapshot.platform.id,
        "environment": snapshot.environment,
        "actor": user_id,
    }
    stored = []
    for payload in payloads:
        remaining = deadline - time.monotonic()
        if remaining < MIN_VAULT_SECONDS:
            raise VaultError(t.ERROR_VAULT, code="deadline_exceeded", retryable=True)
        stored.append(deps.vault.store(**target, field=payload.field, value=payload.value, timeout=remaining))
    return stored


# --- the database --------------------------------------------------------------------------------------


def resume_or_create(deps: Deps, team_id: str, user_id: str, platform: Platform, environment: str) -> str:
    """The workspace's registration of this platform and environment: the one in progress, else the
    latest completed one, else a new one with its checklist (a concurrent creation is resumed)."""
    with deps.db.write_session() as session:
        scope = TeamScope(session, team_id)
        existing = _existing(scope, platform.id, environment)
        if existing is None:
            scope.ensure_workspace()
            registration = _new_registration(deps, team_id, platform, environment, user_id)
            try:
                with session.begin_nested():
                    scope.add_registration(registration)
            except IntegrityError:  # someone else created it just now (uq_registrations_active)
                existing = scope.active_registration(platform.id, environment)
                if existing is None:
                    raise
            else:
                scope.audit(user_id, "registration.created", registration.id, **_where(registration))
                return registration.id
        scope.audit(user_id, "wizard.resumed", existing.id, **_where(existing), step=existing.step)
        return existing.id


def _where(registration: Registration) -> dict[str, str]:
    """What every audit event of a registration names (never a value)."""
    return {"platform": registration.platform, "environment": registration.environment}


def _existing(scope: TeamScope, platform_id: str, environment: str) -> Registration | None:
    active = scope.active_registration(platform_id, environment)
    if active is not None:
        return active
    completed = [
        r
        for r in scope.registrations_for_platform(platform_id)
        if r.environment == environment and r.status == "completed"
    ]
    return completed[-1] if completed else None


def _new_registration(
    deps: Deps, team_id: str, platform: Platform, environment: str, user_id: str
) -> Registration:
    first_reminder = initial_reminder_at(deps.clock.now(), None, deps.settings)
    registration = Registration(platform=platform.id, environment=environment, created_by=user_id)
    registration.step, registration.answers = Step.prerequisites.value, {}
    for position, item in enumerate(checklist_for(platform, environment)):
        todo = ChecklistItem(team_id=team_id, item_key=item.key, position=position, status="todo")
        todo.owner_user_id, todo.next_reminder_at = user_id, first_reminder
        registration.items.append(todo)
    return registration


def save_step(
    deps: Deps,
    snapshot: Snapshot,
    user_id: str,
    step: Step,
    outcome: parse.Outcome,
    assignment: parse.Assignment,
    editing: bool,
    stored: Sequence[StoredSecret] = (),
) -> Snapshot | None:
    """One transaction: item statuses, owners and due dates, answers, the step, status, audit."""
    now = deps.clock.now()
    owner = assignment.owner or user_id
    with deps.db.write_session() as session:
        scope = TeamScope(session, snapshot.team_id)
        registration = scope.registration(snapshot.registration_id, for_update=True)
        if registration is None or registration.status == "cancelled":
            return None
        changed = {}
        for item in registration.items:
            if item.item_key in outcome.statuses:
                _set_status(deps, item, outcome.statuses[item.item_key], owner, assignment.due, user_id, now)
                changed[item.item_key] = item.status
        answers = dict(registration.answers or {})
        if outcome.answers:
            answers[step.value] = {**answers.get(step.value, {}), **outcome.answers}
        due = assignment.due.isoformat() if assignment.due else None
        answers["assignments"] = {**answers.get("assignments", {}), step.value: {"owner": owner, "due": due}}
        registration.answers = answers
        if not editing and Step(registration.step).number < step.after().number:
            registration.step = step.after().value
        where = _where(registration)
        saved = {"step": step.value, "items": changed, "editing": editing}
        scope.audit(user_id, "wizard.step_saved", registration.id, **where, **saved)
        if stored:  # references only: field names, fingerprints, resource names, versions
            refs = {name: [getattr(s, attr) for s in stored] for name, attr in _STORED_DETAILS}
            scope.audit(user_id, "credentials.stored", registration.id, **where, **refs)
        if Step(registration.step) is Step.summary:
            _settle_status(scope, registration, user_id, where)
        session.flush()
        return snapshot_of(
            registration,
            scope.secret_refs(registration.id),
            platform=snapshot.platform,
            user_id=user_id,
            vault_backend=deps.vault.backend,
            vault_label=deps.vault.location_label,
            vault_development_only=deps.vault.development_only,
        )


def _set_status(
    deps: Deps, item: ChecklistItem, status: str, owner: str, due: date | None, user_id: str, now: Any
) -> None:
    was = item.status
    item.status = status
    if status == "done" and was != "done":
        item.completed_by, item.completed_at = user_id, now
    elif status != "done":
        item.completed_by = item.completed_at = None
    if status != "todo":
        item.next_reminder_at = None
    elif (
        was != "todo" or (item.owner_user_id, item.due_date) != (owner, due) or item.next_reminder_at is None
    ):
        item.owner_user_id, item.due_date = owner, due
        item.next_reminder_at = initial_reminder_at(now, due, deps.settings)


def _settle_status(scope: TeamScope, registration: Registration, user_id: str, where: dict[str, str]) -> None:
    """Completed when no item is left to do; back in progress if an edit reopened one."""
    open_items = any(item.status == "todo" for item in registration.items)
    if not open_items and registration.status == "in_progress":
        registration.status = "completed"
        scope.audit(user_id, "registration.completed", registration.id, **where)
    elif open_items and registration.status == "completed":
        other = scope.active_registration(registration.platform, registration.environment)
        if other is None:  # the unique index allows one registration in progress
            registration.status = "in_progress"
            scope.audit(user_id, "registration.reopened", registration.id, **where)


def _remember_warning(deps: Deps, snapshot: Snapshot, user_id: str, address: str) -> None:
    """The address warned about: submitting it again confirms it (kept with the answers)."""
    with deps.db.write_session() as session:
        scope = TeamScope(session, snapshot.team_id)
        registration = scope.registration(snapshot.registration_id, for_update=True)
        if registration is None:
            return
        answers = dict(registration.answers or {})
        answers["registration"] = {**answers.get("registration", {}), "mailbox_warned": address}
        registration.answers = answers
        scope.audit(user_id, "wizard.mailbox_warned", registration.id, **_where(registration))


def _audit(deps: Deps, snapshot: Snapshot, user_id: str, action: str, **details: Any) -> None:
    with deps.db.session() as session:
        where = {"platform": snapshot.platform.id, "environment": snapshot.environment}
        TeamScope(session, snapshot.team_id).audit(
            user_id, action, snapshot.registration_id, **where, **details
        )
