"""A guest (Gus, `is_restricted`) is refused everywhere but help, list and info (and `language`,
which only changes his own preference): every subcommand, every button, every modal submission,
and the App Home shows him the catalogue's commands only. Nothing changes; each refusal is audited."""

from __future__ import annotations

import json

import pytest

from bot.governance.views import REFUSAL_CALLBACK_ID
from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.ids import Step
from bot.wizard.snapshot import load
from bot.wizard.step_views import step_view
from bot.wizard.views import picker_view
from simulators.slack.web_api import SlackWebApi
from tests.conftest import TEAM_ID
from tests.governance.conftest import GUEST, World, dm, text_of

GUEST_LIMIT = "Guests and apps can use `/codat-register help`, `list` and `info` here"


@pytest.mark.parametrize(
    "text",
    ["", "start", "start xero", "status", "status xero", "remind", "snooze xero 1d",
     "done xero vault_approved", "cancel xero sandbox", "audit", "audit xero since 2026-01-01"],
)  # fmt: skip
def test_every_other_subcommand_is_refused(world: World, text: str) -> None:
    before = world.registrations("xero")
    shown = text_of(world.command(text, GUEST))
    assert "Sorry — you can't" in shown and GUEST_LIMIT in shown
    assert [(r.id, r.status) for r in world.registrations("xero")] == [(r.id, r.status) for r in before]
    assert world.api.calls_to("views.open") == []
    assert len(world.refusals(GUEST)) == 1


@pytest.mark.parametrize("text", ["help", "list", "list banking", "info xero", "info qbo", "hlep"])
def test_help_list_and_info_answer(world: World, text: str) -> None:
    shown = text_of(world.command(text, GUEST))
    assert "Sorry — you can't" not in shown and world.refusals() == []


def test_language_changes_only_his_own_preference(world: World) -> None:
    assert "Sorry — you can't" not in text_of(world.command("language fr", GUEST))
    assert world.language_of(GUEST) == "fr" and world.refusals() == []


@pytest.mark.parametrize("action_id", ["reminder_done", "reminder_snooze_1d", "reminder_snooze_1w"])
def test_reminder_buttons_are_refused_in_the_conversation(world: World, action_id: str) -> None:
    item = world.items(world.sandbox_id)["vault_approved"]
    response = world.bot.events.block_action(action_id, str(item.id), user_id=GUEST, channel_id=dm(GUEST))
    assert response.status == 200 and response.body == ""
    world.bot.settle()
    assert GUEST_LIMIT in world.ephemerals(GUEST)
    after = world.items(world.sandbox_id)["vault_approved"]
    assert (after.status, after.snoozed_until, after.next_reminder_at) == (
        item.status,
        item.snoozed_until,
        item.next_reminder_at,
    )
    assert len(world.refusals(GUEST)) == 1


def test_open_checklist_is_refused(world: World) -> None:
    item = world.items(world.sandbox_id)["vault_approved"]
    world.bot.events.block_action(
        "reminder_open_checklist", str(item.id), user_id=GUEST, channel_id=dm(GUEST)
    )
    world.bot.settle()
    assert GUEST_LIMIT in world.ephemerals(GUEST) and world.api.calls_to("views.open") == []


def _pushed(api: SlackWebApi) -> dict[str, object]:
    (push,) = api.calls_to("views.push")
    assert push.response["ok"], push.response
    view = push.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_modal_buttons_are_refused_with_a_small_modal(world: World) -> None:
    picker = picker_view(world.deps.catalogue)
    world.bot.events.block_action(
        WizardAction.platform_select, user_id=GUEST, view=picker, selected_option="xero"
    )
    world.bot.settle()
    assert GUEST_LIMIT in json.dumps(_pushed(world.api)) and world.api.calls_to("views.update") == []
    world.api.clear_calls()
    summary = step_view(load(world.deps, TEAM_ID, world.sandbox_id, GUEST), Step.summary)  # type: ignore[arg-type]
    world.bot.events.block_action(f"{WizardAction.edit_step}_prerequisites", user_id=GUEST, view=summary)
    world.bot.settle()
    pushed = _pushed(world.api)
    assert pushed["callback_id"] == REFUSAL_CALLBACK_ID and world.api.calls_to("views.update") == []
    assert len(world.refusals(GUEST)) == 2


def test_submissions_are_refused_and_nothing_is_saved(world: World) -> None:
    picker = picker_view(world.deps.catalogue)
    response = world.bot.events.submit_view(picker, {"platform": "quickbooks-online"}, user_id=GUEST)
    assert response.body["response_action"] == "push" and GUEST_LIMIT in text_of(response)
    assert world.registrations("quickbooks-online") == []
    for step, inputs in (
        (Step.prerequisites, {"agreements": "no", "vault_status": "approved"}),
        (Step.credentials, {"credential_client_id": "id", "credential_client_secret": "guest-secret"}),
    ):
        response = world.submit_step(world.sandbox_id, step, inputs, GUEST)
        assert response.body["response_action"] == "push" and GUEST_LIMIT in text_of(response)
    assert all(item.status == "todo" for item in world.items(world.sandbox_id).values())
    assert world.refs(world.sandbox_id) == [] and world.secret_payloads() == []
    assert len(world.refusals(GUEST)) == 3


def test_the_app_home_shows_a_guest_the_catalogue_only(world: World) -> None:
    response = world.bot.events.event({"type": "app_home_opened", "user": GUEST, "tab": "home"})
    assert response.status == 200
    world.bot.settle()
    home = json.dumps(world.api.home(GUEST), ensure_ascii=False)
    assert "As a guest you can look up the catalogue" in home
    assert "Xero" not in home  # the workspace's registrations are not shown
