"""The secure page from the sandbox, in a real headless Chromium: the credentials step's "Enter on a
secure page", the link opening on the sandbox bot's own loopback origin, Sign in with Slack through
the stand-in's authorize page, the form, and the modal moving on to the summary by itself.

A unique secret typed into the page ends up in the development vault only (encrypted), never in
the database, the logs or any Slack call. Screenshots: tests/artifacts/sandbox-secure-*.png."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from core.clock import Clock
from core.network import is_loopback_url
from simulators.sandbox import Sandbox
from storage.db import Database
from tests.sandbox import MONDAY_10_UTC, chromium_page, in_block, next_step, screenshot
from tests.support.canary import database_dump, new_canary, sqlite_files

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox(clock=Clock(frozen_at=MONDAY_10_UTC))


def test_credentials_typed_on_the_secure_page_from_the_sandbox(
    sandbox: Sandbox, db: Database, log_output: io.StringIO, capfd: Any
) -> None:
    canary = new_canary()
    bot_settings = sandbox.deps.settings
    assert bot_settings.PUBLIC_URL and is_loopback_url(bot_settings.PUBLIC_URL)
    assert bot_settings.sign_in_with_slack and bot_settings.secret_intake.value == "both"
    with chromium_page() as (page, refused):
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(sandbox.url + "/")
        expect(page.locator("#me-name")).to_have_text("Alice Archer")
        page.fill("#composer-input", "/codat-register start qbo sandbox")
        page.press("#composer-input", "Enter")
        expect(page.locator("#modal-title")).to_have_text("2/5 Prerequisites", timeout=10_000)
        in_block(page, "agreements", 'input[value="no"]').check()
        in_block(page, "contacted", 'input[value="contacted"]').check()
        in_block(page, "vault_status", 'input[value="approved"]').check()
        next_step(page, "3/5 Registration")
        in_block(page, "mailbox", "input[type=email]").fill("system-admins@acme.example")
        next_step(page, "4/5 Credentials")

        # 4/5: the button makes a link, shown in the modal in place.
        in_block(page, "secure_page_offer", "button").click()
        opener = in_block(page, "secure_page_link", "a.bk-button")
        opener.wait_for()
        link = opener.get_attribute("href")
        assert link and link.startswith(bot_settings.PUBLIC_URL + "/secure/")
        screenshot(page, "sandbox-secure-1-link.png")
        with page.context.expect_page() as opened:
            opener.click()
        secure = opened.value
        secure.wait_for_load_state()
        # Sign in with Slack: the stand-in's authorize page, on its own loopback origin.
        assert urlsplit(secure.url).path == "/openid/connect/authorize"
        secure.click("text=Continue as Alice Archer")
        expect(secure.locator("h1")).to_contain_text("QuickBooks Online")
        assert urlsplit(secure.url).netloc == urlsplit(bot_settings.PUBLIC_URL).netloc
        expect(secure.locator("main")).to_contain_text("Signed in with Slack as Alice Archer")
        assert "development vault" in secure.locator(".where").inner_text()
        secure.fill('input[name="field_client_id"]', "ABqbo-client-id")
        secure.fill('input[name="field_client_secret"]', canary)
        screenshot(secure, "sandbox-secure-2-form.png")
        secure.click("button.primary")
        expect(secure.locator("h1")).to_have_text("Stored ✓")
        assert canary not in secure.content()
        screenshot(secure, "sandbox-secure-3-stored.png")
        secure.close()

        # The modal moved on by itself, and the DM arrived.
        expect(page.locator("#modal-title")).to_have_text("5/5 Summary", timeout=10_000)
        assert "dev-vault://" in page.locator("#modal-body").inner_text()
        page.locator(".msg:not(.msg-ephemeral)", has_text="QuickBooks Online").wait_for()
        screenshot(page, "sandbox-secure-4-summary.png")
        assert errors == [] and refused == [], (errors, refused)

    vault = sandbox.settings.DATA_DIR / "dev-vault"
    fernet = Fernet((vault / "key").read_bytes().strip())
    stored = [fernet.decrypt(path.read_bytes()) for path in vault.rglob("*.fernet")]
    assert any(canary.encode() in value for value in stored), "the canary never reached the vault"
    for path in [p for p in sandbox.settings.DATA_DIR.rglob("*") if p.is_file()] + sqlite_files(db):
        assert canary.encode() not in path.read_bytes(), f"the canary is in clear in {path}"
    assert canary not in database_dump(db)
    assert sandbox.api is not None
    for call in sandbox.api.calls:
        assert canary.encode() not in call.raw_body, f"the canary reached Slack in {call.method}"
    out, err = capfd.readouterr()
    assert canary not in log_output.getvalue() + out + err
