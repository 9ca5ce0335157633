"""Buttons and commands over HTTP, signed as Slack signs them: Done / Snooze / Open checklist update
the DM in place or open the wizard; `remind`, `snooze` and `done`; polite refusals for others."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot.deps import Deps
from bot.reminders.sweep import run_sweep
from bot.reminders.views import ActionId, actions_block_id
from core.clock import Clock
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from storage.statuses import ItemStatus
from tests.conftest import RunningBot
from tests.reminders.conftest import ALICE, BOB, CAROL, WEDNESDAY_10_UTC, Seed, dm

AN_HOUR_AGO = WEDNESDAY_10_UTC - timedelta(hours=1)


def digest_for(deps: Deps, slack_api: SlackWebApi, user_id: str) -> dict[str, Any]:
    run_sweep(deps)
    messages = slack_api.messages(dm(user_id))
    assert messages, f"no digest for {user_id}"
    return messages[-1]


def click(
    bot: RunningBot, action: ActionId, item_id: int, message: dict[str, Any], *, user_id: str, channel: str
) -> None:
    response = bot.events.block_action(
        action, user_id=user_id, message=message, channel_id=channel, block_id=actions_block_id(item_id)
    )
    assert response.status == 200
    bot.settle()


def updates(slack_api: SlackWebApi) -> list[str]:
    return [json.dumps(call.params, ensure_ascii=False) for call in slack_api.calls_to("chat.update")]


def reply_text(response: Any) -> str:
    assert response.status == 200 and response.body["response_type"] == "ephemeral"
    return json.dumps(response.body, ensure_ascii=False)


# --- buttons ----------------------------------------------------------------------------------
def test_done_button_marks_the_item_done_and_updates_the_dm_in_place(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=BOB)
    done = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    other = seed.item(registration, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)

    click(bot, ActionId.done, done, message, user_id=ALICE, channel=dm(ALICE))

    (update,) = slack_api.calls_to("chat.update")
    assert update.params["channel"] == dm(ALICE) and update.params["ts"] == message["ts"]
    assert "done ✓ by <@U0ALICE>" in updates(slack_api)[0]
    shown = slack_api.messages(dm(ALICE))[-1]["blocks"]
    by_id = {block.get("block_id"): block for block in shown}
    assert by_id[actions_block_id(done)]["type"] == "context"  # its buttons are gone
    assert by_id[actions_block_id(other)]["type"] == "actions"  # the other item keeps them
    item = seed.get(done)
    assert item.status == ItemStatus.done and item.completed_by == ALICE and item.next_reminder_at is None
    assert seed.get(other).status == ItemStatus.todo


def test_snooze_buttons_move_the_next_reminder_and_say_until_when(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    day = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    week = seed.item(registration, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)

    click(bot, ActionId.snooze_day, day, message, user_id=ALICE, channel=dm(ALICE))
    click(bot, ActionId.snooze_week, week, message, user_id=ALICE, channel=dm(ALICE))

    assert all("snoozed until <!date^" in text for text in updates(slack_api))
    assert seed.get(day).snoozed_until == WEDNESDAY_10_UTC + timedelta(days=1)  # Thursday, same time
    assert seed.get(day).next_reminder_at == seed.get(day).snoozed_until
    assert seed.get(week).next_reminder_at == WEDNESDAY_10_UTC + timedelta(days=7)
    assert run_sweep(deps).claimed == 0  # nothing due any more


def test_anyone_but_the_owner_or_creator_gets_a_polite_ephemeral_refusal(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=BOB)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)

    for action in (ActionId.done, ActionId.snooze_week):
        click(bot, action, item, message, user_id=CAROL, channel=dm(ALICE))

    refusals = slack_api.calls_to("chat.postEphemeral")
    assert [call.params["user"] for call in refusals] == [CAROL, CAROL]
    text = json.dumps(refusals[0].params, ensure_ascii=False)
    assert "Sorry — you can't mark steps of the *Xero* · sandbox registration done or snooze them" in text
    assert "Ask the creator, <@U0BOB>, the step's owner, <@U0ALICE>, or an admin." in text
    assert slack_api.calls_to("chat.update") == []
    assert seed.get(item).status == ItemStatus.todo and seed.get(item).snoozed_until is None
    assert seed.audit_actions().count("access.refused") == 2  # each refusal is audited


def test_the_registrations_creator_may_act_on_someone_elses_item(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=BOB)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)
    click(bot, ActionId.done, item, message, user_id=BOB, channel=dm(ALICE))
    assert seed.get(item).status == ItemStatus.done and seed.get(item).completed_by == BOB
    assert "done ✓ by <@U0BOB>" in updates(slack_api)[0]


def test_clicking_an_item_already_done_just_says_so(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)
    click(bot, ActionId.done, item, message, user_id=ALICE, channel=dm(ALICE))
    click(bot, ActionId.snooze_day, item, message, user_id=ALICE, channel=dm(ALICE))
    assert "already done ✓" in updates(slack_api)[1]
    assert seed.get(item).snoozed_until is None


def test_open_checklist_opens_the_wizard_at_the_items_step(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE, step="registration")
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)

    response = bot.events.block_action(
        ActionId.open_checklist,
        user_id=ALICE,
        message=message,
        channel_id=dm(ALICE),
        block_id=actions_block_id(item),
        trigger_id=slack_api.issue_trigger_id(ALICE),
    )
    assert response.status == 200
    bot.settle()

    assert len(slack_api.calls_to("views.open")) == 1 and slack_api.calls_to("views.update")
    modal = slack_api.views_for(ALICE)["current"]
    assert modal is not None and "prerequisites" in modal["private_metadata"]  # the item's step
    assert registration in modal["private_metadata"]


def test_an_unsigned_click_is_refused(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)
    forged = SlackEventsClient(bot.url + "/slack/events", "not-the-signing-secret")
    response = forged.block_action(
        ActionId.done, user_id=ALICE, message=message, channel_id=dm(ALICE), block_id=actions_block_id(item)
    )
    assert response.status == 401
    bot.settle()
    assert seed.get(item).status == ItemStatus.todo


# --- commands -----------------------------------------------------------------------------------
def test_remind_lists_your_open_items_when_you_hear_next_and_how_to_change_it(
    bot: RunningBot, deps: Deps, seed: Seed
) -> None:
    registration = seed.registration(created_by=BOB)
    seed.item(registration, "vault_approved", owner=ALICE, next_at=WEDNESDAY_10_UTC + timedelta(days=1))
    seed.item(registration, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO, due_date=date(2026, 6, 19))
    seed.item(registration, "existing_agreements", owner=BOB, next_at=AN_HOUR_AGO)

    text = reply_text(bot.events.command("remind", user_id=ALICE))

    assert "Get a vault approved" in text and "Contact the relationship owner" in text
    assert "Find existing agreements" not in text  # Bob's
    assert "next reminder <!date^" in text and "due Fri 19 Jun" in text
    assert "Europe/London" in text and "09:00–17:00" in text
    assert "/codat-register snooze <platform> 1d" in text and "/codat-register done <platform> <step>" in text
    assert "`vault_approved`" in text


def test_remind_with_nothing_open(bot: RunningBot, deps: Deps) -> None:
    assert "Nothing is waiting on you" in reply_text(bot.events.command("remind", user_id=CAROL))


def test_snooze_command_pauses_a_platforms_reminders(bot: RunningBot, deps: Deps, seed: Seed) -> None:
    registration = seed.registration(created_by=BOB)
    mine = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    bobs = seed.item(registration, "contact_owner", owner=BOB, next_at=AN_HOUR_AGO)

    text = reply_text(bot.events.command("snooze xero 1w", user_id=ALICE))
    assert "Snoozed 1 open Xero step until <!date^" in text
    assert seed.get(mine).next_reminder_at == WEDNESDAY_10_UTC + timedelta(days=7)
    assert seed.get(bobs).snoozed_until is None  # not Alice's to snooze

    reply_text(bot.events.command("snooze xero until 2026-06-22", user_id=ALICE))
    assert seed.get(mine).snoozed_until == WEDNESDAY_10_UTC.replace(day=22, hour=8)  # 09:00 BST

    assert "can't snooze until `2026-06-01`" in reply_text(
        bot.events.command("snooze xero until 2026-06-01", user_id=ALICE)
    )
    assert "Usage" in reply_text(bot.events.command("snooze xero", user_id=ALICE))
    refused = reply_text(bot.events.command("snooze xero 1d", user_id=CAROL))
    assert "Ask the creator, <@U0BOB>, the step's owner, <@U0ALICE>, or an admin." in refused
    assert "no Sage Intacct registration" in reply_text(
        bot.events.command("snooze intacct 1d", user_id=ALICE)
    )


def test_done_command_marks_a_step_and_refuses_others(bot: RunningBot, deps: Deps, seed: Seed) -> None:
    registration = seed.registration(created_by=BOB)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    seed.item(registration, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO)

    refused = reply_text(bot.events.command("done xero vault_approved", user_id=CAROL))
    assert "the step's owner, <@U0ALICE>" in refused and seed.get(item).status == ItemStatus.todo

    assert "Marked *Get a vault approved* (Xero, sandbox) done ✓" in reply_text(
        bot.events.command("done xero vault", user_id=ALICE)
    )
    assert seed.get(item).status == ItemStatus.done and seed.get(item).next_reminder_at is None
    unknown = reply_text(bot.events.command("done xero vault_approved", user_id=ALICE))
    assert "no open step called `vault_approved`" in unknown and "`contact_owner`" in unknown
    assert "Usage" in reply_text(bot.events.command("done xero", user_id=ALICE))


def test_done_command_asks_which_environment_when_both_have_the_step(
    bot: RunningBot, deps: Deps, seed: Seed, clock: Clock
) -> None:
    sandbox = seed.registration(created_by=ALICE)
    production = seed.registration(created_by=ALICE, environment="production")
    seed.item(sandbox, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    in_production = seed.item(production, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    assert "add `sandbox` or `production`" in reply_text(
        bot.events.command("done xero vault_approved", user_id=ALICE)
    )
    reply_text(bot.events.command("done xero vault_approved production", user_id=ALICE))
    assert seed.get(in_production).status == ItemStatus.done


def test_a_click_whose_work_fails_after_the_ack_tells_the_person_with_a_reference(
    bot: RunningBot, deps: Deps, seed: Seed, slack_api: SlackWebApi, log_output: Any
) -> None:
    from storage.db import Database

    registration = seed.registration(created_by=BOB)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    message = digest_for(deps, slack_api, ALICE)
    healthy = bot.deps.db
    # A database nobody listens on: the Done click's work after the ack really fails.
    bot.deps.db = Database("postgresql+psycopg://postgres@127.0.0.1:9/unreachable", pool_pre_ping=False)
    try:
        click(bot, ActionId.done, item, message, user_id=ALICE, channel=dm(ALICE))
    finally:
        bot.deps.db.dispose()
        bot.deps.db = healthy
    (call,) = slack_api.calls_to("response_url")
    told = json.dumps(call.params, ensure_ascii=False)
    assert "reference `" in told
    ref = told.split("reference `")[1].split("`")[0]
    assert f"ref={ref}" in log_output.getvalue()
    assert seed.get(item).status == ItemStatus.todo  # nothing was half-applied
