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
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot import wizard
from bot.catalogue import Platform
from bot.deps import Deps
from bot.registrations.checklist import Phase, checklist_for
from bot.reminders.policy import initial_reminder_at
from bot.wizard import answers as parse
from bot.wizard import texts as t
from bot.wizard.credentials import CredentialPayload
from bot.wizard.ids import BlockId, Metadata, Step, credential_block
from bot.wizard.mailbox import Verdict, check_mailbox
from bot.wizard.step_views import dm_message, mailbox_applies, step_view
from bot.wizard.views import Snapshot, default_environment, gone_view, loading_view, picker_view
from core.logs import in_flight_secrets
from storage.models import ChecklistItem, Registration
from storage.repositories import TeamScope
from storage.vault.base import StoredSecret, VaultError

PROFILE_TIMEOUT_SECONDS = 1.0  # users.info at submission; past it the own-email rule is skipped
MIN_VAULT_SECONDS = 0.05  # don't start a vault write that cannot finish
# Audit details of stored credentials: references only (name in the event, StoredSecret attribute).
_STORED = (("fields", "field"), ("fingerprints", "fingerprint"), ("resources", "resource_name"))
_STORED += (("versions", "version"), ("created", "created"))


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
        wizard.open_view(deps, team_id, trigger_id, view, user_id=user_id, channel_id=channel_id)
    elif opened := wizard.open_view(
        deps, team_id, trigger_id, loading_view(), user_id=user_id, channel_id=channel_id
    ):
        platform = deps.catalogue.get(platform_id)
        environment = environment or default_environment(platform)
        registration_id = resume_or_create(deps, team_id, user_id, platform, environment)
        snapshot = wizard.load(deps, team_id, registration_id, user_id)
        wizard.update_view(deps, team_id, opened["id"], wizard.view_at(snapshot), opened.get("hash"))
    wizard.prefetch_profile(deps, team_id, user_id)


def open_registration(
    deps: Deps, *, team_id: str, user_id: str, trigger_id: str, registration_id: str, step: str | None = None
) -> bool:
    """Open the wizard at a saved registration's step (or at an earlier `step`, to edit it).

    Call it after the ack (in deps.background): it opens "Loading…" with the trigger, then updates.
    False when Slack would not open it (e.g. an expired trigger).
    """
    if opened := wizard.open_view(
        deps, team_id, trigger_id, loading_view(), user_id=user_id, channel_id=None
    ):
        snapshot = wizard.load(deps, team_id, registration_id, user_id)
        wizard.update_view(deps, team_id, opened["id"], wizard.view_at(snapshot, step), opened.get("hash"))
        wizard.prefetch_profile(deps, team_id, user_id)
        return True
    return False


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
    with wizard.runtime(deps).locks.hold(meta.registration_id):
        snapshot = wizard.load(deps, team_id, meta.registration_id, user_id)
        if snapshot is None:
            return _update(gone_view())
        if not meta.editing and meta.step.passed(snapshot.step):
            # A double submit or a stale modal: the registration has moved on; show where it is.
            return _update(step_view(snapshot, snapshot.step))
        if meta.step is Step.credentials:
            return _submit_credentials(deps, snapshot, user_id, state, meta.editing, started)
        if meta.step is Step.prerequisites:
            outcome = parse.prerequisites_outcome(parse.prerequisite_answers(state), deps.clock.now().date())
        else:
            outcome = _registration_outcome(deps, snapshot, user_id, state)
        if outcome.errors:
            return _errors(outcome.errors)
        assignment = parse.assignment(state, meta.step)
        saved = save_step(deps, snapshot, user_id, meta.step, outcome, assignment, meta.editing)
        return _update(gone_view() if saved is None else step_view(saved, saved.step))


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
    registration_id = resume_or_create(deps, team_id, user_id, platform, chosen.environment)
    snapshot = wizard.load(deps, team_id, registration_id, user_id)
    return _update(gone_view() if snapshot is None else step_view(snapshot, snapshot.step))


