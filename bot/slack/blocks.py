"""Small Block Kit builders shared by every surface, enforcing Slack's text limits."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

# Slack's Block Kit limits, in one place for every surface.
TITLE_MAX = 24
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
LABEL_MAX = 2000
HINT_MAX = 2000
SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
TEXT_INPUT_MAX = 3000
BUTTON_TEXT_MAX = 75
METADATA_MAX = 3000
CHECKBOX_OPTIONS_MAX = 10
BLOCKS_MAX = 100  # a modal or App Home view
MESSAGE_BLOCKS_MAX = 50


def clip(text: str, limit: int) -> str:
    """Shorten text to a Slack limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT_MAX), "emoji": True},
    }


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)}}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, CONTEXT_TEXT_MAX)}]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, 75)},
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: fallback text plus at most 50 blocks (the last says more was cut)."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: MESSAGE_BLOCKS_MAX - 1], context("…and more: narrow it down to see the rest.")]
    return {"text": clip(text, 3000), "blocks": blocks}
