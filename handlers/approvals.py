"""Approve / Reject buttons (an approver's DM, an admin's App Home): ack at once, decide after it.

The middleware (handlers.authorization) has already refused anyone but an admin; bot.approvals
asks the policy again with the approval (never one's own submission). What the click did shows in
every approver's DM, updated in place; anything else (a refusal, "you approved it already", the
vault's reason) is told to the admin who clicked — ephemeral in the DM, a small modal over the App
Home, which is then published afresh.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.approvals import texts as t
from bot.approvals.decisions import Verdict, decide_approval
from bot.approvals.ids import ActionId, ApprovalButton
from bot.approvals.views import reply
from bot.deps import Deps
from bot.governance.views import refusal_message, refusal_modal
from bot.slack import texts as common
from bot.slack.blocks import modal, section
from bot.slack.gateway import SlackCallError
from handlers.commands import Subcommand
from handlers.errors import teller
from handlers.home import publish_home
from handlers.payloads import BlockActions, payload_of, refuse
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
    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        click = payload_of(context, BlockActions)
        button = ApprovalButton.load(click.action.value)
        if button is None:  # the bot writes approval ids only: a tampered or foreign button
            refuse("block_actions", "actions.0.value")
            deps.background.submit(_tell, deps, click, common.REFUSED)
            return
        deps.background.submit_telling(teller(deps, body), handle_click, deps, click, button.approval_id)

    app.action(re.compile("^(" + "|".join(re.escape(a.value) for a in ActionId) + ")$"))(on_click)
