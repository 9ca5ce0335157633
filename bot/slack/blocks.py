"""The one set of Block Kit builders: plain dicts, each clipped or checked against Slack's limits.

Texts that may come from the catalogue or from people are clipped (marked with "…"); counts and
ids that a clip would corrupt (too many blocks or options, over-long metadata) raise ValueError,
which is a bug in the caller. The dicts have the shape `slack_sdk.models` produces, so the tests
can run slack_sdk's own validation over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.slack import texts

Block = dict[str, Any]

# Slack's Block Kit limits, in one place for every surface.
TITLE_MAX = 24  # a modal's title, submit and close
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
TEXT_INPUT_MAX = 3000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ID_MAX = 255  # block_id, action_id, callback_id
METADATA_MAX = 3000
CHECKBOX_OPTIONS_MAX = 10  # also radio buttons
SELECT_OPTIONS_MAX = 100  # options of a select, or of one option group; also option groups
ACTIONS_ELEMENTS_MAX = 25
BLOCKS_MAX = 100  # a modal or App Home view
MESSAGE_BLOCKS_MAX = 50
MESSAGE_TEXT_MAX = 3000


def clip(text: str, limit: int) -> str:
    """Shorten text to a Slack limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check(what: str, count: int, limit: int) -> None:
    if count > limit:
        raise ValueError(f"{what}: {count}, Slack allows at most {limit}")


def _id(value: str) -> str:
    _check(f"characters in the id {value[:40]!r}", len(value), ID_MAX)
    return str(value)  # a plain str, also for the StrEnum ids


# --- text objects ------------------------------------------------------------------------------


def plain_text(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int) -> Block:
    return {"type": "mrkdwn", "text": clip(text, limit)}


# --- blocks ----------------------------------------------------------------------------------


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, HEADER_TEXT_MAX)}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text, SECTION_TEXT_MAX)}
    if block_id:
        block["block_id"] = _id(block_id)
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT_MAX)]}


def divider() -> Block:
    return {"type": "divider"}


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    _check("elements in an actions block", len(elements), ACTIONS_ELEMENTS_MAX)
    return {"type": "actions", "block_id": _id(block_id), "elements": list(elements)}


def input_block(
    block_id: str,
    label: str,
    element: Block,
    *,
    hint: str | None = None,
    optional: bool = False,
    dispatch_action: bool = False,
) -> Block:
    """An input; `dispatch_action` sends a block action on every change (the element's own)."""
    block: Block = {
        "type": "input",
        "block_id": _id(block_id),
        "label": plain_text(label, LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, HINT_MAX)
    if dispatch_action:
        block["dispatch_action"] = True
    return block


# --- elements and options -----------------------------------------------------------------------


def button(text: str, action_id: str, value: str | None = None, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain_text(text, BUTTON_TEXT_MAX),
        "action_id": _id(action_id),
    }
    if value is not None:
        _check("characters in a button value", len(value), BUTTON_VALUE_MAX)
        element["value"] = value
    if style:
        element["style"] = style
    return element


def option(value: str, text: str) -> Block:
    return {"text": plain_text(text, OPTION_TEXT_MAX), "value": value[:OPTION_VALUE_MAX]}


def option_group(label: str, options: Sequence[Block]) -> Block:
    _check("options in an option group", len(options), SELECT_OPTIONS_MAX)
    return {"label": plain_text(label, OPTION_TEXT_MAX), "options": list(options)}


def static_select(
    action_id: str,
    *,
    placeholder: str,
    options: Sequence[Block] = (),
    option_groups: Sequence[Block] = (),
    initial_option: Block | None = None,
) -> Block:
    """A select of `options`, or of `option_groups` (one of the two)."""
    element: Block = {
        "type": "static_select",
        "action_id": _id(action_id),
        "placeholder": plain_text(placeholder, PLACEHOLDER_MAX),
    }
    if option_groups:
        _check("option groups in a select", len(option_groups), SELECT_OPTIONS_MAX)
        element["option_groups"] = list(option_groups)
    else:
        _check("options in a select", len(options), SELECT_OPTIONS_MAX)
        element["options"] = list(options)
    if initial_option is not None:
        element["initial_option"] = initial_option
    return element


def radio_buttons(action_id: str, options: Sequence[Block], initial_option: Block | None = None) -> Block:
    _check("radio buttons", len(options), CHECKBOX_OPTIONS_MAX)
    element: Block = {"type": "radio_buttons", "action_id": _id(action_id), "options": list(options)}
    if initial_option is not None:
        element["initial_option"] = initial_option
    return element


def checkboxes(action_id: str, options: Sequence[Block], initial_options: Sequence[Block] = ()) -> Block:
    """Checkboxes; ticked ones in `initial_options` (left out when none: Slack refuses an empty list)."""
    _check("checkboxes", len(options), CHECKBOX_OPTIONS_MAX)
    element: Block = {"type": "checkboxes", "action_id": _id(action_id), "options": list(options)}
    if initial_options:
        element["initial_options"] = list(initial_options)
    return element


def plain_text_input(
    action_id: str,
    *,
    max_length: int = TEXT_INPUT_MAX,
    multiline: bool = False,
    initial_value: str | None = None,
    placeholder: str | None = None,
) -> Block:
    _check("max_length of a text input", max_length, TEXT_INPUT_MAX)
    element: Block = {"type": "plain_text_input", "action_id": _id(action_id), "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial_value:
        element["initial_value"] = initial_value[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return element


def email_input(action_id: str, *, initial_value: str | None = None, placeholder: str | None = None) -> Block:
    element: Block = {"type": "email_text_input", "action_id": _id(action_id)}
    if initial_value:
        element["initial_value"] = initial_value
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return element


def date_picker(action_id: str, initial_date: date | None = None) -> Block:
    element: Block = {"type": "datepicker", "action_id": _id(action_id)}
    if initial_date is not None:
        element["initial_date"] = initial_date.isoformat()
    return element


def users_select(action_id: str, initial_user: str | None = None) -> Block:
    element: Block = {"type": "users_select", "action_id": _id(action_id)}
    if initial_user:
        element["initial_user"] = initial_user
    return element


# --- surfaces -----------------------------------------------------------------------------------


def modal(
    *,
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    close: str,
    submit: str | None = None,
    private_metadata: str | None = None,
) -> Block:
    """A modal view: title, submit and close clipped to 24 characters; at most 100 blocks and
    3000 characters of private_metadata (ValueError beyond: a clip would lose blocks or state)."""
    _check("blocks in a modal", len(blocks), BLOCKS_MAX)
    view: Block = {
        "type": "modal",
        "callback_id": _id(callback_id),
        "title": plain_text(title, TITLE_MAX),
        "close": plain_text(close, TITLE_MAX),
        "blocks": list(blocks),
    }
    if submit:
        view["submit"] = plain_text(submit, TITLE_MAX)
    if private_metadata:
        _check("characters of private_metadata", len(private_metadata), METADATA_MAX)
        view["private_metadata"] = private_metadata
    return view


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload: fallback text plus at most 50 blocks (the last says more was cut)."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: MESSAGE_BLOCKS_MAX - 1], context(texts.MORE_CUT)]
    return {"text": clip(text, MESSAGE_TEXT_MAX), "blocks": blocks}
