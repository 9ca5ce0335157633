"""A direct message to the bot (message.im) gets a short pointer to the commands — at most once an
hour per person, and never for edits, bots or the bot's own posts — over signed Events API requests."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import Clock
from simulators.sandbox.page_api import BOT_EVENTS
from simulators.slack.payloads import DEFAULT_BOT_USER_ID
from simulators.slack.state import dm_channel_id
from simulators.slack.web_api import ApiCall, SlackWebApi
from tests.conftest import RunningBot

ALICE, BOB = "U0ALICE", "U0BOB"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def dm(sender: str, text: str = "hi, how do I register Xero?", **fields: Any) -> dict[str, Any]:
    """A message event as Slack sends it for message.im (a field given as None is left out)."""
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": dm_channel_id(sender),
        "channel_type": "im",
        "user": sender,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def pointers(api: SlackWebApi, user: str) -> list[ApiCall]:
    return [
        call
        for call in api.calls_to("chat.postMessage")
        if call.params.get("channel") == dm_channel_id(user) and call.response.get("ok")
    ]


def deliver(bot: RunningBot, event: dict[str, Any], **kwargs: Any) -> None:
    response = bot.events.event(event, **kwargs)
    assert response.status == 200 and response.body == ""  # events get an empty ack, always
    bot.settle()


@pytest.fixture(autouse=True)
def _dms_open(slack_api: SlackWebApi) -> None:
    for user in (ALICE, BOB):
        slack_api.dm_channel_for(user)


def test_a_dm_gets_a_pointer_to_the_commands(bot: RunningBot, slack_api: SlackWebApi) -> None:
    deliver(bot, dm(ALICE))
    [reply] = pointers(slack_api, ALICE)
    text = str(reply.params.get("text"))
    assert "/codat-register help" in text and "/codat-register start" in text
    assert "reminders keep arriving here" in text


def test_at_most_one_pointer_an_hour_per_person(
    bot: RunningBot, slack_api: SlackWebApi, clock: Clock
) -> None:
    for text in ("hello", "hello?", "anyone there?"):
        deliver(bot, dm(ALICE, text))
    assert len(pointers(slack_api, ALICE)) == 1
    deliver(bot, dm(BOB))  # someone else still gets theirs
    assert len(pointers(slack_api, BOB)) == 1
    clock.advance(timedelta(minutes=59))
    deliver(bot, dm(ALICE, "still there?"))
    assert len(pointers(slack_api, ALICE)) == 1
    clock.advance(timedelta(minutes=2))
    deliver(bot, dm(ALICE, "and now?"))
    assert len(pointers(slack_api, ALICE)) == 2


def test_a_redelivered_event_does_not_answer_twice(bot: RunningBot, slack_api: SlackWebApi) -> None:
    event = dm(ALICE)
    deliver(bot, event, event_id="Ev0SAME")
    deliver(bot, event, event_id="Ev0SAME", retry_num=1)
    assert len(pointers(slack_api, ALICE)) == 1


@pytest.mark.parametrize(
    "event",
    [
        dm(ALICE, subtype="message_changed"),
        dm(ALICE, subtype="file_share"),
        dm(ALICE, bot_id="B0OTHER"),  # another app writing in the DM
        dm(DEFAULT_BOT_USER_ID, bot_id="B0CODAT"),  # this bot's own post, echoed back as an event
        dm(ALICE, channel_type="channel", channel="C0GENERAL"),
        dm(ALICE, user=None, subtype="message_deleted"),
    ],
    ids=["edited", "file share", "another bot", "the bot itself", "not a DM", "deleted"],
)
def test_no_pointer_for_anything_but_a_persons_own_new_message(
    bot: RunningBot, slack_api: SlackWebApi, event: dict[str, Any]
) -> None:
    deliver(bot, event)
    assert not slack_api.calls_to("chat.postMessage")


def test_the_manifest_subscribes_to_dms_and_keeps_the_messages_tab_writable() -> None:
    manifest = MANIFEST.read_text()

    def setting(name: str) -> str:
        found = re.search(rf"^\s*{re.escape(name)}:\s*(\S+)", manifest, re.MULTILINE)
        assert found, name
        return found.group(1)

    assert setting("messages_tab_enabled") == "true"  # reminders arrive there
    assert setting("messages_tab_read_only_enabled") == "false"
    events = re.search(r"bot_events:\n((?:\s+- \S+.*\n)+)", manifest)
    assert events is not None
    subscribed = set(re.findall(r"- (\S+)", events.group(1)))
    assert subscribed == {"app_home_opened", "message.im", "app_uninstalled", "tokens_revoked"}
    assert subscribed == set(BOT_EVENTS)  # the sandbox delivers the same events
    assert re.search(r"^\s+- im:history\b", manifest, re.MULTILINE)  # needed to receive message.im
