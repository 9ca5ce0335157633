"""The Block Kit renderer (static/blockkit.js + mrkdwn.js) in a real Chromium: every supported type
draws, interactive elements report actions and state as Slack would, unknown types show a placeholder."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sandbox import STATIC, chromium_page, screenshot

pytestmark = pytest.mark.browser

USERS = [
    {"id": "U0ALICE", "name": "alice", "real_name": "Alice Archer", "deleted": False, "is_bot": False},
    {"id": "U0BOB", "name": "bob", "real_name": "Bob Brown", "deleted": False, "is_bot": False},
    {"id": "U0DAVE", "name": "dave", "real_name": "Dave Dormant", "deleted": True, "is_bot": False},
]
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def option(value: str, text: str | None = None, description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"text": pt(text or value.title()), "value": value}
    if description:
        out["description"] = pt(description)
    return out


def input_block(block_id: str, element: dict[str, Any], label: str, **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": pt(label), "element": element, **extra}


MRKDWN = (
    "*Bold* and _italic_ and ~gone~ and `code` for <@U0ALICE>\n"
    "see <https://developer.intuit.com/|Intuit Developer> &amp; <mailto:x@acme.example|mail> "
    ":white_check_mark:\n"
    "> quoted line"
)
BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "block_id": "head", "text": pt("Register QuickBooks Online")},
    {
        "type": "section",
        "block_id": "intro",
        "text": {"type": "mrkdwn", "text": MRKDWN},
        "accessory": {"type": "button", "action_id": "help", "text": pt("Help"), "value": "h1"},
    },
    {
        "type": "section",
        "block_id": "facts",
        "fields": [{"type": "mrkdwn", "text": "*Owner*\n<@U0BOB>"}, {"type": "plain_text", "text": "Due"}],
        "accessory": {"type": "image", "image_url": "https://example.com/logo.png", "alt_text": "logo"},
    },
    {
        "type": "section",
        "block_id": "pick_env",
        "text": {"type": "mrkdwn", "text": "Environment"},
        "accessory": {
            "type": "static_select",
            "action_id": "env",
            "options": [option("sandbox"), option("production")],
        },
    },
    {
        "type": "section",
        "block_id": "more",
        "text": {"type": "mrkdwn", "text": "More"},
        "accessory": {"type": "overflow", "action_id": "menu", "options": [option("snooze"), option("skip")]},
    },
    {
        "type": "context",
        "block_id": "ctx",
        "elements": [
            {"type": "image", "image_url": PIXEL, "alt_text": "dot"},
            {"type": "mrkdwn", "text": "Stored in the *vault*"},
        ],
    },
    {"type": "divider", "block_id": "div"},
    {"type": "image", "block_id": "pic", "image_url": PIXEL, "alt_text": "pixel", "title": pt("A picture")},
    {
        "type": "actions",
        "block_id": "row",
        "elements": [
            {
                "type": "button",
                "action_id": "done",
                "text": pt("Done"),
                "value": "item-1",
                "style": "primary",
            },
            {
                "type": "button",
                "action_id": "cancel",
                "text": pt("Cancel registration"),
                "style": "danger",
                "confirm": {
                    "title": pt("Cancel?"),
                    "text": {"type": "mrkdwn", "text": "This *cannot* be undone."},
                    "confirm": pt("Yes, cancel"),
                    "deny": pt("Keep it"),
                    "style": "danger",
                },
            },
            {"type": "static_select", "action_id": "row_select", "options": [option("a"), option("b")]},
            {"type": "users_select", "action_id": "row_user"},
            {"type": "datepicker", "action_id": "row_date"},
            {"type": "workflow_button", "action_id": "wf", "text": pt("Run")},
        ],
    },
    input_block("name", {"type": "plain_text_input", "action_id": "v", "initial_value": "Acme"}, "Company"),
    input_block(
        "notes",
        {"type": "plain_text_input", "action_id": "v", "multiline": True},
        "Notes",
        optional=True,
        hint=pt("Anything else"),
    ),
    input_block("mailbox", {"type": "email_text_input", "action_id": "v"}, "Mailbox"),
    input_block("site", {"type": "url_text_input", "action_id": "v"}, "Website"),
    input_block("seats", {"type": "number_input", "action_id": "v", "is_decimal_allowed": False}, "Seats"),
    input_block(
        "platform",
        {
            "type": "static_select",
            "action_id": "v",
            "option_groups": [
                {"label": pt("Accounting"), "options": [option("qbo", "QuickBooks Online"), option("xero")]},
                {"label": pt("Banking"), "options": [option("plaid")]},
            ],
        },
        "Platform",
        dispatch_action=True,
    ),
    input_block("quiet_select", {"type": "static_select", "action_id": "v", "options": [option("x")]}, "Q"),
    input_block("owner", {"type": "users_select", "action_id": "v", "initial_user": "U0BOB"}, "Owner"),
    input_block("helpers", {"type": "multi_users_select", "action_id": "v"}, "Helpers", optional=True),
    input_block(
        "envs",
        {"type": "radio_buttons", "action_id": "v", "options": [option("sandbox", None, "Test data")]},
        "Environment",
    ),
    input_block(
        "checks",
        {
            "type": "checkboxes",
            "action_id": "v",
            "options": [option("mfa"), option("admin")],
            "initial_options": [option("admin")],
        },
        "Checks",
    ),
    input_block("due", {"type": "datepicker", "action_id": "v", "initial_date": "2030-01-31"}, "Due"),
    input_block("at", {"type": "timepicker", "action_id": "v", "initial_time": "09:30"}, "At"),
    {"type": "rich_text", "block_id": "rt", "elements": []},
]

SETUP = """
([blocks, users]) => {
  window.actions = [];
  const onAction = (i) => window.actions.push({action_id: i.element.action_id, block_id: i.block.block_id,
                                               selection: i.selection});
  const box = document.createElement("div");  // a modal's body, without the modal's scrolling
  box.id = "fixture";
  Object.assign(box.style, {width: "540px", padding: "8px 20px 16px", background: "#fff"});
  box.appendChild(BlockKit.renderBlocks(blocks, {users, onAction}));
  document.body.appendChild(box);
}
"""


@pytest.fixture(scope="module")
def page() -> Any:
    with chromium_page(width=900, height=900) as (browser_page, refused):
        browser_page.set_content(
            "<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>"
        )
        browser_page.add_style_tag(path=str(STATIC / "style.css"))
        browser_page.add_script_tag(path=str(STATIC / "mrkdwn.js"))
        browser_page.add_script_tag(path=str(STATIC / "blockkit.js"))
        browser_page.evaluate(SETUP, [BLOCKS, USERS])
        yield browser_page
        assert refused == [], f"the renderer tried to reach the network: {refused}"


def block(page: Any, block_id: str) -> Any:
    return page.locator(f'#fixture .bk-block[data-block-id="{block_id}"]')


def actions(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.actions.splice(0)")


def test_every_block_type_renders(page: Any) -> None:
    kinds = page.eval_on_selector_all("#fixture .bk-block", "ns => ns.map(n => n.dataset.blockType)")
    assert kinds == [b["type"] for b in BLOCKS]
    assert block(page, "head").inner_text() == "Register QuickBooks Online"
    assert block(page, "head").get_attribute("class") == "bk-header bk-block"
    assert block(page, "facts").locator(".bk-field").count() == 2
    assert block(page, "div").evaluate("n => n.tagName") == "HR"
    assert block(page, "ctx").locator("img.bk-context-img").count() == 1
    assert "vault" in block(page, "ctx").locator("b").inner_text()
    assert block(page, "pic").locator("img.bk-image").get_attribute("src") == PIXEL
    assert block(page, "pic").locator(".bk-image-title").inner_text() == "A picture"
    screenshot(page, "renderer-all-blocks.png")


def test_mrkdwn_formatting_and_mentions(page: Any) -> None:
    text = block(page, "intro").locator(".bk-section-text")
    assert text.locator("b").first.inner_text() == "Bold"
    assert text.locator("i").inner_text() == "italic"
    assert text.locator("s").inner_text() == "gone"
    assert text.locator("code").inner_text() == "code"
    assert text.locator(".bk-mention").inner_text() == "@Alice Archer"
    link = text.locator('a[href="https://developer.intuit.com/"]')
    assert link.inner_text() == "Intuit Developer"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert text.locator("br").count() == 2
    assert text.locator(".bk-quote").inner_text() == "quoted line"
    assert "& mail ✅" in text.inner_text()
    assert block(page, "facts").locator(".bk-mention").inner_text() == "@Bob Brown"
    escaped = page.evaluate("BlockKit.mrkdwn('<script>x</script> *<b>* &lt;i&gt;', {})")
    assert "<script>" not in escaped and "<b>&lt;b&gt;</b>" in escaped and "&lt;i&gt;" in escaped


def test_accessories(page: Any) -> None:
    assert block(page, "intro").locator(".bk-accessory button.bk-button").inner_text() == "Help"
    remote = block(page, "facts").locator(".bk-accessory .bk-image-ph")
    assert "logo" in remote.inner_text()  # remote images are never fetched
    options = block(page, "pick_env").locator(".bk-accessory select option")
    assert options.all_inner_texts() == ["Select an item", "Sandbox", "Production"]
    overflow = block(page, "more")
    assert overflow.locator(".bk-overflow-menu").is_hidden()
    overflow.locator(".bk-overflow-toggle").click()
    overflow.locator('.bk-overflow-item[data-value="snooze"]').click()
    assert actions(page) == [{"action_id": "menu", "block_id": "more", "selection": "snooze"}]


def test_actions_block_buttons_selects_and_confirm(page: Any) -> None:
    row = block(page, "row")
    assert row.locator(".bk-button.bk-primary").inner_text() == "Done"
    row.locator(".bk-button.bk-primary").click()
    row.locator(".bk-el-static_select select").select_option("b")
    users = row.locator(".bk-el-users_select select option").all_inner_texts()
    assert users == ["Select a person", "Alice Archer (@alice)", "Bob Brown (@bob)"]  # no deactivated
    row.locator(".bk-el-users_select select").select_option("U0ALICE")
    row.locator(".bk-el-datepicker input[type=date]").fill("2031-02-03")
    assert actions(page) == [
        {"action_id": "done", "block_id": "row", "selection": None},
        {"action_id": "row_select", "block_id": "row", "selection": "b"},
        {"action_id": "row_user", "block_id": "row", "selection": "U0ALICE"},
        {"action_id": "row_date", "block_id": "row", "selection": "2031-02-03"},
    ]
    row.locator(".bk-button.bk-danger").click()
    dialog = page.locator(".bk-confirm")
    assert "cannot" in dialog.locator(".bk-confirm-text b").inner_text()
    screenshot(page, "renderer-confirm.png")
    dialog.get_by_text("Keep it").click()
    assert actions(page) == []
    row.locator(".bk-button.bk-danger").click()
    page.locator(".bk-confirm").get_by_text("Yes, cancel").click()
    assert actions(page) == [{"action_id": "cancel", "block_id": "row", "selection": None}]


def test_input_elements(page: Any) -> None:
    assert block(page, "name").locator("input[type=text]").input_value() == "Acme"
    assert block(page, "notes").locator("textarea").count() == 1
    assert block(page, "notes").locator(".bk-optional").count() == 1
    assert block(page, "notes").locator(".bk-hint").inner_text() == "Anything else"
    assert block(page, "mailbox").locator("input[type=email]").count() == 1
    assert block(page, "site").locator("input[type=url]").count() == 1
    assert block(page, "seats").locator("input[type=number]").get_attribute("step") == "1"
    groups = block(page, "platform").locator("optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == ["Accounting", "Banking"]
    assert block(page, "owner").locator("select").input_value() == "U0BOB"
    assert block(page, "helpers").locator("select[multiple]").count() == 1
    assert block(page, "envs").locator("input[type=radio]").count() == 1
    assert "Test data" in block(page, "envs").locator(".bk-choice-desc").inner_text()
    assert block(page, "checks").locator("input[type=checkbox]:checked").get_attribute("value") == "admin"
    assert block(page, "due").locator("input[type=date]").input_value() == "2030-01-31"
    assert block(page, "at").locator("input[type=time]").input_value() == "09:30"


def test_dispatch_action_only_where_asked(page: Any) -> None:
    block(page, "quiet_select").locator("select").select_option("x")
    assert actions(page) == []  # an input without dispatch_action waits for submit
    block(page, "platform").locator("select").select_option("qbo")
    assert actions(page) == [{"action_id": "v", "block_id": "platform", "selection": "qbo"}]


def test_unknown_types_show_a_placeholder(page: Any) -> None:
    assert block(page, "rt").inner_text() == "[unsupported block: rich_text]"
    assert (
        block(page, "row").locator(".bk-unsupported").inner_text() == "[unsupported element: workflow_button]"
    )
    nothing = page.evaluate("BlockKit.renderBlocks([{}], {}).innerText")
    assert nothing == "[unsupported block: (no type)]"


def test_state_errors_and_carry_over(page: Any) -> None:
    block(page, "mailbox").locator("input").fill("ap@gmail.com")
    block(page, "helpers").locator("select").select_option(["U0ALICE", "U0BOB"])
    block(page, "envs").locator("input").check()
    state = page.evaluate("BlockKit.collectState(document.getElementById('fixture'))")
    assert state["name"] == {"v": "Acme"}
    assert state["notes"] == {"v": None}  # empty text inputs are null, as Slack sends them
    assert state["mailbox"] == {"v": "ap@gmail.com"}
    assert state["platform"] == {"v": "qbo"}
    assert state["owner"] == {"v": "U0BOB"}
    assert state["helpers"] == {"v": ["U0ALICE", "U0BOB"]}
    assert state["envs"] == {"v": "sandbox"}
    assert state["checks"] == {"v": ["admin"]}
    assert state["due"] == {"v": "2030-01-31"}
    assert state["row"]["row_select"] == "b"  # set in an actions block: included once chosen
    assert "pick_env" not in state  # never chosen: left out, as Slack does outside input blocks

    errors = {"mailbox": "Use a shared mailbox, not a personal one.", "intro": "not an input"}
    unmatched = page.evaluate(
        "(errors) => BlockKit.showErrors(document.getElementById('fixture'), errors)", errors
    )
    assert unmatched == ["intro"]
    error = block(page, "mailbox").locator(".bk-error")
    assert error.is_visible() and error.inner_text() == errors["mailbox"]
    assert block(page, "name").locator(".bk-error").is_hidden()
    assert block(page, "mailbox").locator("input").input_value() == "ap@gmail.com"  # input kept
    screenshot(page, "renderer-errors.png")

    carried = page.evaluate(
        """([blocks, users]) => {
          const old = document.getElementById('fixture');
          const snap = BlockKit.snapshot(old);
          const next = BlockKit.renderBlocks(blocks, {users});
          BlockKit.restore(next, snap);
          return BlockKit.collectState(next);
        }""",
        [json.loads(json.dumps(BLOCKS)), USERS],
    )
    assert carried["mailbox"] == {"v": "ap@gmail.com"}
    assert carried["helpers"] == {"v": ["U0ALICE", "U0BOB"]}
