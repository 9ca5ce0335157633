"""Who the bot's admins are (ADMIN_USERS, ADMIN_USERGROUP through usergroups.users.list cached by
the injected clock, else the workspace's admins and owners), and how a person's account is known."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.governance.roles import Account, caller_of
from bot.slack.gateway import USERGROUP_TTL_SECONDS
from simulators.slack.web_api import SlackWebApi
from tests.conftest import TEAM_ID, RunningBot
from tests.governance.conftest import text_of

ALICE, BOB, CAROL, GUS = "U0ALICE", "U0BOB", "U0CAROL", "U0GUS"  # Alice: workspace admin; Gus: guest


def configure(bot: RunningBot, **settings: Any) -> None:
    bot.deps.settings = bot.deps.settings.model_copy(update=settings)


def is_admin(bot: RunningBot, user_id: str) -> bool:
    return caller_of(bot.deps, TEAM_ID, user_id).is_admin


def test_without_settings_the_workspaces_admins_and_owners_are_the_bots(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    slack_api.set_user(CAROL, is_owner=True)
    assert is_admin(bot, ALICE) and is_admin(bot, CAROL)
    assert not is_admin(bot, BOB)


def test_admin_users_replace_the_workspaces_admins(bot: RunningBot) -> None:
    configure(bot, ADMIN_USERS=[BOB])
    assert is_admin(bot, BOB) and not is_admin(bot, ALICE)
    assert "Sorry — you can't see the audit trail" in text_of(bot.events.command("audit", user_id=ALICE))


def test_a_guest_listed_as_admin_stays_a_guest(bot: RunningBot) -> None:
    configure(bot, ADMIN_USERS=[GUS])
    caller = caller_of(bot.deps, TEAM_ID, GUS)
    assert caller.account is Account.guest and not caller.is_admin


def test_the_admin_usergroups_members_are_cached_for_a_few_minutes(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    configure(bot, ADMIN_USERGROUP="S0ADMINS")  # the stand-in's group: Alice
    assert is_admin(bot, ALICE) and not is_admin(bot, CAROL)
    slack_api.workspace.set_usergroup("S0ADMINS", (CAROL,))
    assert not is_admin(bot, CAROL)  # still the cached members
    bot.deps.clock.advance(timedelta(seconds=USERGROUP_TTL_SECONDS + 1))
    assert is_admin(bot, CAROL) and not is_admin(bot, ALICE)
    calls = slack_api.calls_to("usergroups.users.list")
    assert len(calls) == 2 and {c.params["usergroup"] for c in calls} == {"S0ADMINS"}


def test_when_slack_cannot_list_the_group_the_last_members_stand(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    configure(bot, ADMIN_USERGROUP="S0ADMINS", ADMIN_USERS=[BOB])
    slack_api.fail_next("usergroups.users.list", error="missing_scope", status=200, retry_after=None)
    assert not is_admin(bot, ALICE)  # never listed: nobody from the group
    assert is_admin(bot, BOB)  # ADMIN_USERS still count
    assert is_admin(bot, ALICE)  # listed on the next request
    bot.deps.clock.advance(timedelta(seconds=USERGROUP_TTL_SECONDS + 1))
    slack_api.fail_next("usergroups.users.list", error="ratelimited", status=200, retry_after=None)
    assert is_admin(bot, ALICE)


def test_an_unknown_usergroup_makes_nobody_an_admin(bot: RunningBot, slack_api: SlackWebApi) -> None:
    configure(bot, ADMIN_USERGROUP="S0NOSUCH")
    assert not is_admin(bot, ALICE)
    assert slack_api.calls_to("usergroups.users.list")[0].response["error"] == "no_such_subteam"


@pytest.mark.parametrize(
    ("fields", "account"),
    [
        ({}, Account.member),
        ({"is_restricted": True}, Account.guest),
        ({"is_ultra_restricted": True}, Account.guest),
        ({"is_bot": True}, Account.bot),
    ],
)
def test_the_account_comes_from_users_info(
    bot: RunningBot, slack_api: SlackWebApi, fields: dict[str, bool], account: Account
) -> None:
    slack_api.add_user("U0NEW", "new", **fields)
    assert caller_of(bot.deps, TEAM_ID, "U0NEW").account is account


def test_a_first_request_asks_slack_once_and_a_failure_leaves_a_guests_rights(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    # Slack fails before the ack, and again for the refresh after it.
    slack_api.fail_next("users.info", error="fatal_error", status=200, retry_after=None, times=2)
    refused = text_of(bot.events.command("status", user_id=BOB))
    assert "couldn't check your Slack account just now" in refused
    assert "/codat-register info" in text_of(bot.events.command("help", user_id=BOB))  # open to all
    bot.settle()
    slack_api.clear_calls()
    answered = text_of(bot.events.command("status", user_id=BOB))
    assert "No registrations yet" in answered
    assert len(slack_api.calls_to("users.info")) == 1  # asked once before the ack, then cached
    bot.events.command("status", user_id=BOB)
    assert len(slack_api.calls_to("users.info")) == 1
