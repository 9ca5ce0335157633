"""The Web API methods the stand-in serves: request params in, Slack-shaped response fields out.

Each method raises `SlackError` for an `{"ok": false, "error": ...}` answer; the HTTP layer
(web_api.py) adds `ok`, checks the token and records the call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from simulators.slack.state import SlackError, SlackWorkspace
from simulators.slack.views import ViewStore

Method = Callable[[dict[str, Any]], dict[str, Any]]
MESSAGE_FIELDS = ("blocks", "attachments", "metadata")


def web_api_methods(
    workspace: SlackWorkspace, views: ViewStore, upload_url: Callable[[str], str] | None = None
) -> dict[str, Method]:
    """Method name ("chat.postMessage") -> handler, over one workspace and its views;
    `upload_url(file_id)` is where files.getUploadURLExternal tells the client to POST the bytes."""
    ws = workspace

    def auth_test(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(params: dict[str, Any]) -> dict[str, Any]:
        channel, message = ws.post_message(
            required(params, "channel"),
            params.get("text"),
            thread_ts=params.get("thread_ts"),
            **message_fields(params),
        )
        return {"channel": channel, "ts": message["ts"], "message": message}

    def chat_post_ephemeral(params: dict[str, Any]) -> dict[str, Any]:
        channel, user = required(params, "channel"), required(params, "user")
        return {"message_ts": ws.post_ephemeral(channel, user, params.get("text"), **message_fields(params))}

    def chat_update(params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = required(params, "channel"), required(params, "ts")
        channel_id, message = ws.update_message(channel, ts, params.get("text"), **message_fields(params))
        return {"channel": channel_id, "ts": ts, "text": message["text"], "message": message}

    def chat_delete(params: dict[str, Any]) -> dict[str, Any]:
        ts = required(params, "ts")
        return {"channel": ws.delete_message(required(params, "channel"), ts), "ts": ts}

    def chat_get_permalink(params: dict[str, Any]) -> dict[str, Any]:
        channel = required(params, "channel")
        return {"channel": channel, "permalink": ws.permalink(channel, required(params, "message_ts"))}

    def conversations_open(params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users and params.get("channel"):
            return {"channel": {"id": ws.resolve_channel(str(params["channel"]))}}
        if len(users) != 1:  # the app's 1:1 DMs are all the bot needs; group DMs are not simulated
            raise SlackError("invalid_arguments", ["[ERROR] users must name exactly one user"])
        if ws.user(users[0])["deleted"]:
            raise SlackError("user_disabled")
        already_open = ws.has_dm(users[0])
        channel: dict[str, Any] = {"id": ws.dm_channel_for(users[0])}
        if str(params.get("return_im")).lower() in ("1", "true"):
            channel |= {"is_im": True, "user": users[0], "created": int(ws.now())}
        return {"no_op": already_open, "already_open": already_open, "channel": channel}

    def users_list(params: dict[str, Any]) -> dict[str, Any]:
        return {"members": ws.users(), "response_metadata": {"next_cursor": ""}}

    def views_update(params: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        view = views.update(
            view_param(params), view_id=view_id, external_id=external_id, hash=params.get("hash")
        )
        return {"view": view}

    def files_get_upload_url(params: dict[str, Any]) -> dict[str, Any]:
        if upload_url is None:
            raise SlackError("not_allowed_token_type")
        try:
            length = int(required(params, "length"))
        except ValueError:
            raise SlackError("invalid_arguments", ["[ERROR] length must be an integer"]) from None
        file_id = ws.start_upload(required(params, "filename"), length)
        return {"upload_url": upload_url(file_id), "file_id": file_id}

    def files_complete_upload(params: dict[str, Any]) -> dict[str, Any]:
        files = decoded(required(params, "files"), "files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty JSON array"])
        channel = params.get("channel_id") or None
        return {"files": ws.complete_upload(files, channel, params.get("initial_comment"))}

    def views_publish(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "view": views.publish(required(params, "user_id"), view_param(params), hash=params.get("hash"))
        }

    return {
        "auth.test": auth_test,
        "chat.postMessage": chat_post_message,
        "chat.postEphemeral": chat_post_ephemeral,
        "chat.update": chat_update,
        "chat.delete": chat_delete,
        "chat.getPermalink": chat_get_permalink,
        "conversations.open": conversations_open,
        "files.getUploadURLExternal": files_get_upload_url,
        "files.completeUploadExternal": files_complete_upload,
        "users.info": lambda p: {
            "user": ws.user(
                required(p, "user"), include_locale=str(p.get("include_locale")).lower() in ("1", "true")
            )
        },
        "users.lookupByEmail": lambda p: {"user": ws.user_by_email(required(p, "email"))},
        "users.list": users_list,
        "usergroups.users.list": lambda p: {"users": ws.usergroup_members(required(p, "usergroup"))},
        "views.open": lambda p: {"view": views.open(trigger_param(p), view_param(p))},
        "views.push": lambda p: {"view": views.push(trigger_param(p), view_param(p))},
        "views.update": views_update,
        "views.publish": views_publish,
    }


def required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise SlackError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
    return str(value)


def decoded(value: Any, name: str) -> Any:
    """Form-encoded clients send blocks and views as JSON strings; JSON clients send them as is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise SlackError("invalid_arguments", [f"[ERROR] {name} is not valid JSON"]) from None


def view_param(params: dict[str, Any]) -> dict[str, Any]:
    return decoded(params.get("view"), "view") or {}


def trigger_param(params: dict[str, Any]) -> str | None:
    return params.get("trigger_id") or params.get("interactivity_pointer")


def message_fields(params: dict[str, Any]) -> dict[str, Any]:
    """blocks / attachments / metadata from a request or a response_url body, decoded."""
    return {k: decoded(params[k], k) for k in MESSAGE_FIELDS if params.get(k) not in (None, "")}
