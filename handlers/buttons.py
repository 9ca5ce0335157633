"""One listener shape for the bot's message buttons whose value names one row (an item, an
approval, a registration): ack at once; a value the bot did not write (tampered, or another app's)
is refused politely and logged without the value; anything else is handled after the ack."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext

from bot.deps import Deps
from bot.slack import texts as common
from handlers.errors import teller
from handlers.payloads import BlockActions, payload_of, refuse

V = TypeVar("V")


def on_buttons(
    app: App,
    deps: Deps,
    action_ids: Iterable[str],
    load: Callable[[str | None], V | None],
    handle: Callable[[Deps, BlockActions, V], None],
    tell: Callable[[Deps, BlockActions, str], None],
) -> None:
    """Register one listener for every id of `action_ids` (Bolt matches listeners one by one):
    `load(value)` reads the button's value; `handle(deps, click, loaded)` runs after the ack, and
    `tell(deps, click, text)` answers the person when the value is refused."""

    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        click = payload_of(context, BlockActions)
        loaded = load(click.action.value)
        if loaded is None:
            refuse("block_actions", "actions.0.value")
            deps.background.submit(tell, deps, click, common.REFUSED)
            return
        deps.background.submit_telling(teller(deps, body), handle, deps, click, loaded)

    app.action(re.compile("^(" + "|".join(re.escape(str(a)) for a in action_ids) + ")$"))(on_click)
