"""What a refusal looks like on each surface, and the App Home of a guest."""

from __future__ import annotations

from typing import Any

from bot.governance import texts as t
from bot.governance.policy import Decision
from bot.governance.refusals import refusal_text
from bot.slack import texts as common
from bot.slack.blocks import context, header, message, modal, section

REFUSAL_CALLBACK_ID = "codat_register_refusal"


def refusal_message(decision: Decision) -> dict[str, Any]:
    """The ephemeral answer to a command or a message button."""
    text = refusal_text(decision)
    return message(text, [section(text)])


def refusal_modal(decision: Decision) -> dict[str, Any]:
    """Pushed over a modal whose submission or button was refused: closing it goes back."""
    return modal(
        callback_id=REFUSAL_CALLBACK_ID,
        title=t.MODAL_TITLE,
        close=common.BACK,
        blocks=[section(refusal_text(decision)), context(t.MODAL_BACK)],
    )


def guest_home_view() -> dict[str, Any]:
    """The App Home of someone who may not see the registrations (a guest, an app)."""
    return {"type": "home", "blocks": [header(t.GUEST_HOME_HEADER), section(t.GUEST_HOME)]}
