"""A registration's status follows its items whichever path changes them: the last step done from a
reminder's button or with `done` completes the registration, and `status`, App Home and the reminder
sweep all say so (over signed HTTP, as Slack sends them)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.deps import Deps
from bot.reminders.sweep import run_sweep
from bot.reminders.views import ActionId, actions_block_id
from core.clock import Clock
from simulators.slack.web_api import SlackWebApi
from storage.statuses import ItemStatus, RegistrationStatus
from tests.conftest import RunningBot
from tests.reminders.conftest import ALICE, BOB, DAVE, WEDNESDAY_10_UTC, WEDNESDAY_14_UTC, Seed, dm, posts_to

AN_HOUR_AGO = WEDNESDAY_10_UTC - timedelta(hours=1)


def command(bot: RunningBot, text: str, user_id: str) -> str:
    response = bot.events.command(text, user_id=user_id)
    assert response.status == 200 and response.body["response_type"] == "ephemeral"
    return json.dumps(response.body, ensure_ascii=False)


def home_of(bot: RunningBot, slack_api: SlackWebApi, user_id: str) -> dict[str, str]:
    """The App Home published when `user_id` opens the tab: its sections by their first line."""
    before = len(slack_api.calls_to("views.publish"))
    response = bot.events.event({"type": "app_home_opened", "user": user_id, "tab": "home"})
    assert response.status == 200
    bot.settle()
    call = slack_api.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == user_id
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    texts = [block["text"]["text"] for block in view["blocks"] if block.get("type") == "section"]
    return {text.split("\n")[0]: text for text in texts}


def one_step_left(seed: Seed) -> tuple[str, int]:
    """A Xero sandbox registration Bob started, with one step left: Alice's, due for a reminder."""
    registration = seed.registration(created_by=BOB)
    seed.item(registration, "existing_agreements", owner=BOB, next_at=None, status=ItemStatus.done)
    seed.item(registration, "contact_owner", owner=BOB, next_at=None, status=ItemStatus.not_applicable)
    last = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    return registration, last


def assert_completed_everywhere(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock, registration: str
) -> None:
    assert seed.registration_status(registration) is RegistrationStatus.completed
    assert "registration.completed" in seed.audit_actions()
    status = command(bot, "status", ALICE)
    assert "*Xero* · sandbox · 3/3 done · complete ✓" in status
    assert "complete ✓" in command(bot, "status xero", ALICE)
    home = home_of(bot, slack_api, ALICE)
    assert "Nothing is waiting on you" in home["*Waiting on you*"]
    assert "*Xero* · sandbox · 3/3 done · complete ✓" in home["*This workspace*"]
    assert "Nothing is waiting on you" in command(bot, "remind", ALICE)
    sent = len(slack_api.calls_to("chat.postMessage"))
    for _ in range(3):  # a week of sweeps: nobody hears about it again
        clock.advance(timedelta(days=2))
        assert run_sweep(deps).claimed == 0
    assert len(slack_api.calls_to("chat.postMessage")) == sent


def test_the_last_step_done_by_its_button_completes_the_registration(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration, last = one_step_left(seed)
    assert "next: get a vault approved" in command(bot, "status", ALICE)
    run_sweep(deps)
    (digest,) = slack_api.messages(dm(ALICE))

    response = bot.events.block_action(
        ActionId.done, user_id=ALICE, message=digest, channel_id=dm(ALICE), block_id=actions_block_id(last)
    )
    assert response.status == 200
    bot.settle()

    (update,) = slack_api.calls_to("chat.update")
    assert "done ✓ by <@U0ALICE> · that was the last step: the registration is complete ✓" in json.dumps(
        update.params, ensure_ascii=False
    )
    assert_completed_everywhere(bot, deps, seed, slack_api, clock, registration)


def test_the_last_step_done_by_command_completes_the_registration(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration, _ = one_step_left(seed)
    reply = command(bot, "done xero vault", ALICE)
    assert "Marked *Get a vault approved* (Xero, sandbox) done ✓" in reply
    assert "That was the last open step: the Xero sandbox registration is complete ✓" in reply
    assert_completed_everywhere(bot, deps, seed, slack_api, clock, registration)
    assert "There is no Xero registration in progress" in command(bot, "done xero vault_approved", ALICE)


def test_a_step_done_with_others_open_keeps_the_registration_in_progress(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=BOB)
    seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    seed.item(registration, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO)
    reply = command(bot, "done xero vault", ALICE)
    assert "done ✓" in reply and "complete" not in reply
    assert seed.registration_status(registration) is RegistrationStatus.in_progress
    assert "next: contact the relationship owner" in command(bot, "status", ALICE)
    assert "registration.completed" not in seed.audit_actions()


def test_snoozing_and_reassigning_recompute_the_status_too(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration = seed.registration(created_by=BOB)
    daves = seed.item(registration, "vault_approved", owner=DAVE, next_at=AN_HOUR_AGO)
    before = _updated_at(seed, registration)

    clock.set(WEDNESDAY_14_UTC)  # 10:00 in New York: Bob's working hours
    result = run_sweep(deps)  # Dave left: his step is Bob's now

    assert result.reassigned == 1 and seed.get(daves).owner_user_id == BOB
    moved = _updated_at(seed, registration)
    assert moved > before  # the registration was settled (and touched) with the change
    assert seed.registration_status(registration) is RegistrationStatus.in_progress

    assert "Snoozed 1 open Xero step until" in command(bot, "snooze xero 1w", BOB)
    assert _updated_at(seed, registration) > moved
    assert seed.registration_status(registration) is RegistrationStatus.in_progress
    assert len(posts_to(slack_api, BOB)) == 1


def _updated_at(seed: Seed, registration_id: str) -> Any:
    from storage.team_scope import TeamScope

    with seed.db.session() as session:
        row = TeamScope(session, seed.team_id).registration(registration_id)
        assert row is not None
        return row.updated_at
