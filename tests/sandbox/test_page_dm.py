"""The sandbox page delivers what a person types into the Messages tab to the bot as Slack does
(a signed message.im event), and shows the bot's answer there."""

from __future__ import annotations

import time

from simulators.sandbox import Sandbox
from tests.sandbox import test_page_api
from tests.sandbox.test_page_api import ALICE, Page

sandbox, page = test_page_api.sandbox, test_page_api.page  # the same fixtures


def test_a_message_typed_in_the_dm_reaches_the_bot_and_gets_the_pointer(page: Page, sandbox: Sandbox) -> None:
    status, body = page.post("/api/message", {"user": ALICE, "text": "hello bot"})
    assert status == 200 and body["ok"] is True and body["sent"] is True
    deadline = time.monotonic() + 10
    while len(page.state()["messages"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    mine, answer = page.state()["messages"][:2]
    assert (mine["user"], mine["text"]) == (ALICE, "hello bot") and "bot_id" not in mine
    assert answer.get("bot_id") and "/codat-register help" in answer["text"]


def test_an_empty_message_is_refused_by_the_page(page: Page) -> None:
    assert page.post("/api/message", {"user": ALICE, "text": "  "})[0] == 400
    assert page.post("/api/message", {"user": ALICE, "text": "x" * 5000})[0] == 400
