"""Follow-ups: the digest's buttons, and `remind`, `snooze` and `done` for people who prefer typing.

Buttons ack at once; the work (and every Slack call) happens in deps.background after the ack.
The message is updated in place ("done ✓" / "snoozed until …"); refusals are ephemeral.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from slack_bolt import App

from bot.catalogue import ENVIRONMENTS, Platform
from bot.catalogue.lookup import resolve_platform
from bot.codat import texts as codat_texts
from bot.deps import Deps
from bot.governance.refusals import refusal_text as governance_refusal
from bot.reminders import actions
from bot.reminders import texts as t
from bot.reminders.actions import ActionResult, Outcome
from bot.reminders.policy import SnoozeError, parse_snooze
from bot.reminders.views import (
    SNOOZE_CHOICES,
    ActionId,
    ItemButton,
    remind_message,
    updated_message,
    when_text,
)
from bot.slack import texts as common
from bot.slack.blocks import message, section
from bot.slack.gateway import SlackCallError
from bot.slack.mrkdwn import echo, escape
from bot.slack.texts import status_name
from bot.wizard.opening import open_registration
from handlers.buttons import on_buttons
from handlers.commands import CommandContext, Subcommand
from handlers.payloads import BlockActions
from storage.audit import Surface

logger = logging.getLogger("codat_register.reminders")
BUTTON, COMMAND = Surface.button, Surface.command  # where each change below came from (the audit trail)


def _reply(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def refusal_text(result: ActionResult) -> str:
    """The policy's refusal: who can change the step(s)."""
    return governance_refusal(result.decision) if result.decision else common.REFUSED


# --- buttons ----------------------------------------------------------------------------------
def handle_click(deps: Deps, click: BlockActions, item_id: int) -> None:
    """After the ack: apply Done/Snooze, then update the DM in place, or refuse ephemerally."""
    action_id = ActionId(click.action.action_id)  # the listener matched one of these ids
    user_id, team_id, channel, ts = click.user.id, click.team_id, click.channel_id, click.message_ts
    blocks = click.message.blocks if click.message else []
    if action_id is ActionId.open_checklist:
        _open_checklist(deps, click.trigger_id or "", team_id, user_id, item_id, channel)
        return
    if action_id is ActionId.done:
        result = actions.mark_done(deps, team_id=team_id, user_id=user_id, item_id=item_id, surface=BUTTON)
    else:
        choice = SNOOZE_CHOICES[action_id]
        result = actions.snooze_item(
            deps, team_id=team_id, user_id=user_id, item_id=item_id, choice=choice, surface=BUTTON
        )
    status = _status_line(result, user_id)
    if status is None:
        text = refusal_text(result) if result.outcome is Outcome.refused else t.ITEM_GONE
        if result.outcome is Outcome.automatic:
            text = automatic_text(result)
        _ephemeral(deps, team_id, channel, user_id, text)
        return
    if channel and ts and blocks:
        updated = updated_message(blocks, item_id, status)
        deps.slack.update_message(team_id, channel, ts, updated["text"], updated["blocks"])


def _status_line(result: ActionResult, user_id: str) -> str | None:
    """What the item shows in place of its buttons, or None when nothing changed for this person."""
    if result.outcome is Outcome.done:
        completed = t.ITEM_DONE_COMPLETED if result.completed_registration else ""
        return t.ITEM_DONE.format(user=user_id) + completed
    if result.outcome is Outcome.snoozed and result.until and result.tz:
        return t.ITEM_SNOOZED.format(when=when_text(result.until, result.tz), user=user_id)
    if result.outcome is Outcome.already and result.item:
        return t.ITEM_ALREADY_CLOSED.format(status=status_name(result.item.status))
    if result.outcome is Outcome.closed and result.item:
        return t.ITEM_REGISTRATION_CLOSED.format(status=status_name(result.item.registration_status))
    return None


def _ephemeral(deps: Deps, team_id: str, channel: str | None, user_id: str, text: str) -> None:
    if not channel:
        return
    reply = _reply(text)
    with suppress(SlackCallError):  # e.g. not in that conversation: nothing else to tell them through
        deps.slack.post_ephemeral(team_id, channel, user_id, reply["text"], reply["blocks"])


def _open_checklist(
    deps: Deps, trigger_id: str, team_id: str, user_id: str, item_id: int, channel: str | None
) -> None:
    target = actions.checklist_target(deps, team_id, item_id)
    if target is None:
        _ephemeral(deps, team_id, channel, user_id, t.ITEM_GONE)
        return
    registration_id, step = target
    opened = open_registration(
        deps,
        team_id=team_id,
        user_id=user_id,
        trigger_id=trigger_id,
        registration_id=registration_id,
        step=step,
    )
    if not opened:  # e.g. expired_trigger_id: say so rather than fail silently
        _ephemeral(deps, team_id, channel, user_id, t.OPEN_UNAVAILABLE)


