"""What a person sees when something unexpected fails."""

from __future__ import annotations

from typing import Any

from bot.slack import texts as t
from bot.slack.blocks import message, section


def error_message(ref: str) -> dict[str, Any]:
    text = t.ERROR_REFERENCE.format(ref=ref)
    return message(text, [section(text)])


def error_modal(ref: str) -> dict[str, Any]:
    """Pushed over the current modal, so closing it returns to the person's input untouched."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": t.ERROR_MODAL_TITLE[:24]},
        "close": {"type": "plain_text", "text": t.BACK},
        "blocks": [section(t.ERROR_MODAL_BODY.format(ref=ref))],
    }


def refusal_message() -> dict[str, Any]:
    """The answer to a request whose payload does not have the expected shape."""
    return message(t.REFUSED, [section(t.REFUSED)])


def refusal_modal() -> dict[str, Any]:
    """Pushed over the modal of a submission whose payload does not have the expected shape."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": t.REFUSED_MODAL_TITLE[:24]},
        "close": {"type": "plain_text", "text": t.BACK},
        "blocks": [section(t.REFUSED_MODAL_BODY)],
    }
