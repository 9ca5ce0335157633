"""The wizard's Slack calls after an ack, through the gateway: each failure is logged by the gateway
(Slack's error code, never a payload) and, where the person would otherwise wait in vain, told."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from bot.slack.gateway import HashConflict, SlackCallError
from bot.wizard import texts as t
from bot.wizard.mailbox import Profile

if TYPE_CHECKING:
    from bot.deps import Deps

__all__ = ["HashConflict", "open_view", "prefetch_profile", "profile", "push_view", "send_dm", "update_view"]

PROFILE_PREFETCH_TIMEOUT_SECONDS = 5.0


def open_view(
    deps: Deps,
    team_id: str,
    trigger_id: str | None,
    view: dict[str, Any],
    *,
    user_id: str,
    channel_id: str | None,
) -> dict[str, Any] | None:
    """views.open; on failure tell the person (ephemeral, when there is a channel) and return None."""
    try:
        return deps.slack.open_view(team_id, trigger_id or "", view)
    except SlackCallError as error:
        if channel_id:
            text = t.OPEN_FAILED.format(error=error.code, command=f"{t.COMMAND} start")
            with suppress(SlackCallError):  # logged by the gateway; nothing else to tell them through
                deps.slack.post_ephemeral(team_id, channel_id, user_id, text)
        return None


def update_view(
    deps: Deps,
    team_id: str,
    view_id: str,
    view: dict[str, Any],
    view_hash: str | None,
    *,
    raise_conflict: bool = False,
) -> bool:
    """views.update by view id (with the hash when given); False when Slack refused it."""
    try:
        deps.slack.update_view(team_id, view_id, view, view_hash)
        return True
    except HashConflict:
        if raise_conflict:
            raise
        return False
    except SlackCallError:
        return False


def push_view(deps: Deps, team_id: str, trigger_id: str | None, view: dict[str, Any]) -> bool:
    """views.push over the open modal; False when Slack refused it (logged by the gateway)."""
    if not trigger_id:
        return False
    try:
        deps.slack.push_view(team_id, trigger_id, view)
        return True
    except SlackCallError:
        return False


def send_dm(deps: Deps, team_id: str, user_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """A DM to the person; a failure is logged by the gateway, not raised."""
    with suppress(SlackCallError):
        deps.slack.dm(team_id, user_id, text, blocks)


def profile(deps: Deps, team_id: str, user_id: str, *, timeout: float) -> Profile | None:
    """What the mailbox rules need from the person's Slack profile; None when Slack cannot say."""
    person = deps.slack.person(team_id, user_id, timeout=timeout)
    return None if person is None else Profile(person.email, person.names)


def prefetch_profile(deps: Deps, team_id: str, user_id: str) -> None:
    """Fill the users.info cache when the wizard opens: the mailbox check at submission is then instant."""
    deps.slack.person(team_id, user_id, timeout=PROFILE_PREFETCH_TIMEOUT_SECONDS)
