"""The registration wizard's listeners: `/codat-register [start …]`, its modal and the modal's buttons.

Thin: each listener acks at once and hands the work to bot.wizard (the vault write of the
credentials step is the one thing done before the ack, inside its deadline).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.catalogue import Platform
from bot.catalogue.lookup import did_you_mean, resolve_platform
from bot.deps import Deps
from bot.slack.blocks import message, section
from bot.slack.mrkdwn import echo
from bot.wizard import flow, opening
from bot.wizard import texts as t
from bot.wizard.ids import ActionId, CallbackId, Metadata
from bot.wizard.views import gone_view
from handlers.commands import CommandContext, Subcommand
from handlers.errors import teller
from handlers.payloads import BlockActions, ViewSubmission, payload_of, refuse


def _problem(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def start(ctx: CommandContext) -> dict[str, Any] | None:
    """`start [platform] [sandbox|production]`: a message for a word I don't know, else the modal
    (opened after the ack: the trigger id lives 3 s)."""
    words = list(ctx.args)
    environment = t.ENVIRONMENT_WORDS.get(words[-1].lower()) if words else None
    if environment:
        words.pop()
    platform: Platform | None = None
    if words:
        resolved = resolve_platform(ctx.deps.catalogue, " ".join(words))
        # "start xero sandbx": the platform resolves without the last word, so that word is the problem.
        shorter = " ".join(words[:-1])
        if resolved.platform is None and shorter and resolve_platform(ctx.deps.catalogue, shorter).platform:
            hint = did_you_mean(words[-1][:40], list(t.ENVIRONMENT_WORDS))
            return _problem(f"{t.UNKNOWN_ENVIRONMENT.format(word=echo(words[-1]))} {hint}".strip())
        if resolved.platform is None:
            return _problem(resolved.problem or "")
        platform = resolved.platform
    where = {"user_id": ctx.user_id, "channel_id": ctx.channel_id, "response_url": ctx.response_url}
    ctx.deps.background.submit_telling(
        teller(ctx.deps, where),
        opening.open_wizard,
        ctx.deps,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        trigger_id=ctx.trigger_id,
        channel_id=ctx.channel_id,
        platform_id=platform.id if platform else None,
        environment=environment,
    )
    return None


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {"": start, "start": start}


def register(app: App, deps: Deps) -> None:
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        submission = payload_of(context, ViewSubmission)
        if Metadata.load(submission.view.private_metadata) is None:  # the bot never writes such
            refuse("view_submission", "view.private_metadata")
            ack(response_action="update", view=gone_view())
            return
        reply = flow.submit(deps, team_id=submission.team_id, user_id=submission.user.id, view=view)
        ack(**reply.ack)
        if reply.after is not None:
            deps.background.submit_telling(teller(deps, body), reply.after)

    def on_platform(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        click = payload_of(context, BlockActions)
        option = click.action.selected_option
        if option and option.value and click.view:
            deps.background.submit_telling(
                teller(deps, body),
                opening.platform_selected,
                deps,
                team_id=click.team_id,
                view=body["view"],  # its shape checked by handlers.payloads
                platform_id=option.value,
                action_ts=click.action.action_ts or "",
            )

    def on_edit(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        click = payload_of(context, BlockActions)
        if click.view:
            deps.background.submit_telling(
                teller(deps, body),
                opening.edit_step,
                deps,
                team_id=click.team_id,
                user_id=click.user.id,
                view=body["view"],
                step=click.action.value or "",
                trigger_id=click.trigger_id,
            )

    app.view(CallbackId.wizard.value)(on_submit)
    app.action(ActionId.platform_select.value)(on_platform)
    app.action(re.compile(f"^{ActionId.edit_step.value}_"))(on_edit)
