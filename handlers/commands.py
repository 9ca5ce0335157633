"""The `/codat-register` slash command: parse, route to a subcommand, answer within the ack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.catalogue.lookup import did_you_mean
from bot.catalogue.views import help_message
from bot.deps import Deps
from bot.slack import texts as t
from bot.slack.mrkdwn import echo
from handlers.payloads import SlashCommand, payload_of


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

    def on_command(ack: Ack, context: BoltContext) -> None:
        command = payload_of(context, SlashCommand)  # team_id and user_id are there, not empty
        words = command.text.split()
        name = words[0].lower() if words else ""
        route = routes.get(name)
        if route is None:
            prefix = t.UNKNOWN_SUBCOMMAND.format(word=echo(words[0]))
            hint = did_you_mean(name, [key for key in routes if key])
            ack(response_type="ephemeral", **help_message(f"{prefix} {hint}".strip()))
            return
        reply = route(
            CommandContext(
                deps=deps,
                team_id=command.team_id,
                user_id=command.user_id,
                channel_id=command.channel_id,
                trigger_id=command.trigger_id,
                response_url=command.response_url,
                args=tuple(words[1:]),
            )
        )
        if reply is None:
            ack()
        else:
            ack(response_type="ephemeral", **reply)

    app.command(t.COMMAND)(on_command)
