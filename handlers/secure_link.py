"""The credentials step's secure page buttons: "Enter on a secure page" makes a link (after the
ack, bot.secure_page.offer), and the link's own URL button — Slack opens the browser and tells the
app of the click — is acked and nothing more. The page itself is served by handlers.secure_page."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.deps import Deps
from bot.secure_page.ids import ActionId
from bot.secure_page.offer import offer_link
from handlers.commands import Subcommand
from handlers.errors import teller
from handlers.payloads import BlockActions, payload_of


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {}


def register(app: App, deps: Deps) -> None:
    def on_offer(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        click = payload_of(context, BlockActions)
        if click.view is not None:
            deps.background.submit_telling(
                teller(deps, body),
                offer_link,
                deps,
                team_id=click.team_id,
                user_id=click.user.id,
                view=body["view"],  # its shape checked by handlers.payloads
                trigger_id=click.trigger_id,
            )

    def on_open(ack: Ack) -> None:
        ack()

    app.action(ActionId.offer.value)(on_offer)
    app.action(ActionId.open.value)(on_open)
