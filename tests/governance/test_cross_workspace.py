"""Cross-workspace attempts stay refused: a person of another workspace — an admin of the bot
there, even — who sends this workspace's ids (a registration in a modal's private_metadata, an
item in a button's value, a platform in a command) finds nothing to act on, and nothing changes."""

from __future__ import annotations

import pytest

from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.ids import Step
from bot.wizard.snapshot import load
from bot.wizard.step_views import step_view
from simulators.slack.events_client import SlackEventsClient
from storage.repositories import Registrations
from storage.statuses import ItemStatus, RegistrationStatus
from tests.conftest import SIGNING_SECRET, TEAM_ID
from tests.governance.conftest import CREATOR, World, dm, text_of

OTHER_TEAM = "T0OTHER"
INTRUDER = "U0BOB"  # the same person's id, acting from the other workspace


@pytest.fixture
def other(world: World) -> SlackEventsClient:
    # An admin of the bot in the other workspace too: being one there grants nothing here.
    world.deps.settings = world.deps.settings.model_copy(update={"ADMIN_USERS": [INTRUDER]})
    return SlackEventsClient(
        world.bot.url + "/slack/events", SIGNING_SECRET, web_api=world.api, team_id=OTHER_TEAM
    )


def unchanged(world: World) -> None:
    for registration_id in (world.sandbox_id, world.production_id):
        assert world.registration(registration_id).status == RegistrationStatus.in_progress
        assert all(item.status == ItemStatus.todo for item in world.items(registration_id).values())
        assert world.refs(registration_id) == []
    assert world.secret_payloads() == []


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("cancel xero sandbox", "There is no Xero registration in progress to cancel"),
        ("done xero vault_approved sandbox", "no Xero registration in progress"),
        ("snooze xero 1w", "no Xero registration in progress"),
        ("status", "No registrations yet"),
        ("status xero", "No Xero registration yet"),
    ],
)
def test_commands_see_only_their_own_workspace(
    world: World, other: SlackEventsClient, text: str, answer: str
) -> None:
    response = other.command(text, user_id=INTRUDER)
    world.bot.settle()
    assert answer in text_of(response)
    unchanged(world)


@pytest.mark.parametrize("action_id", ["reminder_done", "reminder_snooze_1w"])
def test_a_button_with_another_workspaces_item_finds_nothing(
    world: World, other: SlackEventsClient, action_id: str
) -> None:
    item = world.items(world.sandbox_id)["vault_approved"]
    other.block_action(action_id, str(item.id), user_id=INTRUDER, channel_id=dm(INTRUDER))
    world.bot.settle()
    assert "That step no longer exists" in world.ephemerals(INTRUDER)
    unchanged(world)


def test_a_modal_with_another_workspaces_registration_finds_nothing(
    world: World, other: SlackEventsClient
) -> None:
    snapshot = load(world.deps, TEAM_ID, world.sandbox_id, CREATOR)
    assert snapshot is not None
    for step, inputs in (
        (Step.prerequisites, {"agreements": "no", "vault_status": "approved", "contacted": ["contacted"]}),
        (Step.credentials, {"credential_client_id": "id", "credential_client_secret": "intruder-secret"}),
    ):
        response = other.submit_view(step_view(snapshot, step, editing=True), inputs, user_id=INTRUDER)
        assert response.body["response_action"] == "update"
        assert "it belongs to another workspace" in text_of(response)  # the wizard's closed view
    summary = step_view(snapshot, Step.summary)
    other.block_action(f"{WizardAction.edit_step}_credentials", user_id=INTRUDER, view=summary)
    world.bot.settle()
    (shown,) = world.api.calls_to("views.update")  # the closed view, not the step
    assert "it belongs to another workspace" in str(shown.params["view"])
    unchanged(world)


def test_the_other_workspace_cannot_see_this_ones_rows_in_storage(world: World) -> None:
    assert Registrations(world.deps.db, OTHER_TEAM).overview() == []
    assert (
        Registrations(world.deps.db, OTHER_TEAM).item(world.items(world.sandbox_id)["vault_approved"].id)
        is None
    )
