"""The registration wizard's listeners: `/codat-register [start …]`, its modal and the modal's buttons.

Thin: each listener acks at once and hands the work to bot.wizard (the vault write of the
credentials step is the one thing done before the ack, inside its deadline).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.catalogue import Platform
from bot.catalogue.lookup import did_you_mean, resolve_platform
from bot.deps import Deps
from bot.slack.blocks import message, section
from bot.wizard import edit_step, flow, platform_selected
from bot.wizard import texts as t
from bot.wizard.ids import ActionId, CallbackId
from handlers.commands import CommandContext, Subcommand
from handlers.errors import teller


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
            word = words[-1][:40]
            hint = did_you_mean(word, list(t.ENVIRONMENT_WORDS))
            return _problem(f"{t.UNKNOWN_ENVIRONMENT.format(word=word)} {hint}".strip())
        if resolved.platform is None:
            return _problem(resolved.problem or "")
        platform = resolved.platform
    where = {"user_id": ctx.user_id, "channel_id": ctx.channel_id, "response_url": ctx.response_url}
    ctx.deps.background.submit_telling(
        teller(ctx.deps, where),
        flow.open_wizard,
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


def _ids(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return team, user.get("id") or ""


def register(app: App, deps: Deps) -> None:
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _ids(body)
        reply = flow.submit(deps, team_id=team_id, user_id=user_id, view=view)
        ack(**reply.ack)
        if reply.after is not None:
            deps.background.submit_telling(teller(deps, body), reply.after)

    def on_platform(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        team_id, _ = _ids(body)
        platform_id = (action.get("selected_option") or {}).get("value")
        if platform_id and body.get("view"):
            deps.background.submit_telling(
                teller(deps, body),
                platform_selected,
                deps,
                team_id=team_id,
                view=body["view"],
                platform_id=platform_id,
                action_ts=str(action.get("action_ts") or ""),
            )

    def on_edit(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        team_id, user_id = _ids(body)
        if body.get("view"):
            step = str(action.get("value") or "")
            deps.background.submit_telling(
                teller(deps, body),
                edit_step,
                deps,
                team_id=team_id,
                user_id=user_id,
                view=body["view"],
                step=step,
            )

    def on_link(ack: Ack) -> None:
        ack()  # link buttons open in the browser; Slack still expects an ack

    app.view(CallbackId.wizard.value)(on_submit)
    app.action(ActionId.platform_select.value)(on_platform)
    app.action(re.compile(f"^{ActionId.edit_step.value}_"))(on_edit)
    app.action(ActionId.open_link.value)(on_link)
