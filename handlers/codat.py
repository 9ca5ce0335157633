"""`/codat-register verify <platform> [sandbox|production]`: acknowledged at once ("asking Codat…"),
checked after the ack, answered through the command's response_url.

Who may: any member (the policy's view_registrations, asked by handlers.authorization before this
runs); the check itself only reads Codat, and a tick it causes is the bot's, done on Codat's word.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from slack_bolt import App

from bot.catalogue import ENVIRONMENTS, Platform
from bot.catalogue.lookup import resolve_platform
from bot.codat import texts as t
from bot.codat import verification
from bot.codat.verification import Choice
from bot.codat.views import reply, verify_message
from bot.deps import Deps
from bot.slack.gateway import SlackCallError
from handlers.commands import CommandContext, Subcommand
from handlers.errors import teller
from storage.audit import Surface


def verify_command(ctx: CommandContext) -> dict[str, Any]:
    """`verify <platform> [sandbox|production]`: what can be said at once, or "asking Codat…"."""
    deps, args = ctx.deps, list(ctx.args)
    environment = args.pop().lower() if args and args[-1].lower() in ENVIRONMENTS else None
    if not args:
        return reply(t.VERIFY_USAGE)
    resolved = resolve_platform(deps.catalogue, " ".join(args))
    if resolved.platform is None:
        return reply(resolved.problem or t.VERIFY_USAGE)
    platform = resolved.platform
    if deps.codat is None:
        return reply(t.VERIFY_NOT_CONFIGURED.format(platform=platform.id))
    chosen = verification.registration_to_verify(deps, ctx.team_id, platform, environment)
    if isinstance(chosen, Choice):
        text = t.VERIFY_NO_REGISTRATION if chosen is Choice.none else t.VERIFY_AMBIGUOUS
        return reply(text.format(name=platform.name, platform=platform.id))
    if platform.codat_key_for(chosen.environment) is None:
        return reply(t.VERIFY_NO_CODAT_KEY.format(name=platform.name, path=platform.portal_path))
    where = {"user_id": ctx.user_id, "channel_id": ctx.channel_id, "response_url": ctx.response_url}
    deps.background.submit_telling(
        teller(deps, where),
        answer_verify,
        deps,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        registration_id=chosen.id,
        platform=platform,
        channel_id=ctx.channel_id,
        response_url=ctx.response_url,
    )
    return reply(t.VERIFY_CHECKING.format(name=platform.name, environment=chosen.environment))


def answer_verify(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    registration_id: str,
    platform: Platform,
    channel_id: str | None,
    response_url: str | None,
) -> None:
    """After the ack: ask Codat, store the answer (ticking the item when enabled), tell the person."""
    checked = verification.verify(
        deps, team_id=team_id, user_id=user_id, registration_id=registration_id, surface=Surface.command
    )
    body = verify_message(checked, platform) if checked else reply(t.VERIFY_GONE.format(platform=platform.id))
    if response_url:
        deps.slack.respond(team_id, response_url, body["text"], body["blocks"])
    elif channel_id:
        with suppress(SlackCallError):  # not in that conversation: a DM instead
            deps.slack.post_ephemeral(team_id, channel_id, user_id, body["text"], body["blocks"])
            return
        deps.slack.dm(team_id, user_id, body["text"], body["blocks"])
    else:
        deps.slack.dm(team_id, user_id, body["text"], body["blocks"])


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {"verify": verify_command}


def register(app: App, deps: Deps) -> None:
    """No listeners of its own: `verify` goes through handlers.commands."""
