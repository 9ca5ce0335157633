"""The OAuth sandbox (`python app.py sandbox --oauth`): Acme installed at start-up through the real
OAuth round trip, an "Add to Slack" round trip into Globex from the page, then Globex answered with
its own token, and "Uninstall"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulators.sandbox import Sandbox
from simulators.slack.browser import Browser
from tests.sandbox.test_page_api import ALICE, Page

GRACE = "U0GRACE"


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox(oauth=True)


def installs(page: Page, user: str = ALICE) -> dict[str, bool]:
    return {w["name"]: w["installed"] for w in page.state(user)["installs"]}


def test_add_to_slack_installs_the_app_into_a_second_workspace(sandbox: Sandbox) -> None:
    assert sandbox.deps.installations is not None and sandbox.deps.settings.oauth_install
    page = Page(sandbox.url)
    assert installs(page) == {"Acme": True, "Globex": False}
    state = page.state(GRACE)
    assert state["team"]["name"] == "Globex"
    (globex,) = [w for w in state["installs"] if w["name"] == "Globex"]

    # The link the page shows: the bot's /slack/install, Slack's consent page, back to the bot.
    browser = Browser()
    started = browser.get(globex["install_url"])
    assert started.status == 302
    done = browser.install(globex["install_url"].split("/slack/install")[0], "team:T0002", team="T0002")
    assert done.status == 200 and "Globex" in done.body
    assert installs(page) == {"Acme": True, "Globex": True}

    status, answer = page.post("/api/command", {"user": GRACE, "text": "/codat-register help"})
    assert status == 200 and answer["ok"], answer
    assert page.state(GRACE)["ephemerals"]  # answered in Globex
    assert sandbox.api is not None
    globex_token = sandbox.api.oauth.tokens_for(team_id="T0002")[0]
    answered = [call for call in sandbox.api.calls if call.team_id == "T0002"]
    assert all(call.bearer == globex_token for call in answered)

    status, answer = page.post("/api/uninstall", {"team": "T0002"})
    assert status == 200 and answer["ok"]
    assert installs(page) == {"Acme": True, "Globex": False}


def test_the_add_to_slack_round_trip_in_a_browser(sandbox: Sandbox) -> None:
    from playwright.sync_api import expect

    from tests.sandbox import chromium_page, screenshot

    with chromium_page() as (page, refused):
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(sandbox.url + "/")
        expect(page.locator("#me-name")).to_have_text("Alice Archer")
        expect(page.locator("#installs-list")).to_contain_text("✓ Acme")
        with page.expect_popup() as opened:
            page.click("text=Add to Slack: Globex")
        slack = opened.value  # the bot's /slack/install, then the stand-in's consent page
        slack.click("text=Allow: install into the Globex workspace")
        expect(slack.locator("h1")).to_have_text("codat-register is installed")
        expect(slack.locator("main")).to_contain_text("installed in Globex")
        screenshot(slack, "sandbox-oauth-installed.png")
        slack.close()

        expect(page.locator("#installs-list")).to_contain_text("✓ Globex")
        page.select_option("#user-select", GRACE)
        expect(page.locator("#team-name")).to_have_text("Globex")
        page.fill("#composer-input", "/codat-register help")
        page.press("#composer-input", "Enter")
        page.locator(".msg-ephemeral").first.wait_for()
        screenshot(page, "sandbox-oauth-globex.png")
        assert errors == [] and refused == []