def _registration_outcome(deps: Deps, snapshot: Snapshot, user_id: str, state: parse.State) -> parse.Outcome:
    value = parse.registration_answers(state)
    saved = snapshot.answers.get("registration", {})
    confirmed = saved.get("mailbox_confirmed") or saved.get("mailbox_warned")
    check = None
    if mailbox_applies(snapshot) and value.mailbox:
        profile = wizard.profile(deps, snapshot.team_id, user_id, timeout=PROFILE_TIMEOUT_SECONDS)
        required = snapshot.platform.requires_generic_mailbox
        check = check_mailbox(value.mailbox, generic_required=required, profile=profile, confirmed=confirmed)
        if check.verdict is Verdict.warned:
            _note(deps, snapshot, user_id, "wizard.mailbox_warned", {"mailbox_warned": check.address})
    return parse.registration_outcome(
        value,
        item_keys=snapshot.keys_of(Phase.registration),
        mailbox_required=snapshot.platform.requires_generic_mailbox,
        check=check,
        confirmed=confirmed,
        today=deps.clock.now().date(),
    )


def _submit_credentials(
    deps: Deps, snapshot: Snapshot, user_id: str, state: parse.State, editing: bool, started: float
) -> Reply:
    platform = snapshot.platform
    value = parse.credential_answers(state, tuple(f.key for f in platform.credential_fields))
    keys = snapshot.keys_of(Phase.credentials)
    outcome = parse.credentials_outcome(
        value,
        platform=platform,
        item_keys=keys,
        stored_fields=snapshot.stored_fields,
        today=deps.clock.now().date(),
    )
    if outcome.errors:
        return _errors(outcome.errors)
    given = {key: raw for key, raw in value.values.items() if raw.strip()}
    stored: list[StoredSecret] = []
    if platform.credentials_required and given:
        with in_flight_secrets.track(*given.values(), *(raw.strip() for raw in given.values())):
            try:
                with wizard.one_writer(deps.db):
                    stored = _store(deps, snapshot, user_id, parse.payloads(platform, given), started)
            except VaultError as error:
                failed = {"fields": sorted(given), "code": error.code}
                _note(deps, snapshot, user_id, "credentials.store_failed", **failed)
                # On every input that was not saved; Slack's own detail where it helps (not a retry).
                found = {credential_block(key): t.ERROR_VAULT for key in given}
                if not error.retryable:
                    found[credential_block(next(iter(given)))] += f" {error.user_message}"
                return _errors(found)
    saved = save_step(deps, snapshot, user_id, Step.credentials, outcome, value.assignment, editing, stored)
    if saved is None:
        return _update(gone_view())
    # The DM confirms the end of the wizard. An edit from the summary comes back to the summary,
    # which shows the new references already: a DM per change would repeat it (and costs the
    # process ~1 ms of CPU per submission, competing with the acks for the GIL).
    dm = None if editing else (lambda: wizard.send_dm(deps, saved.team_id, user_id, *dm_message(saved)))
    return _update(step_view(saved, saved.step), dm)


def _store(
    deps: Deps, snapshot: Snapshot, user_id: str, payloads: Sequence[CredentialPayload], started: float
) -> list[StoredSecret]:
    """Every payload within the total deadline, which started when the submission arrived."""
    deadline = started + deps.settings.VAULT_DEADLINE_SECONDS
    target = {"team_id": snapshot.team_id, "registration_id": snapshot.registration_id, "actor": user_id}
    target |= {"platform": snapshot.platform.id, "environment": snapshot.environment}
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
    with wizard.one_writer(deps.db), deps.db.write_session() as session:
        scope = TeamScope(session, team_id)
        completed = [
            r
            for r in scope.registrations_for_platform(platform.id)
            if r.environment == environment and r.status == "completed"
        ]
        existing = scope.active_registration(platform.id, environment) or (
            completed[-1] if completed else None
        )
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


class _Stale(Exception):
    """A row changed between reading it and saving: save again from a locked read."""


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
    """One transaction: item statuses, owners and due dates, answers, the step, status, audit.

    Saved against the rows the snapshot was read from, each update guarded by the row's updated_at;
    if any changed meanwhile (another process), the transaction is redone from a locked read.
    """
    for attempt in range(2):
        try:
            with wizard.writing(deps.db) as connection:
                rows = snapshot.rows
                if attempt or rows is None:
                    rows = wizard.read_rows(connection, snapshot.team_id, snapshot.registration_id, lock=True)
                return _save(deps, connection, rows, user_id, step, outcome, assignment, editing, stored)
        except _Stale:
            if attempt:
                raise
    return None


