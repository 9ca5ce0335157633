"""A modal submission, in one direction: parse the answers (`answers`) → decide (`steps`, `mailbox`)
→ store (the vault, then `save` through storage) → render what comes next (`views`, `step_views`).

Who may: every step's submission asks the policy (bot.wizard.access) before anything is written or
sent to the vault — storing credentials, handing its items to someone else, changing the step — and
the step's save asks again on the rows read under lock (only a change made in between, by another
process, can then refuse after a vault write: that version is stored but not referenced). A refusal
is a small modal pushed over the step, and an audit event.

Runs before the ack. Slack calls (users.info for the mailbox rule, the DM) go through
bot.wizard.slack_calls; the DM runs after the ack, in deps.background. The credentials step's vault
write runs before the ack inside settings.VAULT_DEADLINE_SECONDS, so a failure comes back as a
modal error on the field with nothing saved.

The credentials step's submission (`submit_credentials`) is the one way credentials are stored:
the modal calls it, and so does the secure page (bot.secure_page), with the page's fields as the
step's state — the same policy, fields, limits, vault deadline and messages on either surface.
With SECRET_INTAKE=link the modal has no credential inputs, and a value in its state is not stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.approvals import requests as approval_requests
from bot.approvals import rules as approval_rules
from bot.expiry import annotations as expiry_annotations
from bot.governance import refusals
from bot.governance.policy import Decision, NotAllowed
from bot.governance.roles import Caller, caller_of
from bot.governance.views import refusal_modal
from bot.registrations.checklist import Phase
from bot.secure_page import texts as secure_texts
from bot.wizard import access, answers, credentials, save, steps
from bot.wizard import texts as t
from bot.wizard.ids import BlockId, Metadata, Step, credential_block
from bot.wizard.mailbox import Verdict, check_mailbox
from bot.wizard.runtime import runtime
from bot.wizard.slack_calls import profile, send_dm
from bot.wizard.snapshot import Snapshot, load, mailbox_applies
from bot.wizard.step_views import step_view
from bot.wizard.summary_views import dm_message
from bot.wizard.views import gone_view
from core.logs import in_flight_secrets
from core.settings import SecretIntake
from storage.audit import Surface
from storage.vault.base import StoredSecret, VaultError

if TYPE_CHECKING:
    from bot.deps import Deps

PROFILE_TIMEOUT_SECONDS = 1.0  # users.info at submission; past it the own-email rule is skipped


@dataclass(frozen=True)
class Reply:
    """How to ack a view submission, and what to run after the ack (in deps.background)."""

    ack: dict[str, Any]
    after: Callable[[], None] | None = None


def _errors(errors: Mapping[str, str]) -> Reply:
    return Reply({"response_action": "errors", "errors": dict(errors)})


def _update(view: dict[str, Any], after: Callable[[], None] | None = None) -> Reply:
    return Reply({"response_action": "update", "view": view}, after)


def _next(saved: Snapshot | None) -> Reply:
    return _update(gone_view() if saved is None else step_view(saved, saved.step))


def _refused(deps: Deps, decision: Decision) -> Reply:
    """Nothing saved: say who can, over the step (closing it goes back to what was typed)."""
    refusals.record(deps, decision, Surface.modal)
    return _refusal(decision)


def _refusal(decision: Decision) -> Reply:
    return Reply({"response_action": "push", "view": refusal_modal(decision)})


def _save(
    deps: Deps, snapshot: Snapshot, caller: Caller, *args: Any, **kwargs: Any
) -> Reply | Snapshot | None:
    """save.save_step, asking the policy again on the rows read under lock."""
    try:
        return save.save_step(
            deps, snapshot, caller.user_id, *args, **kwargs, check=access.check_write(caller, snapshot)
        )
    except NotAllowed as refused:  # refused over the rows read under lock: nothing was written
        return _refused(deps, refused.decision)


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
        caller = caller_of(deps, team_id, user_id)
        if meta.step is Step.credentials:
            state = _modal_credentials(deps, snapshot, state)
            result = submit_credentials(deps, snapshot, caller, state, editing=meta.editing, started=started)
            return _credentials_reply(deps, snapshot, result, meta.editing)
        refused = access.refusal_of_submission(caller, snapshot, meta.step, state)
        if refused is not None:
            return _refused(deps, refused)
        if meta.step is Step.prerequisites:
            prerequisites = answers.prerequisite_answers(state)
            outcome = steps.prerequisites_outcome(prerequisites, deps.clock.now().date())
            assignment = prerequisites.assignment
        else:
            registration = answers.registration_answers(state)
            outcome = _registration_outcome(deps, snapshot, user_id, registration)
            assignment = registration.assignment
        if outcome.errors:
            return _errors(outcome.errors)
        saved = _save(deps, snapshot, caller, meta.step, outcome, assignment, meta.editing)
        return saved if isinstance(saved, Reply) else _next(saved)


def _submit_platform(deps: Deps, team_id: str, user_id: str, state: answers.State) -> Reply:
    chosen = answers.platform_answers(state)
    errors = steps.platform_errors(chosen, deps.catalogue)
    if errors or chosen.platform_id is None or chosen.environment is None:
        return _errors(errors)
    platform = deps.catalogue.get(chosen.platform_id)
    registration_id = save.resume_or_create(deps, team_id, user_id, platform, chosen.environment)
    return _next(load(deps, team_id, registration_id, user_id))


def _registration_outcome(
    deps: Deps, snapshot: Snapshot, user_id: str, value: answers.RegistrationAnswers
) -> steps.Outcome:
    saved = snapshot.answers.get("registration", {})
    confirmed = saved.get("mailbox_confirmed") or saved.get("mailbox_warned")
    check = None
    if mailbox_applies(snapshot) and value.mailbox:
        person = profile(deps, snapshot.team_id, user_id, timeout=PROFILE_TIMEOUT_SECONDS)
        required = snapshot.platform.requires_generic_mailbox
        check = check_mailbox(value.mailbox, generic_required=required, profile=person, confirmed=confirmed)
        if check.verdict is Verdict.warned:
            save.note(
                deps, snapshot, user_id, "wizard.mailbox_warned", remember={"mailbox_warned": check.address}
            )
    return steps.registration_outcome(
        value,
        item_keys=snapshot.keys_of(Phase.registration),
        mailbox_required=snapshot.platform.requires_generic_mailbox,
        check=check,
        confirmed=confirmed,
        today=deps.clock.now().date(),
    )


@dataclass(frozen=True)
class CredentialsResult:
    """What a credentials submission came to, whichever surface it was typed on: the registration
    as saved; or errors by input block (nothing stored or saved); or the policy's refusal (already
    recorded; nothing stored). All empty: the registration is gone."""

    saved: Snapshot | None = None
    errors: Mapping[str, str] = field(default_factory=dict)
    refused: Decision | None = None
    stored: tuple[StoredSecret, ...] = ()


def submit_credentials(
    deps: Deps,
    snapshot: Snapshot,
    caller: Caller,
    state: answers.State,
    *,
    editing: bool,
    started: float,
    surface: Surface = Surface.modal,
) -> CredentialsResult:
    """The credentials step's submission, in order: the policy (storing credentials, handing the
    step's items to someone else, changing the step), the catalogue's fields, the vault (within
    VAULT_DEADLINE_SECONDS of `started`, a time.monotonic() instant), then the step's save, asked
    again under lock. `state` is the step's `state.values` (the modal's, or the secure page's form
    in the same shape); `surface` is where it was typed, for the audit trail.

    Call it holding the registration's lock (bot.wizard.runtime), with `snapshot` read under it.
    """
    refused = access.refusal_of_submission(caller, snapshot, Step.credentials, state)
    if refused is not None:
        refusals.record(deps, refused, surface)
        return CredentialsResult(refused=refused)
    platform, user_id = snapshot.platform, caller.user_id
    value = answers.credential_answers(state, tuple(f.key for f in platform.credential_fields))
    outcome = steps.credentials_outcome(
        value,
        platform=platform,
        item_keys=snapshot.keys_of(Phase.credentials),
        stored_fields=snapshot.stored_fields,
        today=deps.clock.now().date(),
    )
    if outcome.errors:
        return CredentialsResult(errors=outcome.errors)
    given = {key: raw for key, raw in value.values.items() if raw.strip()}
    expiry = (platform.credentials_required, value.expires_on if platform.credentials_required else None)
    # Asked again before the vault, over the items the save would change: a stored value stays.
    change = save.step_change(deps, user_id, Step.credentials, outcome, value.assignment, editing, (), expiry)
    write = save.planned_write(snapshot, change)
    if write is not None and snapshot.read is not None:
        refused = access.refusal_of_write(caller, snapshot, snapshot.read, write)
        if refused is not None:
            refusals.record(deps, refused, surface)
            return CredentialsResult(refused=refused)
    stored: list[StoredSecret] = []
    if platform.credentials_required and given:
        with in_flight_secrets.track(*given.values(), *(raw.strip() for raw in given.values())):
            try:
                stored = credentials.store(
                    deps.vault,
                    credentials.payloads_to_store(platform, given),
                    deadline=started + deps.settings.VAULT_DEADLINE_SECONDS,
                    team_id=snapshot.team_id,
                    registration_id=snapshot.registration_id,
                    platform=platform.id,
                    environment=snapshot.environment,
                    actor=user_id,
                    # Four eyes: a production credential is stored disabled, pending approval.
                    pending=approval_rules.needed(deps.settings, snapshot.environment),
                    expires_on=expiry[1],
                )
            except VaultError as error:
                if error.leftover:  # added but not yet disabled: keep disabling it after the answer
                    deps.background.submit(approval_requests.disable_leftover, deps, error.leftover)
                failed = {"fields": sorted(given), "code": error.code}
                save.note(
                    deps, snapshot, user_id, "credentials.store_failed", details=failed, surface=surface
                )
                # On every input that was not saved; Slack's own detail where it helps (not a retry).
                found = {credential_block(key): t.ERROR_VAULT for key in given}
                if not error.retryable:
                    found[credential_block(next(iter(given)))] += f" {error.user_message}"
                return CredentialsResult(errors=found)
    try:
        saved = save.save_step(
            deps,
            snapshot,
            user_id,
            Step.credentials,
            outcome,
            value.assignment,
            editing,
            stored,
            check=access.check_write(caller, snapshot),
            surface=surface,
            expiry=expiry,
        )
    except NotAllowed as refused_under_lock:  # nothing was written (a stored version stays unreferenced)
        refusals.record(deps, refused_under_lock.decision, surface)
        return CredentialsResult(refused=refused_under_lock.decision)
    if saved is not None:  # versions stored pending: ask the approvers, after the answer
        approval_requests.after_save(deps, saved.team_id, saved.registration_id, stored)
        expiry_annotations.after_save(deps, snapshot, saved, stored, user_id)
    return CredentialsResult(saved=saved, stored=tuple(stored))


def _modal_credentials(deps: Deps, snapshot: Snapshot, state: answers.State) -> answers.State:
    """The modal's state as the credentials step reads it: with SECRET_INTAKE=link the modal has no
    credential inputs, so a value there was not typed in this modal (a forged payload): dropped."""
    if deps.settings.secret_intake is not SecretIntake.link:
        return state
    blocks = {credential_block(f.key) for f in snapshot.platform.credential_fields}
    return {block: values for block, values in state.items() if block not in blocks}


def _credentials_reply(deps: Deps, snapshot: Snapshot, result: CredentialsResult, editing: bool) -> Reply:
    """The modal's ack for a credentials submission (and its DM, after the ack)."""
    if result.refused is not None:
        return _refusal(result.refused)
    if result.errors:
        return _errors(_modal_errors(deps, snapshot, result.errors))
    saved = result.saved
    if saved is None:
        return _update(gone_view())
    # The DM confirms the end of the wizard. An edit from the summary comes back to the summary,
    # which shows the new references already: a DM per change would repeat it (and costs the
    # process ~1 ms of CPU per submission, competing with the acks for the GIL).
    user_id = saved.user_id
    dm = None if editing else (lambda: send_dm(deps, saved.team_id, user_id, *dm_message(saved)))
    return _update(step_view(saved, saved.step), dm)


def _modal_errors(deps: Deps, snapshot: Snapshot, errors: Mapping[str, str]) -> dict[str, str]:
    """With SECRET_INTAKE=link a missing credential has no input in the modal to show its error
    under: it says, under the step's first input, to use the secure page."""
    if deps.settings.secret_intake is not SecretIntake.link:
        return dict(errors)
    blocks = {credential_block(f.key) for f in snapshot.platform.credential_fields}
    kept = {block: text for block, text in errors.items() if block not in blocks}
    if len(kept) < len(errors):
        kept.setdefault(BlockId.credential_checks, secure_texts.ERROR_LINK_FIRST)
    return kept
