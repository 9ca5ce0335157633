"""Approve / Reject buttons (an approver's DM, an admin's App Home): ack at once, decide after it.

The middleware (handlers.authorization) has already refused anyone but an admin; bot.approvals
asks the policy again with the approval (never one's own submission). What the click did shows in
every approver's DM, updated in place; anything else (a refusal, "you approved it already", the
vault's reason) is told to the admin who clicked — ephemeral in the DM, a small modal over the App
Home, which is then published afresh.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from slack_bolt import App

from bot.approvals import texts as t
from bot.approvals.decisions import Verdict, decide_approval
from bot.approvals.ids import ActionId, ApprovalButton
from bot.approvals.views import reply
from bot.deps import Deps
from bot.governance.views import refusal_message, refusal_modal
from bot.slack import texts as common
from bot.slack.blocks import modal, section
from bot.slack.gateway import SlackCallError
from handlers.buttons import on_buttons
from handlers.commands import Subcommand
from handlers.home import publish_home
from handlers.payloads import BlockActions
from storage.audit import Surface

VERDICTS = {ActionId.approve: Verdict.approve, ActionId.reject: Verdict.reject}
NOTICE_CALLBACK_ID = "codat_register_approval_notice"


def handle_click(deps: Deps, click: BlockActions, approval_id: str) -> None:
    """After the ack: decide, then tell the admin what the DMs do not say, and refresh their Home."""
    home = click.view is not None and click.view.type == "home"
    result = decide_approval(
        deps,
        team_id=click.team_id,
        user_id=click.user.id,
        approval_id=approval_id,
        verdict=VERDICTS[ActionId(click.action.action_id)],
        surface=Surface.app_home if home else Surface.button,
    )
    if result.refused is not None:
        body = refusal_message(result.refused)
        _tell(deps, click, body["text"], refused=refusal_modal(result.refused) if home else None)
    elif result.tell:
        _tell(deps, click, result.tell)
    if home:
        publish_home(deps, click.team_id, click.user.id)


def _tell(deps: Deps, click: BlockActions, text: str, *, refused: dict[str, Any] | None = None) -> None:
    with suppress(SlackCallError):  # logged by the gateway; nothing else to tell them through
        if click.view is not None and click.trigger_id:
            view = refused or modal(
                callback_id=NOTICE_CALLBACK_ID, title=t.NOTICE_TITLE, close=common.BACK,
                blocks=[section(text)],
            )  # fmt: skip
            deps.slack.open_view(click.team_id, click.trigger_id, view)
        elif click.channel_id:
            body = reply(text)
            deps.slack.post_ephemeral(
                click.team_id, click.channel_id, click.user.id, body["text"], body["blocks"]
            )


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {}


def register(app: App, deps: Deps) -> None:
    def decide(deps: Deps, click: BlockActions, button: ApprovalButton) -> None:
        handle_click(deps, click, button.approval_id)

    on_buttons(app, deps, ActionId, ApprovalButton.load, decide, _tell)
