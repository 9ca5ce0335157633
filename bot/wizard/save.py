"""Saving: what a validated step changes in a registration (pure), written through storage.wizard_rows;
also the registration to resume or create, and the audit events outside a step's save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.approvals.rules import PRODUCTION, ApprovalRules
from bot.approvals.submissions import REQUESTED, Submission, submission_of
from bot.catalogue import Platform
from bot.registrations.checklist import checklist_for
from bot.reminders.policy import initial_reminder_at
from bot.wizard.answers import Assignment
from bot.wizard.ids import Step
from bot.wizard.snapshot import Snapshot, from_read
from bot.wizard.steps import Outcome
from storage.audit import Surface
from storage.statuses import ItemStatus, RegistrationStatus, derive_registration_status
from storage.vault.base import StoredSecret
from storage.wizard_rows import (
    AuditEntry,
    ExpiryReset,
    NewRegistration,
    StepWrite,
    WizardItem,
    WizardRead,
    WizardRef,
    WizardRows,
)

if TYPE_CHECKING:
    from bot.deps import Deps

NO_APPROVALS = ApprovalRules(required=0, expiry=timedelta(days=7))
# Audit details of stored credentials: references only (name in the event, StoredSecret attribute).
_STORED = (
    ("fields", "field"),
    ("fingerprints", "fingerprint"),
    ("resources", "resource_name"),
    ("versions", "version"),
    ("created", "created"),
)


@dataclass(frozen=True)
class StepChange:
    """A validated step to save: its outcome, the owner and due date of its open items, by whom."""

    step: Step
    outcome: Outcome
    owner: str
    due: date | None
    user_id: str
    editing: bool  # a finished step edited from the summary: the registration stays where it is
    now: datetime
    remind: Callable[[date | None], datetime]  # the first reminder of an item due then
    stored: Sequence[StoredSecret] = ()
    # Four eyes (bot.approvals): what versions stored pending wait for.
    approvals: ApprovalRules = NO_APPROVALS
    # The credentials step asks when the secret expires: the date given (None: left empty).
    expiry_asked: bool = False
    expires_on: date | None = None


def item_after(item: WizardItem, change: StepChange) -> WizardItem:
    """An item after the step: "done" stamps who and when; an open item gets the step's owner and
    due date and a first reminder (kept when nothing about it changed)."""
    status = change.outcome.statuses.get(item.item_key)
    if status is None:
        return item
    completed_by, completed_at = item.completed_by, item.completed_at
    if status != ItemStatus.done:
        completed_by = completed_at = None
    elif item.status != ItemStatus.done:
        completed_by, completed_at = change.user_id, change.now
    owner, due, next_reminder_at = item.owner_user_id, item.due_date, item.next_reminder_at
    if status != ItemStatus.todo:
        next_reminder_at = None
    elif item.status != ItemStatus.todo or (owner, due) != (change.owner, change.due) or not next_reminder_at:
        owner, due, next_reminder_at = change.owner, change.due, change.remind(change.due)
    return replace(
        item,
        status=status,
        owner_user_id=owner,
        due_date=due,
        next_reminder_at=next_reminder_at,
        completed_by=completed_by,
        completed_at=completed_at,
    )


def step_write(
    read: WizardRead, change: StepChange, another_in_progress: Callable[[], bool]
) -> StepWrite | None:
    """What the step writes over the rows as read: nothing for a cancelled registration."""
    registration = read.registration
    if registration.status == RegistrationStatus.cancelled:
        return None
    step = change.step
    items = [item_after(item, change) for item in read.items]
    changed = tuple(new for new, old in zip(items, read.items, strict=True) if new != old)
    answers = dict(registration.answers)
    if change.outcome.answers:
        answers[step.value] = {**answers.get(step.value, {}), **change.outcome.answers}
    due = change.due.isoformat() if change.due else None
    answers["assignments"] = {
        **answers.get("assignments", {}),
        step.value: {"owner": change.owner, "due": due},
    }
    current = Step.saved(registration.step)
    new_step = step.after() if not change.editing and current.number < step.after().number else current
    saved = {
        "step": step.value,
        "items": {i.item_key: i.status.value for i in changed},
        "editing": change.editing,
    }
    events = [AuditEntry("wizard.step_saved", saved)]
    owners = {
        new.item_key: {"from": old.owner_user_id, "to": new.owner_user_id}
        for new, old in zip(items, read.items, strict=True)
        if new.owner_user_id != old.owner_user_id
    }
    if owners:  # who owns which item now: Slack user ids
        events.append(AuditEntry("checklist.owner_changed", {"step": step.value, "owners": owners}))
    stored_current = [s for s in change.stored if not s.pending]
    if stored_current:  # references only: field names, fingerprints, resource names, versions
        refs = {name: [getattr(s, attribute) for s in stored_current] for name, attribute in _STORED}
        events.append(AuditEntry("credentials.stored", refs))
    # Versions stored pending wait for another admin (bot.approvals); a newer value replaces a
    # field's earlier pending one.
    submission = (
        submission_of(
            change.stored,
            submitted_by=change.user_id,
            now=change.now,
            rules=change.approvals,
            expires_on=change.expires_on,
            expiry_owner=change.owner,
        )
        if registration.environment == PRODUCTION  # only production credentials ever wait
        else Submission()
    )
    expiry = expiry_reset(read, change)
    if expiry is not None:
        on = expiry.expires_on.isoformat() if expiry.expires_on else None
        events.append(AuditEntry("credential.expiry_set", {"expires_on": on, "owner": expiry.owner}))
    if submission.requested is not None:
        events.append(AuditEntry(REQUESTED, submission.requested))
    statuses = [item.status for item in items]
    # Asked only when an item reopened a completed registration (the unique index allows one in progress).
    reopening = registration.status == RegistrationStatus.completed and ItemStatus.todo in statuses
    status = derive_registration_status(
        registration.status,
        statuses,
        reached_summary=new_step is Step.summary,
        another_in_progress=reopening and another_in_progress(),
    )
    if status != registration.status:
        completed = status == RegistrationStatus.completed
        events.append(AuditEntry(f"registration.{'completed' if completed else 'reopened'}"))
    return StepWrite(
        changed,
        new_step.value,
        status,
        answers,
        tuple(events),
        approvals=submission.approvals,
        replaced_fields=submission.replaced_fields,
        expiry=expiry,
    )


def expiry_reset(read: WizardRead, change: StepChange) -> ExpiryReset | None:
    """The current credential's expiry from this step on: reset by a new current version (its
    reminders start over), or by a new date or owner for the credential already stored. A version
    waiting for approval carries its date until approved (storage.approvals)."""
    if not change.expiry_asked:
        return None
    reset = ExpiryReset(change.expires_on, change.owner, change.now)
    known = read.expiry
    if known is None and change.expires_on is None:
        return None  # no date before, none now: nothing to start over
    if any(s.created and not s.pending for s in change.stored):
        return reset
    if any(s.created and s.pending for s in change.stored) or not read.refs:
        return None
    if known is None:
        return reset
    return None if (known.expires_on, known.owner_user_id) == (change.expires_on, change.owner) else reset


def step_change(
    deps: Deps,
    user_id: str,
    step: Step,
    outcome: Outcome,
    assignment: Assignment,
    editing: bool,
    stored: Sequence[StoredSecret] = (),
    expiry: tuple[bool, date | None] = (False, None),
) -> StepChange:
    """A validated step, as its save applies it (the owner defaults to whoever submits it).
    `expiry`: whether the step asked when the credential expires, and the date given."""
    now = deps.clock.now()

    def remind(due: date | None) -> datetime:
        return initial_reminder_at(now, due, deps.settings)

    return StepChange(
        step=step,
        outcome=outcome,
        owner=assignment.owner or user_id,
        due=assignment.due,
        user_id=user_id,
        editing=editing,
        now=now,
        remind=remind,
        stored=tuple(stored),
        approvals=ApprovalRules.of(deps.settings),
        expiry_asked=expiry[0],
        expires_on=expiry[1],
    )


def planned_write(snapshot: Snapshot, change: StepChange) -> StepWrite | None:
    """What the step would write over the rows the snapshot was read from (for asking the policy
    before anything irreversible, such as a vault write)."""
    return None if snapshot.read is None else step_write(snapshot.read, change, lambda: False)


def save_step(
    deps: Deps,
    snapshot: Snapshot,
    user_id: str,
    step: Step,
    outcome: Outcome,
    assignment: Assignment,
    editing: bool,
    stored: Sequence[StoredSecret] = (),
    *,
    check: Callable[[WizardRead, StepWrite], None] | None = None,
    surface: Surface = Surface.modal,
    expiry: tuple[bool, date | None] = (False, None),
) -> Snapshot | None:
    """One transaction: item statuses, owners and due dates, answers, the step, status, audit.

    Saved against the rows the snapshot was read from; storage redoes it from a locked read if any
    changed meanwhile (another process). None when the registration is gone or cancelled.
    `check(read, write)` asks the policy about the write over the rows as read under lock; it
    raises bot.governance.policy.NotAllowed to write nothing. `surface`: where it was typed (the
    modal, or the secure page for credentials).
    """
    change = step_change(deps, user_id, step, outcome, assignment, editing, stored, expiry)

    def plan(read: WizardRead, another_in_progress: Callable[[], bool]) -> StepWrite | None:
        write = step_write(read, change, another_in_progress)
        if write is not None and check is not None:
            check(read, write)
        return write

    saved = WizardRows(deps.db).save_step(
        snapshot.team_id,
        snapshot.registration_id,
        user_id,
        plan,
        read=snapshot.read,
        surface=surface,
    )
    if saved is None:
        return None
    if stored:  # the vault's new references replace the ones they superseded (pending ones do not)
        new = {
            s.field: WizardRef(s.field, s.fingerprint, s.resource_name, s.version, s.backend)
            for s in stored
            if not s.pending
        }
        saved = replace(saved, refs=(*(r for r in saved.refs if r.field not in new), *new.values()))
    return from_read(deps, saved, user_id)


def resume_or_create(
    deps: Deps,
    team_id: str,
    user_id: str,
    platform: Platform,
    environment: str,
    surface: Surface = Surface.modal,
) -> str:
    """The workspace's registration of this platform and environment: the one in progress, else the
    latest completed one, else a new one with its checklist (a concurrent creation is resumed);
    `surface` is where it was asked for (the picker's modal, or `start <platform>`)."""
    new = NewRegistration(
        platform=platform.id,
        environment=environment,
        step=Step.prerequisites.value,
        item_keys=tuple(item.key for item in checklist_for(platform, environment)),
        created_by=user_id,
        first_reminder_at=initial_reminder_at(deps.clock.now(), None, deps.settings),
    )
    return WizardRows(deps.db).resume_or_create(team_id, new, surface=surface)


def note(
    deps: Deps,
    snapshot: Snapshot,
    user_id: str,
    action: str,
    *,
    remember: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
    surface: Surface = Surface.modal,
) -> None:
    """An audit event outside a step's save; `remember` goes into the registration step's answers
    with it (e.g. the mailbox warned about: submitting it again confirms it). `surface`: where the
    submission being checked came from (the modal; the secure page for credentials)."""
    answers = {Step.registration.value: remember} if remember else None
    WizardRows(deps.db).note(
        snapshot.team_id,
        snapshot.registration_id,
        user_id,
        action,
        answers=answers,
        details=details,
        surface=surface,  # the notes are made while a step's submission is checked
    )
