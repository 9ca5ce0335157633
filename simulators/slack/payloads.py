"""Build what Slack sends to the bot: slash commands, interaction payloads, Events API callbacks.

Bodies come back encoded the way Slack sends them (form-encoded `payload=<json>` for
interactions), ready to sign with `signing.sign_request` and post to the bot.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from simulators.slack.state import dm_channel_id, new_trigger_id, random_id
from simulators.slack.views import iter_elements

DEFAULT_TEAM_ID = "T0001"
DEFAULT_TEAM_DOMAIN = "acme"
DEFAULT_APP_ID = "A0CODAT"
DEFAULT_BOT_USER_ID = "U0BOT"
# The legacy verification token Slack still puts in payloads; Bolt checks signatures instead.
VERIFICATION_TOKEN = "verification-token"
# `.invalid` never resolves: a bot that answers a default response_url cannot reach the internet.
PLACEHOLDER_RESPONSE_URL = "https://hooks.slack.invalid/actions/T0001/1/placeholder"

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
_EXTERNAL = {"external_select", "multi_external_select"}
_ONE_PICK = {"users_select": "user", "conversations_select": "conversation", "channels_select": "channel"}
_MANY_PICKS = {
    "multi_users_select": "users",
    "multi_conversations_select": "conversations",
    "multi_channels_select": "channels",
}
_DATES = {"datepicker": "date", "timepicker": "time", "datetimepicker": "date_time"}
STATEFUL_ELEMENTS = (
    _TEXT_INPUTS | _ONE_OPTION | _MANY_OPTIONS | set(_ONE_PICK) | set(_MANY_PICKS) | set(_DATES)
)


class PayloadError(ValueError):
    """The inputs do not fit the view: an unknown block id, or a value that is not an option."""


def username_for(user_id: str) -> str:
    """The simulator's username for a user id: U0ALICE -> alice."""
    return user_id.removeprefix("U0").lower()


def slash_command_body(
    command: str = "/codat-register",
    text: str = "",
    *,
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    response_url: str | None = None,
    channel_name: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """A slash command as Slack posts it (form-encoded); by default typed in the app's DM. In an
    Enterprise Grid organisation it names the organisation (and whether the app is installed
    org-wide) too."""
    channel_id = channel_id or dm_channel_id(user_id)
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": DEFAULT_TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D") else "general"),
        "user_id": user_id,
        "user_name": user_name or username_for(user_id),
        "command": command,
        "text": text,
        "api_app_id": DEFAULT_APP_ID,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url or PLACEHOLDER_RESPONSE_URL,
        "trigger_id": trigger_id or new_trigger_id(time.time()),
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
    return urlencode(fields)


