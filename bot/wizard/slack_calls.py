"""The Slack calls the wizard makes after an ack; each logs Slack's error code, never a payload."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.wizard import texts as t
from bot.wizard.runtime import runtime

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)


class HashConflict(Exception):
    """views.update was given a stale hash: the view changed since it was rendered."""


def _slack_error(error: SlackApiError) -> tuple[str, list[str]]:
    response = error.response
    metadata = response.get("response_metadata") or {}
    return str(response.get("error") or "unknown"), list(metadata.get("messages") or [])


def open_view(
    deps: Deps, trigger_id: str | None, view: dict[str, Any], *, user_id: str, channel_id: str | None
) -> dict[str, Any] | None:
    """views.open; on failure log Slack's error (never the payload), tell the person, return None."""
    assert deps.client is not None
    try:
        return deps.client.views_open(trigger_id=trigger_id or "", view=view)["view"]
    except SlackApiError as error:
        code, messages = _slack_error(error)
        logger.error("views.open failed: %s %s", code, messages)
        if channel_id:
            text = t.OPEN_FAILED.format(error=code, command=f"{t.COMMAND} start")
            try:
                deps.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
            except SlackApiError as again:
                logger.error("chat.postEphemeral failed: %s", _slack_error(again)[0])
        return None


def update_view(
    deps: Deps, view_id: str, view: dict[str, Any], view_hash: str | None, *, raise_conflict: bool = False
) -> bool:
    """views.update by view id (with the hash when given); logs Slack's error, never the payload."""
    assert deps.client is not None
    try:
        deps.client.views_update(view_id=view_id, view=view, **({"hash": view_hash} if view_hash else {}))
        return True
    except SlackApiError as error:
        code, messages = _slack_error(error)
        if code == "hash_conflict" and raise_conflict:
            raise HashConflict from None
        logger.error("views.update failed: %s %s", code, messages)
        return False


def send_dm(deps: Deps, user_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """conversations.open (once per person: the DM channel does not change) + chat.postMessage.

    Slack errors are logged, not raised.
    """
    assert deps.client is not None
    channels = runtime(deps).dm_channels
    try:
        if user_id not in channels:
            channels[user_id] = deps.client.conversations_open(users=user_id)["channel"]["id"]
        deps.client.chat_postMessage(channel=channels[user_id], text=text, blocks=blocks)
    except SlackApiError as error:
        channels.pop(user_id, None)
        code, messages = _slack_error(error)
        logger.error("confirmation DM to %s failed: %s %s", user_id, code, messages)


def prefetch_profile(deps: Deps, team_id: str, user_id: str) -> None:
    """Fill the profile cache when the wizard opens: the mailbox check at submission is then instant."""
    runtime(deps).profiles.refresh(team_id, user_id)
