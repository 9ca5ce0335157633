"""Rotate now / Snooze a week, on an expiry reminder: ack at once, act after it.

The middleware (handlers.authorization) has asked the policy about the button already; bot.expiry
asks again with the registration. A refusal or a note ("snoozed until …") is told to the person
ephemerally in the conversation; a refusal to open the credentials step, in a small modal.
"""

from __future__ import annotations

from contextlib import suppress

from slack_bolt import App

from bot.deps import Deps
from bot.expiry import actions
from bot.expiry.ids import ActionId, ExpiryButton
from bot.governance.views import refusal_message, refusal_modal
from bot.slack.blocks import message, section
from bot.slack.gateway import SlackCallError
from handlers.buttons import on_buttons
from handlers.commands import Subcommand
from handlers.payloads import BlockActions


def handle_click(deps: Deps, click: BlockActions, registration_id: str) -> None:
    """After the ack: rotate (open the credentials step) or snooze, then tell what happened."""
    if click.action.action_id == ActionId.rotate:
        answer = actions.rotate(
            deps,
            team_id=click.team_id,
            user_id=click.user.id,
            trigger_id=click.trigger_id or "",
            registration_id=registration_id,
        )
    else:
        answer = actions.snooze(
            deps, team_id=click.team_id, user_id=click.user.id, registration_id=registration_id
        )
    if answer.refused is not None:
        if click.trigger_id and click.action.action_id == ActionId.rotate:
            with suppress(SlackCallError):
                deps.slack.open_view(click.team_id, click.trigger_id, refusal_modal(answer.refused))
            return
        body = refusal_message(answer.refused)
        _tell(deps, click, body["text"])
    elif answer.text:
        _tell(deps, click, answer.text)


def _tell(deps: Deps, click: BlockActions, text: str) -> None:
    if not click.channel_id:
        return
    body = message(text, [section(text)])
    with suppress(SlackCallError):  # logged by the gateway; nothing else to tell them through
        deps.slack.post_ephemeral(
            click.team_id, click.channel_id, click.user.id, body["text"], body["blocks"]
        )


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {}


def register(app: App, deps: Deps) -> None:
    def act(deps: Deps, click: BlockActions, button: ExpiryButton) -> None:
        handle_click(deps, click, button.registration_id)

    on_buttons(app, deps, ActionId, ExpiryButton.load, act, _tell)
