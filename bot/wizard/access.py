"""What the wizard asks the policy (bot.governance.policy), and about which items. The rules are
the policy's; this module only says what is at stake:

- opening a step from the summary's Edit buttons: `edit_step` on the step's open items (all of its
  items when none is open);
- submitting a step, before anything is written or sent to the vault: credentials given in step 4
  (`store_sandbox_credentials` / `store_production_credentials`), an owner other than its open
  items' (`reassign_owners`), and changing the step at all (`edit_step`), in that order;
- the step's save: `edit_step` on every item it changes and `reassign_owners` on every item it gives
  another owner, over the rows as read (before the vault) and again under lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.governance.policy import Action, Decision, NotAllowed, Target, credentials_action, decide
from bot.governance.roles import Caller
from bot.wizard import answers
from bot.wizard.ids import Step
from bot.wizard.snapshot import STEP_PHASES, Snapshot
from storage.statuses import ItemStatus
from storage.wizard_rows import StepWrite, WizardRead


def target(snapshot: Snapshot, owners: Iterable[str | None] = ()) -> Target:
    """The registration, and the owners of the items at stake (None: unassigned)."""
    return Target.of(
        registration_id=snapshot.registration_id,
        created_by=snapshot.created_by,
        platform=snapshot.platform.id,
        platform_name=snapshot.platform.name,
        environment=snapshot.environment,
        owners=owners,
    )


def may_edit(caller: Caller, snapshot: Snapshot, step: Step) -> Decision:
    """Whether the person may change `step` at all: its open items' owners, the creator, admins."""
    items = snapshot.items_of(STEP_PHASES[step]) if step in STEP_PHASES else []
    at_stake = [item for item in items if item.status == ItemStatus.todo] or items
    return decide(caller, Action.edit_step, target(snapshot, (item.owner for item in at_stake)))


def refusal_of_submission(
    caller: Caller, snapshot: Snapshot, step: Step, state: answers.State
) -> Decision | None:
    """Before anything of a step's submission is written (or sent to the vault): the first refusal
    of what it asks — storing credentials, handing its open items to someone else, changing the
    step — or None when the policy allows it."""
    decisions = []
    items = snapshot.items_of(STEP_PHASES[step]) if step in STEP_PHASES else []
    open_items = [item for item in items if item.status == ItemStatus.todo]
    if step is Step.credentials and snapshot.platform.credentials_required:
        keys = tuple(field.key for field in snapshot.platform.credential_fields)
        if any(raw.strip() for raw in answers.credential_answers(state, keys).values.values()):
            decisions.append(lambda: may_store(caller, snapshot))
    if step in STEP_PHASES:
        owner = answers.assignment(state, step).owner or caller.user_id
        handed = [item for item in open_items if (item.owner or snapshot.created_by) != owner]
        if handed:
            at_stake = target(snapshot, (item.owner for item in handed))
            decisions.append(lambda: decide(caller, Action.reassign_owners, at_stake))
    decisions.append(lambda: may_edit(caller, snapshot, step))
    for ask in decisions:
        decision = ask()
        if not decision.allowed:
            return decision
    return None


def refusal_of_write(
    caller: Caller, snapshot: Snapshot, read: WizardRead, write: StepWrite
) -> Decision | None:
    """The first refusal among the items `write` changes and those it hands to someone else, over
    the rows as `read`; None when the policy allows all of it."""
    before = {item.id: item for item in read.items}
    changed = [before[item.id] for item in write.items if item.id in before]
    reassigned = [item for item in changed if _owner_after(write, item.id) != item.owner_user_id]
    for action, items in ((Action.edit_step, changed), (Action.reassign_owners, reassigned)):
        if items:
            decision = decide(caller, action, target(snapshot, (item.owner_user_id for item in items)))
            if not decision.allowed:
                return decision
    return None


def check_write(caller: Caller, snapshot: Snapshot) -> Callable[[WizardRead, StepWrite], None]:
    """For bot.wizard.save.save_step: raise NotAllowed when the write over the locked rows is refused."""

    def check(read: WizardRead, write: StepWrite) -> None:
        refused = refusal_of_write(caller, snapshot, read, write)
        if refused is not None:
            raise NotAllowed(refused)

    return check


def may_store(caller: Caller, snapshot: Snapshot) -> Decision:
    """Whether the person may store or replace this registration's credentials (its environment's)."""
    return decide(caller, credentials_action(snapshot.environment), target(snapshot))


def _owner_after(write: StepWrite, item_id: int) -> str | None:
    return next(item.owner_user_id for item in write.items if item.id == item_id)
