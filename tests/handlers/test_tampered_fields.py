"""Signed requests whose fields were tampered with (or that Slack never sends): each gets a polite
answer and exactly one WARNING line — no 5xx, no ERROR, no traceback, and none of its values logged.

One row per field: reminder button values, team and user ids, strings where Slack sends objects,
deeply nested private_metadata, an app_home_opened without a user.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.views import ActionId as ReminderAction
from bot.reminders.views import DigestItem, digest_message
from bot.slack import texts as common
from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.views import picker_view
from simulators.slack import payloads
from simulators.slack.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE
from simulators.slack.state import dm_channel_id
from simulators.slack.web_api import SlackWebApi
from tests.conftest import TEAM_ID, RunningBot
from tests.support.log_checks import assert_clean, records

USER = "U0ALICE"
MARKER = "tampered-8d2c"  # in every tampered value that can hold text: it must not reach the logs
Mutate = Callable[[dict[str, Any]], None]


# --- bodies as Slack sends them, then tampered --------------------------------------------------
def _tampered(form: str, mutate: Mutate) -> str:
    payload = json.loads(dict(parse_qsl(form))["payload"])
    mutate(payload)
    return urlencode({"payload": json.dumps(payload)})


def digest_click(bot: RunningBot, mutate: Mutate, action_id: str = ReminderAction.done) -> str:
    """A click on a reminder digest's button in the app's DM."""
    item = DigestItem(item_id=7, title="Vault approved", platform_name="Xero", environment="sandbox")
    message = digest_message([item], next_at=datetime(2026, 6, 11, 9, tzinfo=UTC), tz=ZoneInfo("UTC"))
    message["ts"] = "1700000000.000100"
    form = payloads.block_actions_payload(
        action_id, user_id=USER, team_id=TEAM_ID, message=message, channel_id=dm_channel_id(USER)
    )
    return _tampered(form, mutate)


def wizard_submission(bot: RunningBot, mutate: Mutate) -> str:
    view = {**picker_view(bot.deps.catalogue), "id": "V0PICKER"}
    return _tampered(payloads.view_submission_payload(view, {}, USER, TEAM_ID), mutate)


def platform_pick(bot: RunningBot, mutate: Mutate) -> str:
    view = {**picker_view(bot.deps.catalogue), "id": "V0PICKER"}
    form = payloads.block_actions_payload(
        WizardAction.platform_select, user_id=USER, team_id=TEAM_ID, view=view, selected_option="xero"
    )
    return _tampered(form, mutate)


def command(**fields: str | None) -> str:
    """`/codat-register status` with `fields` replaced (None: left out)."""
    form = payloads.slash_command_body(text="status", user_id=USER, team_id=TEAM_ID)
    body = dict(parse_qsl(form, keep_blank_values=True))
    for key, value in fields.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return urlencode(body)


def _without_team(payload: dict[str, Any]) -> None:
    del payload["team"]
    del payload["user"]["team_id"]


def event(fields: dict[str, Any], envelope: dict[str, Any] | None = None) -> str:
    body = json.loads(payloads.event_callback_body(fields, team_id=TEAM_ID))
    body.update(envelope or {})
    return json.dumps({key: value for key, value in body.items() if value is not None})


# --- what the person gets -----------------------------------------------------------------------
def empty_ack(response: Any, api: SlackWebApi) -> None:
    assert response.body == ""


def refusal_message(response: Any, api: SlackWebApi) -> None:
    assert response.body["response_type"] == "ephemeral"
    assert response.body["text"] == common.REFUSED


def refusal_modal(response: Any, api: SlackWebApi) -> None:
    assert response.body["response_action"] == "push"
    assert common.REFUSED_MODAL_BODY in json.dumps(response.body["view"], ensure_ascii=False)


def gone_modal(response: Any, api: SlackWebApi) -> None:
    assert response.body["response_action"] == "update"
    assert "no longer open" in json.dumps(response.body["view"])


def ephemeral_refusal(response: Any, api: SlackWebApi) -> None:
    empty_ack(response, api)
    posts = api.wait_for("chat.postEphemeral")
    assert posts[0].params["user"] == USER
    assert common.REFUSED in str(posts[0].params.get("text"))


def no_home_published(response: Any, api: SlackWebApi) -> None:
    empty_ack(response, api)
    assert not api.calls_to("views.publish")


@dataclass(frozen=True)
class Case:
    body: Callable[[RunningBot], str]
    answer: Callable[[Any, SlackWebApi], None]
    content_type: str = FORM_CONTENT_TYPE


def _set(path: str, value: Any) -> Mutate:
    """A mutation setting payload[a][b]… (dotted path; integers index lists)."""

    def mutate(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


_DELETE = object()


def click(path: str, value: Any, action_id: str = ReminderAction.done) -> Callable[[RunningBot], str]:
    return lambda bot: digest_click(bot, _set(path, value), action_id)


def submission(path: str, value: Any) -> Callable[[RunningBot], str]:
    return lambda bot: wizard_submission(bot, _set(path, value))


DEEP_METADATA = "[" * 1400 + "]" * 1400  # 2,800 characters: within Slack's 3,000, 1,400 deep
HUGE_METADATA = "[" * 20_000 + "]" * 20_000

CASES: dict[str, Case] = {
    # reminder buttons: the value is the checklist item's id, as the digest wrote it
    "button value abc": Case(click("actions.0.value", "abc"), ephemeral_refusal),
    "button value 1e309": Case(click("actions.0.value", "1e309"), ephemeral_refusal),
    "button value of 40 digits": Case(click("actions.0.value", "9" * 40), ephemeral_refusal),
    "button value a JSON list": Case(click("actions.0.value", [MARKER]), empty_ack),
    "snooze button value abc": Case(
        click("actions.0.value", MARKER, ReminderAction.snooze_day),
        ephemeral_refusal,
    ),
    "button click with no actions": Case(click("actions", []), empty_ack),
    # team and user ids
    "command without team_id": Case(lambda b: command(team_id=None), refusal_message),
    "command with an empty team_id": Case(lambda b: command(team_id=""), refusal_message),
    "command with an empty user_id": Case(lambda b: command(user_id=""), refusal_message),
    "click without any team id": Case(lambda b: digest_click(b, _without_team), empty_ack),
    "event without team_id": Case(
        lambda b: event({"type": "app_home_opened", "user": USER, "tab": "home"}, {"team_id": None}),
        empty_ack,
        JSON_CONTENT_TYPE,
    ),
    # strings where Slack sends objects
    "submission with state a string": Case(submission("view.state", MARKER), refusal_modal),
    "submission with values a string": Case(submission("view.state.values", MARKER), refusal_modal),
    "submission with user a string": Case(submission("user", USER), refusal_modal),
    "submission with team a string": Case(submission("team", TEAM_ID), refusal_modal),
    "submission with view a string": Case(submission("view", MARKER), refusal_modal),
    "submission with selected_option a string": Case(
        submission("view.state.values", {"platform": {"platform_select": {"selected_option": MARKER}}}),
        refusal_modal,
    ),
    "platform pick with selected_option a string": Case(
        lambda b: platform_pick(b, _set("actions.0.selected_option", MARKER)), empty_ack
    ),
    "click with user a string": Case(click("user", USER), empty_ack),
    "click with team a string": Case(click("team", TEAM_ID), empty_ack),
    "event a string": Case(lambda b: event({"type": "x"}, {"event": MARKER}), empty_ack, JSON_CONTENT_TYPE),
    # private_metadata the bot never wrote
    "private_metadata nested 1,400 deep": Case(
        submission("view.private_metadata", DEEP_METADATA), gone_modal
    ),
    "private_metadata nested 20,000 deep": Case(
        submission("view.private_metadata", HUGE_METADATA), refusal_modal
    ),
    "private_metadata not JSON": Case(submission("view.private_metadata", MARKER), gone_modal),
    # events
    "app_home_opened without user": Case(
        lambda b: event({"type": "app_home_opened", "tab": "home"}), no_home_published, JSON_CONTENT_TYPE
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_tampered_field_gets_a_polite_refusal_and_one_warning(
    bot: RunningBot,
    slack_api: SlackWebApi,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    slack_api.dm_channel_for(USER)  # the app's DM exists, as it does for anyone who got a digest
    row = CASES[case]
    response = bot.events.post(row.body(bot), row.content_type)
    bot.settle()
    assert response.status == 200, response
    row.answer(response, slack_api)
    warnings = records(caplog, logging.WARNING)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert warnings[0].name == "codat_register.edge"
    assert "refused" in warnings[0].getMessage()
    assert_clean(caplog, log_output, capsys, never=(MARKER, DEEP_METADATA[:50]))


def test_an_untampered_click_still_works(bot: RunningBot, slack_api: SlackWebApi) -> None:
    """The same digest click with its value intact reaches the reminders (here: the item is gone)."""
    slack_api.dm_channel_for(USER)
    response = bot.events.post(digest_click(bot, lambda p: None))
    bot.settle()
    assert response.status == 200 and response.body == ""
    posts = slack_api.wait_for("chat.postEphemeral")
    assert "no longer exists" in str(posts[0].params.get("text"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (lambda b: json.loads(dict(parse_qsl(click("user", USER)(b)))["payload"]), ""),
        (lambda b: dict(parse_qsl(command(team_id=""), keep_blank_values=True)), common.REFUSED),
    ],
    ids=["click with user a string", "command with an empty team_id"],
)
def test_socket_mode_payloads_are_typed_by_the_middleware(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    body: Callable[[RunningBot], dict[str, Any]],
    expected: str,
) -> None:
    """Socket Mode requests skip handlers.http: the app's first middleware refuses them the same way."""
    from slack_bolt import BoltRequest

    from handlers import build_app

    response = build_app(bot.deps).dispatch(BoltRequest(body=body(bot), mode="socket_mode"))
    assert response.status == 200
    assert (json.loads(response.body)["text"] if response.body else "") == expected
    assert len(records(caplog, logging.WARNING)) == 1
    assert_clean(caplog, log_output, capsys, never=(MARKER,))
