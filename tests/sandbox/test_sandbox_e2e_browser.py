"""A person's first session in the sandbox, in a real headless Chromium: register QuickBooks Online
(sandbox) through the page — a validation error shown and corrected, credentials entered, the
summary reached — then advance the bot's clock until a reminder DM arrives, and press its Done.

Screenshots of each stage go to tests/artifacts/. A unique secret typed into the page must end up
in the development vault only: encrypted there, and nowhere else (database, logs, Slack)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from core.clock import Clock
from simulators.sandbox import Sandbox
from storage.db import Database
from tests.sandbox import MONDAY_10_UTC, chromium_page, in_block, next_step, screenshot
from tests.support.canary import database_dump, new_canary, sqlite_files

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    # 11:00 in London, Alice's working hours. Her open items are first due two business days
    # later, so two presses of "Advance 1 day" bring the reminder.
    return start_sandbox(clock=Clock(frozen_at=MONDAY_10_UTC))


def test_register_quickbooks_then_a_reminder_arrives_and_done_works(
    sandbox: Sandbox, db: Database, log_output: io.StringIO, capfd: Any
) -> None:
    canary = new_canary()
    with chromium_page() as (page, refused):
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(sandbox.url + "/")
        expect(page.locator("#me-name")).to_have_text("Alice Archer")
        assert "development vault" in page.locator(".notice").inner_text()
        assert page.locator("#clock-now").inner_text() == "Mon 8 Jun, 11:00"

        # 1/5: the picker; choosing a platform (dispatch_action) updates the modal in place.
        page.fill("#composer-input", "/codat-register start")
        page.press("#composer-input", "Enter")
        page.wait_for_selector("#modal-backdrop:not([hidden])")
        assert page.locator("#modal-title").inner_text() == "1/5 Platform"
        assert in_block(page, "platform", "optgroup").count() == 4  # option groups
        in_block(page, "platform", "select").select_option("quickbooks-online")
        page.wait_for_selector('#modal-body .bk-block[data-block-id="platform_summary"]')
        assert in_block(page, "platform", "select").input_value() == "quickbooks-online"  # kept
        in_block(page, "environment", 'input[value="sandbox"]').check()
        screenshot(page, "sandbox-1-platform.png")
        next_step(page, "2/5 Prerequisites")

        # 2/5: radio buttons and a checkbox.
        in_block(page, "agreements", 'input[value="no"]').check()
        in_block(page, "contacted", 'input[value="contacted"]').check()
        in_block(page, "vault_status", 'input[value="approved"]').check()
        next_step(page, "3/5 Registration")

        # 3/5: a free-mail mailbox is refused under its input, which keeps what was typed.
        in_block(page, "mailbox", "input[type=email]").fill("finance.team@gmail.com")
        page.click("#modal-submit")
        error = in_block(page, "mailbox", ".bk-error")
        error.wait_for(state="visible")
        assert "gmail.com is a free-mail domain" in error.inner_text()
        assert in_block(page, "mailbox", "input").input_value() == "finance.team@gmail.com"
        screenshot(page, "sandbox-2-validation-error.png")
        in_block(page, "mailbox", "input").fill("system-admins@acme.example")
        for check in ("review_requirements", "portal_account", "intuit_create_app"):
            in_block(page, "registration_checks", f'input[value="{check}"]').check()
        next_step(page, "4/5 Credentials")  # "engage_specialist" stays open: it will be reminded

        # 4/5: credentials, typed into the page, go to the bot in the signed view_submission only.
        in_block(page, "credential_client_id", "input").fill("ABqbo-client-id")
        in_block(page, "credential_client_secret", "input").fill(canary)
        screenshot(page, "sandbox-3-credentials.png")
        next_step(page, "5/5 Summary")
        summary = page.locator("#modal-body").inner_text()
        assert "dev-vault://" in summary and "Still to do" in summary and canary not in summary
        screenshot(page, "sandbox-4-summary.png")
        page.click("#modal-close")
        page.wait_for_selector("#modal-backdrop", state="hidden")
        page.locator(".msg:not(.msg-ephemeral)", has_text="QuickBooks Online").wait_for()  # the DM

        # Follow-ups: advance the bot's clock until the reminder digest arrives in Messages.
        reminder = page.locator(".msg", has=page.locator("button.bk-button", has_text="Done"))
        for day in range(1, 5):
            page.click("text=Advance 1 day")
            page.locator(".toast", has_text="Reminder sweep ran").nth(day - 1).wait_for()
            try:
                reminder.wait_for(timeout=2_000)
                break
            except Exception:  # Playwright's TimeoutError: not due yet
                continue
        assert reminder.count() == 1, "no reminder DM after four days"
        assert "Engage" in reminder.inner_text() or "specialist" in reminder.inner_text()
        ts = reminder.get_attribute("data-ts")
        screenshot(page, "sandbox-5-reminder.png")

        # Done: the bot updates the same message in place (chat.update), that item's buttons gone.
        # The digest also lists "Enabled in Codat", which Codat ticks: its buttons stay.
        assert "Enabled in Codat" in reminder.inner_text()
        reminder.locator("button.bk-button", has_text="Done").first.click()
        same = page.locator(f'.msg[data-ts="{ts}"]')
        same.locator(".msg-edited").wait_for()
        assert same.locator("button.bk-button", has_text="Done").count() == 1
        assert "done" in same.inner_text().lower()
        screenshot(page, "sandbox-6-done.png")

        # Codat: Alice (an admin) switches QuickBooks Online's sandbox on in the stand-in; the bot
        # asks Codat at once and "Enabled in Codat" ticks — the last open item, so it completes.
        page.select_option("#codat-key", "ndsk")
        page.check("#codat-enabled")
        page.locator(".toast", has_text="ticked").wait_for()
        page.fill("#composer-input", "/codat-register status")
        page.press("#composer-input", "Enter")
        page.locator(".msg-ephemeral", has_text="Codat: enabled").wait_for()
        assert "complete" in page.locator(".msg-ephemeral", has_text="Codat: enabled").inner_text()

        # The App Home tab, published by the bot when the person opens it.
        page.click("#tab-home")
        page.locator("#home .bk-blocks", has_text="QuickBooks Online").wait_for()
        screenshot(page, "sandbox-7-home.png")
        page.click("#tab-messages")

        # Another simulated person sees their own (empty) DM with the app, in their own time zone.
        page.select_option("#user-select", "U0BOB")
        expect(page.locator("#me-email")).to_have_text(re.compile(r"^bob@"))
        assert "America/New_York" in page.locator("#me-tz").inner_text()
        page.locator("#messages-empty").wait_for()
        assert page.locator(".msg").count() == 0
        page.select_option("#user-select", "U0ALICE")
        page.locator(f'.msg[data-ts="{ts}"]').wait_for()
        assert errors == [], errors
        assert refused == [], f"the page tried to reach the network: {refused}"

    # The canary is in the development vault, encrypted, and nowhere else.
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
