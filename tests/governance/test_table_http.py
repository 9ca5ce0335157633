"""The policy's table itself, over signed HTTP: every role × action cell is driven through the real
surface (a command, a button, a modal submission) by the persona holding that role, and checked:
allowed → the change happened and nothing was refused; refused → the polite refusal (naming who
can), an `access.refused` audit event, and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.governance.policy import RULES, Action, Target, allowed, decide
from bot.governance.roles import Account, Caller, Role
from bot.wizard.ids import Step
from simulators.slack.events_client import EventsResponse
from storage.statuses import ItemStatus, RegistrationStatus
from tests.conftest import TEAM_ID
from tests.governance.conftest import CREATOR, MEMBER, OWNER, PERSONAS, World, text_of

PREREQUISITES = {"agreements": "unsure", "vault_status": "pending"}  # every prerequisite stays open
CREDENTIALS = {"credential_client_id": "client-id-1", "credential_client_secret": "client-secret-1"}


@dataclass(frozen=True)
class Drive:
    """One action through its surface: what must exist first (done by whoever may), do it, whether
    it happened, where a refusal shows."""

    act: Callable[[World, str], EventsResponse]
    happened: Callable[[World, str, EventsResponse], bool]
    refusal: Callable[[World, str, EventsResponse], str] = lambda world, user, response: text_of(response)
    prepare: Callable[[World], None] = lambda world: None


def _reply_is_not_refused(world: World, user: str, response: EventsResponse) -> bool:
    return "Sorry — you can't" not in text_of(response) and "I don't know" not in text_of(response)


def _submitted_by_creator(world: World) -> None:
    """A production credential the creator stored, waiting for approval (four eyes)."""
    world.submit_step(world.production_id, Step.credentials, CREDENTIALS, CREATOR)
    (approval,) = world.approvals(world.production_id)
    assert approval.status == "pending" and world.refs(world.production_id) == []


def _approve(world: World, user: str) -> EventsResponse:
    (approval,) = world.approvals(world.production_id)
    return world.click_approval("approval_approve", approval.id, user)


def _approved(world: World, user: str, response: EventsResponse) -> bool:
    (approval,) = world.approvals(world.production_id)
    return approval.status == "approved" and len(world.refs(world.production_id)) == 1


def _prerequisites_owned_by(world: World, owner: str) -> bool:
    keys = ("existing_agreements", "contact_owner", "vault_approved")
    items = world.items(world.sandbox_id)
    return all(items[key].owner_user_id == owner for key in keys)


SURFACES: dict[Action, Drive] = {
    Action.read_catalogue: Drive(
        lambda w, user: w.command("info xero", user),
        lambda w, user, r: "Xero" in text_of(r) and _reply_is_not_refused(w, user, r),
    ),
    Action.choose_language: Drive(
        lambda w, user: w.command("language en", user),
        lambda w, user, r: w.language_of(user) == "en",
    ),
    Action.view_registrations: Drive(
        lambda w, user: w.command("status", user),
        lambda w, user, r: "Registrations in this workspace" in text_of(r),
    ),
    Action.start_registration: Drive(
        lambda w, user: w.command("start qbo sandbox", user),
        lambda w, user, r: (
            any(reg.created_by == user for reg in w.registrations("quickbooks-online"))
            and any(call.params.get("trigger_id") for call in w.api.calls_to("views.open"))
        ),
    ),
    Action.edit_step: Drive(
        lambda w, user: w.submit_step(
            w.sandbox_id, Step.prerequisites, {**PREREQUISITES, "contacted": ["contacted"]}, user
        ),
        lambda w, user, r: w.items(w.sandbox_id)["contact_owner"].status == ItemStatus.done,
    ),
    Action.reassign_owners: Drive(
        lambda w, user: w.submit_step(
            w.sandbox_id, Step.prerequisites, {**PREREQUISITES, "prerequisites_owner": MEMBER}, user
        ),
        lambda w, user, r: _prerequisites_owned_by(w, MEMBER),
    ),
    Action.store_sandbox_credentials: Drive(
        lambda w, user: w.submit_step(w.sandbox_id, Step.credentials, CREDENTIALS, user),
        lambda w, user, r: len(w.refs(w.sandbox_id)) == 1,
    ),
    Action.store_production_credentials: Drive(
        lambda w, user: w.submit_step(w.production_id, Step.credentials, CREDENTIALS, user),
        # Stored, and waiting for another admin's approval (not yet the current credential).
        lambda w, user, r: len(w.approvals(w.production_id)) == 1 and w.refs(w.production_id) == [],
    ),
    Action.done_or_snooze: Drive(
        lambda w, user: w.click_done(w.items(w.sandbox_id)["vault_approved"].id, user),
        lambda w, user, r: w.items(w.sandbox_id)["vault_approved"].status == ItemStatus.done,
        lambda w, user, r: w.ephemerals(user),
    ),
    Action.cancel_registration: Drive(
        lambda w, user: w.command("cancel xero sandbox", user),
        lambda w, user, r: w.registration(w.sandbox_id).status == RegistrationStatus.cancelled,
    ),
    Action.read_audit: Drive(
        lambda w, user: w.command("audit", user),
        _reply_is_not_refused,
    ),
    # The Approve button of the approvers' DM, on a credential the creator submitted.
    Action.approve: Drive(
        _approve,
        _approved,
        lambda w, user, r: w.ephemerals(user),
        prepare=_submitted_by_creator,
    ),
}


# Guests and apps are refused at the edge, before the registration is read: a wizard step's
# submission is "changing a step" there, whatever else it would have done.
EDGE_ACTIONS = {
    Action.reassign_owners: Action.edit_step,
    Action.store_sandbox_credentials: Action.edit_step,
    Action.store_production_credentials: Action.edit_step,
}


def who_can(role: Role, action: Action) -> str:
    """What the refusal must say about who can."""
    if role in (Role.guest, Role.bot):
        return "Guests and apps can use `/codat-register help`, `list` and `info` here"
    if Role.creator in RULES[action]:
        return f"Ask the creator, <@{CREATOR}>"
    return "Only an admin can"


CELLS = [(role, action) for action in SURFACES for role in PERSONAS]


def test_every_action_has_a_surface_to_drive() -> None:
    assert set(SURFACES) == set(Action)


@pytest.mark.parametrize(("role", "action"), CELLS, ids=[f"{action}-{role}" for role, action in CELLS])
def test_the_table_over_signed_http(world: World, role: Role, action: Action) -> None:
    user, drive = PERSONAS[role], SURFACES[action]
    drive.prepare(world)
    before = world.secret_payloads()
    response = drive.act(world, user)
    if allowed(role, action):
        assert drive.happened(world, user, response), f"{role} may {action}, but it did not happen"
        assert world.refusals(user) == []
        return
    assert not drive.happened(world, user, response), f"{role} may not {action}, but it happened"
    shown = drive.refusal(world, user, response)
    assert "Sorry — you can't" in shown and who_can(role, action) in shown
    (event,) = world.refusals(user)
    asked = EDGE_ACTIONS.get(action, action) if role in (Role.guest, Role.bot) else action
    assert event.details["action"] == asked.value and event.team_id == TEAM_ID
    assert world.secret_payloads() == before  # no credential reached the vault either


@pytest.mark.parametrize("role", list(PERSONAS))
def test_approving_follows_the_table_and_never_ones_own_submission(role: Role) -> None:
    accounts = {Role.guest: Account.guest, Role.bot: Account.bot}
    caller = Caller.of(TEAM_ID, PERSONAS[role], accounts.get(role, Account.member), admin=role is Role.admin)
    target = Target.of(
        registration_id="r1", created_by=CREATOR, platform="xero", environment="production", owners=[OWNER]
    )
    assert decide(caller, Action.approve, target).allowed is allowed(role, Action.approve)
    own = Target.of(
        registration_id="r1", created_by=CREATOR, platform="xero", environment="production",
        submitted_by=PERSONAS[role],
    )  # fmt: skip
    assert decide(caller, Action.approve, own).allowed is False