def _save(
    deps: Deps,
    connection: Connection,
    rows: tuple[Any, ...],
    user_id: str,
    step: Step,
    outcome: parse.Outcome,
    assignment: parse.Assignment,
    editing: bool,
    stored: Sequence[StoredSecret],
) -> Snapshot | None:
    registration, item_rows, refs = rows
    if registration is None or registration.status == "cancelled":
        return None
    now, owner = deps.clock.now(), assignment.owner or user_id

    def remind(due: date | None) -> datetime:
        return initial_reminder_at(now, due, deps.settings)

    args = (outcome.statuses, owner, assignment.due, user_id, now, remind)
    items = [parse.item_after(row, *args) for row in item_rows]
    changed = [(item, row) for item, row in zip(items, item_rows, strict=True) if item != dict(row._mapping)]
    if changed:
        fields = wizard.ITEM_FIELDS
        params = [
            {"b_id": r.id, "b_seen": r.updated_at, **{f"b_{k}": i[k] for k in fields}} for i, r in changed
        ]
        if connection.execute(wizard.UPDATE_ITEM, params).rowcount != len(changed):
            raise _Stale
    answers = dict(registration.answers or {})
    if outcome.answers:
        answers[step.value] = {**answers.get(step.value, {}), **outcome.answers}
    due = assignment.due.isoformat() if assignment.due else None
    answers["assignments"] = {**answers.get("assignments", {}), step.value: {"owner": owner, "due": due}}
    current = Step.saved(registration.step)
    new_step = step.after() if not editing and current.number < step.after().number else current
    saved = {
        "step": step.value,
        "items": {i["item_key"]: i["status"] for i, _ in changed},
        "editing": editing,
    }
    events: list[tuple[str, dict[str, Any]]] = [("wizard.step_saved", saved)]
    if stored:  # references only: field names, fingerprints, resource names, versions
        events.append(("credentials.stored", {name: [getattr(s, a) for s in stored] for name, a in _STORED}))
    status = registration.status
    if new_step is Step.summary:
        status = parse.settled_status(
            status, items, lambda: wizard.other_in_progress(connection, registration)
        )
        if status != registration.status:
            events.append((f"registration.{'completed' if status == 'completed' else 'reopened'}", {}))
    values = {"b_step": new_step.value, "b_status": status, "b_answers": answers}
    guard = {"b_id": registration.id, "b_seen": registration.updated_at}
    if connection.execute(wizard.UPDATE_REGISTRATION, {**guard, **values}).rowcount != 1:
        raise _Stale
    where = {"platform": registration.platform, "environment": registration.environment}
    audit = {"team_id": registration.team_id, "actor": user_id, "subject": registration.id}
    connection.execute(
        wizard.INSERT_AUDIT, [{**audit, "action": a, "details": {**where, **d}} for a, d in events]
    )
    after = {**registration._mapping, "step": new_step.value, "status": status, "answers": answers}
    if stored:  # the vault's new references replace the ones they superseded
        refs = [ref for ref in refs if ref.field not in {s.field for s in stored}] + list(stored)
    return wizard.snapshot(
        deps, SimpleNamespace(**after), [SimpleNamespace(**i) for i in items], refs, user_id
    )


def _note(
    deps: Deps,
    snapshot: Snapshot,
    user_id: str,
    action: str,
    remember: dict[str, str] | None = None,
    **details: Any,
) -> None:
    """An audit event outside a step save, optionally remembering registration answers with it."""
    with wizard.one_writer(deps.db), deps.db.write_session() as session:
        scope = TeamScope(session, snapshot.team_id)
        registration = scope.registration(snapshot.registration_id, for_update=True)
        if registration is None:
            return
        if remember:  # e.g. the mailbox warned about: submitting it again confirms it
            answers = dict(registration.answers or {})
            answers["registration"] = {**answers.get("registration", {}), **remember}
            registration.answers = answers
        scope.audit(user_id, action, registration.id, **_where(registration), **details)
