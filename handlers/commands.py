"""The `/codat-register` slash command: parse, route to a subcommand, answer within the ack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.catalogue.lookup import did_you_mean
from bot.catalogue.views import help_message
from bot.deps import Deps
from bot.slack import texts as t


@dataclass(frozen=True)
class CommandContext:
    deps: Deps
    team_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    response_url: str | None
    args: tuple[str, ...]  # words after the subcommand


# A subcommand returns a message to show ephemerally in the ack, or None to ack silently
# (it has handed slow work, e.g. opening a modal, to deps.background).
Subcommand = Callable[[CommandContext], dict[str, Any] | None]


def register(app: App, deps: Deps, routes: dict[str, Subcommand]) -> None:
    """Register the one slash command listener over the subcommand table."""

    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        words = (body.get("text") or "").split()
        name = words[0].lower() if words else ""
        route = routes.get(name)
        if route is None:
            prefix = t.UNKNOWN_SUBCOMMAND.format(word=words[0][:40])
            hint = did_you_mean(name, [key for key in routes if key])
            ack(response_type="ephemeral", **help_message(f"{prefix} {hint}".strip()))
            return
        context = CommandContext(
            deps=deps,
            team_id=body.get("team_id") or "",
            user_id=body.get("user_id") or "",
            channel_id=body.get("channel_id"),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            args=tuple(words[1:]),
        )
        reply = route(context)
        if reply is None:
            ack()
        else:
            ack(response_type="ephemeral", **reply)

    app.command(t.COMMAND)(on_command)