def state_values_for(view: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """`state.values` as Slack builds it for `view`, with `inputs` typed in (keyed by block_id).

    Raw values: a string (text, date, time, user id, option value), a list (checkboxes and multi
    selects), or {action_id: raw} for a block with several elements. Input blocks not in `inputs`
    keep their initial value (or null, as Slack sends); other blocks appear only when given.
    """
    blocks = view.get("blocks") or []
    known = {b.get("block_id") for b in blocks}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise PayloadError(
            f"no block with block_id {unknown} in the view; its blocks: {sorted(filter(None, known))}"
        )
    stateful: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for block, element in iter_elements(blocks):
        if element.get("type") in STATEFUL_ELEMENTS:
            stateful.setdefault(block.get("block_id") or "", []).append((block, element))
    values: dict[str, dict[str, Any]] = {}
    for block_id in inputs:
        if block_id not in stateful:
            raise PayloadError(f"block {block_id!r} has no element that holds a value")
    for block_id, pairs in stateful.items():
        given = block_id in inputs
        if not given and pairs[0][0].get("type") != "input":
            continue
        raws = _raw_by_action(block_id, pairs, inputs[block_id]) if given else {}
        for _block, element in pairs:
            action_id = element.get("action_id")
            if not block_id or not action_id:
                raise PayloadError("an element lacks block_id/action_id: use the view the stand-in returned")
            if given and action_id not in raws and pairs[0][0].get("type") != "input":
                continue
            filled = action_id in raws
            values.setdefault(block_id, {})[action_id] = element_value(
                element, raws.get(action_id), filled=filled
            )
    return values


def _raw_by_action(block_id: str, pairs: list[tuple[dict, dict]], raw: Any) -> dict[str, Any]:
    action_ids = {e.get("action_id") for _, e in pairs}
    if isinstance(raw, dict) and raw and set(raw) <= action_ids:
        return raw
    if len(pairs) > 1:
        raise PayloadError(f"block {block_id!r} has several elements: pass {{action_id: value}}")
    return {str(pairs[0][1].get("action_id")): raw}


def element_value(element: dict[str, Any], raw: Any = None, *, filled: bool = True) -> dict[str, Any]:
    """One element's entry in state.values; unfilled elements keep their initial value, or null."""
    kind = element["type"]
    out: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        value = raw if filled else element.get("initial_value")
        out["value"] = None if value is None else str(value)
    elif kind in _ONE_OPTION:
        if filled:
            out["selected_option"] = None if raw is None else _option(element, raw)
        else:
            out["selected_option"] = element.get("initial_option")
    elif kind in _MANY_OPTIONS:
        chosen = (
            [_option(element, v) for v in _as_list(raw)] if filled else element.get("initial_options", [])
        )
        out["selected_options"] = chosen
    elif kind in _ONE_PICK:
        name = _ONE_PICK[kind]
        out[f"selected_{name}"] = raw if filled else element.get(f"initial_{name}")
    elif kind in _MANY_PICKS:
        name = _MANY_PICKS[kind]
        out[f"selected_{name}"] = _as_list(raw) if filled else element.get(f"initial_{name}", [])
    elif kind in _DATES:
        name = _DATES[kind]
        out[f"selected_{name}"] = raw if filled else element.get(f"initial_{name}")
    else:
        raise PayloadError(f"{kind} elements hold no value")
    return out


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list | tuple | set) else [raw]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The full option object whose value is `value`; built from the value for external selects,
    and when there is no element to look in."""
    if isinstance(value, dict):
        return value
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    options.extend(element.get("initial_options") or [])
    if element.get("initial_option"):
        options.append(element["initial_option"])
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(option)
    if not element or element.get("type") in _EXTERNAL:
        return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}
    choices = sorted({str(o.get("value")) for o in options})
    raise PayloadError(f"{value!r} is not an option of {element.get('action_id')!r}; options: {choices}")


def submitted_view(
    view: dict[str, Any],
    inputs: dict[str, Any] | None,
    *,
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str | None = None,
    hash: str | None = None,
) -> dict[str, Any]:
    """The view as it comes back inside an interaction: ids, hash and metadata kept, state filled.

    `inputs=None` keeps the view's own state (e.g. what the sandbox recorded as typed).
    """
    out = copy.deepcopy(view)
    out["id"] = view_id or view.get("id") or random_id("V")
    out["hash"] = hash or view.get("hash") or f"{int(time.time())}.{secrets.token_hex(4)}"
    out["team_id"] = view.get("team_id") or team_id
    for key, default in (("private_metadata", ""), ("callback_id", ""), ("external_id", "")):
        out.setdefault(key, default)
    out.setdefault("root_view_id", out["id"])
    out.setdefault("previous_view_id", None)
    out.setdefault("app_id", DEFAULT_APP_ID)
    if inputs is None:
        out["state"] = view.get("state") or {"values": state_values_for(view, {})}
    else:
        out["state"] = {"values": state_values_for(view, inputs)}
    return out


def view_submission_payload(
    view: dict[str, Any],
    inputs: dict[str, Any] | None,
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str | None = None,
    hash: str | None = None,
    *,
    trigger_id: str | None = None,
    user_name: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """A view_submission interaction, form-encoded as `payload=<json>`."""
    payload = {
        **_envelope("view_submission", user_id, team_id, user_name, enterprise_id, is_enterprise_install),
        "trigger_id": trigger_id or new_trigger_id(time.time()),
        "view": submitted_view(view, inputs, team_id=team_id, view_id=view_id, hash=hash),
        "response_urls": response_urls or [],
    }
    return _form(payload)


def view_closed_payload(
    view: dict[str, Any],
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    *,
    inputs: dict[str, Any] | None = None,
    is_cleared: bool = False,
    view_id: str | None = None,
    hash: str | None = None,
    user_name: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """A view_closed interaction (sent only for views with notify_on_close), form-encoded."""
    payload = {
        **_envelope("view_closed", user_id, team_id, user_name, enterprise_id, is_enterprise_install),
        "view": submitted_view(view, inputs, team_id=team_id, view_id=view_id, hash=hash),
        "is_cleared": is_cleared,
    }
    return _form(payload)


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    block_id: str | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    channel_id: str | None = None,
    selected_option: str | dict[str, Any] | None = None,
    selected_user: str | None = None,
    selected_date: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    inputs: dict[str, Any] | None = None,
    user_name: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """A block_actions interaction: a click in a message (pass `message` and `channel_id`) or in a
    modal (pass `view`; `inputs` fill its state). The element is looked up by action_id (and
    block_id) in the view or message, which gives the action its type, text and value.
    """
    blocks = (view or message or {}).get("blocks") or []
    found = [(b, e) for b, e in iter_elements(blocks) if e.get("action_id") == action_id]
    found = [(b, e) for b, e in found if block_id is None or b.get("block_id") == block_id]
    if blocks and not found:
        raise PayloadError(
            f"no element with action_id {action_id!r} (block {block_id!r}) in the blocks given"
        )
    block, element = found[0] if found else ({}, {})
    kind = element.get("type") or _guess_type(selected_option, selected_user, selected_date)
    action: dict[str, Any] = {
        "type": kind,
        "action_id": action_id,
        "block_id": block_id or block.get("block_id") or secrets.token_urlsafe(3),
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text") or {"type": "plain_text", "text": action_id, "emoji": True}
        value = value if value is not None else element.get("value")
    if value is not None:
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = _option(element, selected_option)
    if selected_user is not None:
        action["selected_user"] = selected_user
    if selected_date is not None:
        action["selected_date"] = selected_date
    payload: dict[str, Any] = {
        **_envelope("block_actions", user_id, team_id, user_name, enterprise_id, is_enterprise_install),
        "trigger_id": trigger_id or new_trigger_id(time.time()),
        "actions": [action],
    }
    if view is not None:
        shown = submitted_view(view, inputs, team_id=team_id)
        payload |= {"container": container or {"type": "view", "view_id": shown["id"]}, "view": shown}
        return _form(payload)
    channel = channel_id or (container or {}).get("channel_id") or dm_channel_id(user_id)
    payload |= {
        "container": container
        or {
            "type": "message",
            "message_ts": (message or {}).get("ts"),
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else channel},
        "state": {"values": state_values_for(message, inputs) if message and inputs else {}},
        "response_url": response_url or PLACEHOLDER_RESPONSE_URL,
    }
    if message is not None:
        payload["message"] = message
    return _form(payload)


def event_callback_body(
    event: dict[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """An Events API delivery (JSON), e.g. event={"type": "app_home_opened", "user": ..., "tab": "home"}.
    For an org-wide installation, `authorizations` names the organisation and no team, as Slack's."""
    authorization: dict[str, Any] = {
        "enterprise_id": enterprise_id,
        "team_id": None if is_enterprise_install else team_id,
        "user_id": bot_user_id,
        "is_bot": True,
    }
    if is_enterprise_install:
        authorization["is_enterprise_install"] = True
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": DEFAULT_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or random_id("Ev"),
        "event_time": event_time or int(time.time()),
        "authorizations": [authorization],
        "is_ext_shared_channel": False,
    }
    if enterprise_id:
        body["enterprise_id"] = enterprise_id
    return json.dumps(body)


def _guess_type(selected_option: Any, selected_user: Any, selected_date: Any) -> str:
    if selected_option is not None:
        return "static_select"
    if selected_user is not None:
        return "users_select"
    return "datepicker" if selected_date is not None else "button"


def _envelope(
    kind: str,
    user_id: str,
    team_id: str,
    user_name: str | None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> dict[str, Any]:
    name = user_name or username_for(user_id)
    team: dict[str, Any] = {"id": team_id, "domain": DEFAULT_TEAM_DOMAIN}
    if enterprise_id:
        team["enterprise_id"] = enterprise_id
    return {
        "type": kind,
        "team": team,
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "api_app_id": DEFAULT_APP_ID,
        "token": VERIFICATION_TOKEN,
        "is_enterprise_install": is_enterprise_install,
        "enterprise": {"id": enterprise_id} if enterprise_id else None,
    }


def _form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
