"""The Block Kit helpers: dicts as slack_sdk builds them, texts clipped, counts past the limits refused."""

from __future__ import annotations

from datetime import date

import pytest
from slack_sdk.models.views import View

from bot.slack import blocks as b


def _every_kind() -> dict:
    options = [b.option(f"v{i}", f"Option {i}") for i in range(3)]
    return b.modal(
        callback_id="callback",
        title="T" * 40,
        close="Close",
        submit="Save",
        private_metadata='{"s":"x"}',
        blocks=[
            b.header("Header"),
            b.section("Section", block_id="section"),
            b.context("Context"),
            b.divider(),
            b.input_block(
                "select",
                "Select",
                b.static_select(
                    "select_action",
                    placeholder="Choose",
                    option_groups=[b.option_group("Group", options)],
                    initial_option=options[1],
                ),
                dispatch_action=True,
            ),
            b.input_block(
                "radio", "Radio", b.radio_buttons("radio_action", options, options[0]), hint="Hint"
            ),
            b.input_block(
                "checks", "Checks", b.checkboxes("checks_action", options, options[:1]), optional=True
            ),
            b.input_block(
                "text", "Text", b.plain_text_input("text_action", multiline=True, initial_value="x")
            ),
            b.input_block("email", "Email", b.email_input("email_action", placeholder="a@b.example")),
            b.input_block("date", "Date", b.date_picker("date_action", date(2026, 12, 1))),
            b.input_block("user", "User", b.users_select("user_action", "U0ALICE")),
            b.actions("buttons", [b.button("Edit", "edit_action", "value")]),
        ],
    )


def test_every_helper_builds_what_slack_sdk_validates() -> None:
    view = _every_kind()
    assert View(**view).to_dict() == view  # to_dict() runs slack_sdk's validate_json()
    assert view["title"]["text"] == "T" * 23 + "…"


@pytest.mark.parametrize(
    "build",
    [
        lambda: b.modal(callback_id="c", title="t", close="c", blocks=[b.divider()] * 101),
        lambda: b.modal(callback_id="c", title="t", close="c", blocks=[], private_metadata="m" * 3001),
        lambda: b.checkboxes("a", [b.option(str(i), "o") for i in range(11)]),
        lambda: b.radio_buttons("a", [b.option(str(i), "o") for i in range(11)]),
        lambda: b.static_select("a", placeholder="p", options=[b.option(str(i), "o") for i in range(101)]),
        lambda: b.option_group("g", [b.option(str(i), "o") for i in range(101)]),
        lambda: b.actions("a", [b.button("b", f"a{i}") for i in range(26)]),
        lambda: b.plain_text_input("a", max_length=3001),
        lambda: b.button("b", "a", "v" * 2001),
        lambda: b.section("s", block_id="x" * 256),
    ],
)
def test_counts_and_ids_past_the_limits_are_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_texts_are_clipped_to_their_limits() -> None:
    assert len(b.option("v" * 200, "o" * 100)["text"]["text"]) == b.OPTION_TEXT_MAX
    assert len(b.option("v" * 200, "o")["value"]) == b.OPTION_VALUE_MAX
    block = b.input_block("i", "l" * 3000, b.users_select("u"), hint="h" * 3000)
    assert len(block["label"]["text"]) == b.LABEL_MAX and len(block["hint"]["text"]) == b.HINT_MAX
    assert len(b.section("s" * 4000)["text"]["text"]) == b.SECTION_TEXT_MAX
    assert len(b.button("b" * 100, "a")["text"]["text"]) == b.BUTTON_TEXT_MAX
