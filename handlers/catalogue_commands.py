"""help, list, info, status and cancel: answers given within the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.catalogue import ENVIRONMENTS, Category
from bot.catalogue import texts as t
from bot.catalogue.lookup import resolve_platform
from bot.catalogue.views import help_message, info_message, list_message
from bot.deps import Deps
from bot.registrations import texts as status_texts
from bot.registrations.cancel import cancel_registration
from bot.registrations.progress import workspace_progress
from bot.registrations.views import cancel_message, checklist_message, status_message
from bot.slack.blocks import message, section
from bot.slack.mrkdwn import echo, escape
from handlers.commands import CommandContext, Subcommand


def _problem(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def show_help(ctx: CommandContext) -> dict[str, Any]:
    return help_message()


def show_list(ctx: CommandContext) -> dict[str, Any]:
    if not ctx.args:
        return list_message(ctx.deps.catalogue)
    word = ctx.args[0].lower()
    category = next(
        (c for c in Category if word in (c.value, c.title.lower(), c.value.replace("-", ""))), None
    )
    if category is None:
        options = ", ".join(f"`{c.value}`" for c in Category)
        return _problem(t.UNKNOWN_CATEGORY.format(word=echo(word), options=options))
    return list_message(ctx.deps.catalogue, category)


def show_info(ctx: CommandContext) -> dict[str, Any]:
    resolved = resolve_platform(ctx.deps.catalogue, " ".join(ctx.args))
    if resolved.platform is None:
        return _problem(resolved.problem or t.PLATFORM_NEEDED)
    return info_message(resolved.platform)


def show_status(ctx: CommandContext) -> dict[str, Any]:
    deps = ctx.deps
    if not ctx.args:
        return status_message(
            workspace_progress(deps.db, deps.catalogue, ctx.team_id, today=deps.clock.now().date())
        )
    query = " ".join(ctx.args)
    resolved = resolve_platform(deps.catalogue, query)
    if resolved.platform is None:
        return _problem(resolved.problem or t.PLATFORM_NEEDED)
    progresses = workspace_progress(
        deps.db, deps.catalogue, ctx.team_id, resolved.platform.id, today=deps.clock.now().date()
    )
    if not progresses:
        text = status_texts.STATUS_NONE_FOR_PLATFORM.format(name=resolved.platform.name, query=escape(query))
        return _problem(text)
    return checklist_message(progresses)


def cancel_command(ctx: CommandContext) -> dict[str, Any]:
    """`cancel <platform> [sandbox|production]`."""
    args = list(ctx.args)
    environment = args.pop().lower() if args and args[-1].lower() in ENVIRONMENTS else None
    if not args:
        return _problem(status_texts.CANCEL_USAGE)
    resolved = resolve_platform(ctx.deps.catalogue, " ".join(args))
    if resolved.platform is None:
        return _problem(resolved.problem or status_texts.CANCEL_USAGE)
    result = cancel_registration(
        ctx.deps,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        platform=resolved.platform,
        environment=environment,
    )
    return cancel_message(result, resolved.platform)


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {
        "help": show_help,
        "list": show_list,
        "info": show_info,
        "status": show_status,
        "cancel": cancel_command,
    }


def register(app: App, deps: Deps) -> None:
    """No listeners of its own: its subcommands go through handlers.commands."""