# --- slash subcommands -------------------------------------------------------------------------
def show_reminders(ctx: CommandContext) -> dict[str, Any]:
    deps, settings = ctx.deps, ctx.deps.settings
    lines, keys, tz = actions.open_items(deps, team_id=ctx.team_id, user_id=ctx.user_id)
    return remind_message(
        lines,
        tz=tz,
        start_hour=settings.REMINDER_WORK_START_HOUR,
        end_hour=settings.REMINDER_WORK_END_HOUR,
        repeat_days=settings.REMINDER_REPEAT_BUSINESS_DAYS,
        keys=keys,
    )


def snooze_command(ctx: CommandContext) -> dict[str, Any]:
    """`snooze <platform> <1d|1w|until YYYY-MM-DD>`."""
    args = list(ctx.args)
    split = 2 if len(args) >= 3 and args[-2].lower() == "until" else 1
    if len(args) <= split:
        return _reply(t.SNOOZE_USAGE)
    try:
        choice = parse_snooze(args[-split:])
    except SnoozeError:
        return _reply(t.SNOOZE_BAD_WHEN.format(when=echo(args[-1])))
    resolved = resolve_platform(ctx.deps.catalogue, " ".join(args[:-split]))
    if resolved.platform is None:
        return _reply(resolved.problem or t.SNOOZE_USAGE)
    platform = resolved.platform
    result = actions.snooze_platform(
        ctx.deps, team_id=ctx.team_id, user_id=ctx.user_id, platform=platform, choice=choice, surface=COMMAND
    )
    if result.outcome is Outcome.snoozed and result.until and result.tz:
        when = when_text(result.until, result.tz)
        return _reply(t.SNOOZED_PLATFORM(result.count, platform=platform.name, when=when))
    return _reply(_problem(result, platform, args[-1]))


def done_command(ctx: CommandContext) -> dict[str, Any]:
    """`done <platform> <step> [sandbox|production]`."""
    args = list(ctx.args)
    environment = args.pop().lower() if args and args[-1].lower() in ENVIRONMENTS else None
    if len(args) < 2:
        return _reply(t.DONE_USAGE)
    platform, word = None, ""
    for cut in range(len(args) - 1, 0, -1):  # the longest leading words that name a platform
        resolved = resolve_platform(ctx.deps.catalogue, " ".join(args[:cut]))
        if resolved.platform is not None:
            platform, word = resolved.platform, " ".join(args[cut:])
            break
    if platform is None:
        return _reply(resolve_platform(ctx.deps.catalogue, args[0]).problem or t.DONE_USAGE)
    result = actions.done_by_word(
        ctx.deps,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        platform=platform,
        word=word,
        environment=environment,
        surface=COMMAND,
    )
    if result.outcome is Outcome.done and result.item:
        item = result.item
        return _reply(
            t.DONE_MARKED.format(title=item.title, platform=item.platform_name, environment=item.environment)
            + (
                t.DONE_COMPLETED.format(platform=item.platform_name, environment=item.environment)
                if result.completed_registration
                else ""
            )
        )
    return _reply(_problem(result, platform, word))


def _problem(result: ActionResult, platform: Platform, word: str) -> str:
    item, keys = result.item, ", ".join(f"`{key}`" for key in result.options) or "—"
    texts = {
        Outcome.refused: refusal_text(result),
        Outcome.no_registration: t.NO_REGISTRATION.format(platform=platform.name),
        Outcome.nothing_open: t.NOTHING_OPEN.format(platform=platform.name),
        Outcome.bad_when: t.SNOOZE_BAD_WHEN.format(when=echo(word)),
        Outcome.unknown_item: t.DONE_UNKNOWN_ITEM.format(platform=platform.name, word=echo(word), keys=keys),
        Outcome.ambiguous: t.DONE_AMBIGUOUS.format(word=echo(word), platform=platform.name),
        Outcome.already: t.DONE_ALREADY.format(
            title=item.title if item else escape(word),
            platform=platform.name,
            status=status_name(item.status) if item else "",
        ),
        Outcome.closed: t.NO_REGISTRATION.format(platform=platform.name),
        Outcome.missing: t.ITEM_GONE,
        Outcome.automatic: automatic_text(result),
    }
    return texts.get(result.outcome, t.ITEM_GONE)


def automatic_text(result: ActionResult) -> str:
    """Done on "Enabled in Codat" while Codat is configured: how to have it checked instead."""
    item = result.item
    if item is None:
        return t.ITEM_GONE
    values = {"name": item.platform_name, "environment": item.environment, "platform": item.platform_id}
    return codat_texts.DONE_AUTOMATIC.format(**values)


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {"remind": show_reminders, "snooze": snooze_command, "done": done_command}


def register(app: App, deps: Deps) -> None:
    """The digest's four buttons: ack now, act in the background."""

    def act(deps: Deps, click: BlockActions, button: ItemButton) -> None:
        handle_click(deps, click, button.item_id)

    def tell(deps: Deps, click: BlockActions, text: str) -> None:
        _ephemeral(deps, click.team_id, click.channel_id, click.user.id, text)

    on_buttons(app, deps, ActionId, ItemButton.load, act, tell)
