"""The secure page in a real headless Chromium (Debian's, driven by Playwright): what the person sees,
the page's own policy holding (its hashed style applies, nothing is blocked or loaded from
elsewhere, no script), the show toggle, and the failure path — Secret Manager refuses once, the page
keeps the non-secret field and empties the secret one, says what to do, and the retry stores.

Screenshots go to tests/artifacts/secure-page-*.png."""

from __future__ import annotations

import grpc
import pytest
from playwright.sync_api import expect

from simulators.secret_manager import Emulator
from tests.handlers.wizard_support import Wizard
from tests.sandbox import chromium_page, screenshot
from tests.secure_page.support import ask_for_link, to_credentials
from tests.support.canary import new_canary

pytestmark = pytest.mark.browser


def test_the_secure_page_in_chromium_keeps_the_non_secret_fields_after_a_failure(
    wizard: Wizard, secret_manager: Emulator
) -> None:
    canary = new_canary()
    to_credentials(wizard)
    url = ask_for_link(wizard)
    with chromium_page(width=900, height=900) as (page, refused):
        console: list[str] = []
        errors: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(url)
        assert response is not None and response.status == 200
        expect(page.locator("h1")).to_contain_text("QuickBooks Online")
        # The inline style is allowed by its hash: it applies (a white card on a grey page).
        card = page.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor")
        assert card == "rgb(255, 255, 255)"
        client_id = page.locator('input[name="field_client_id"]')
        secret = page.locator('input[name="field_client_secret"]')
        assert secret.get_attribute("type") == "password" and client_id.get_attribute("type") == "text"
        for field in (client_id, secret):
            assert field.get_attribute("autocomplete") == "off"
        assert page.locator("form").get_attribute("autocomplete") == "off"
        screenshot(page, "secure-page-1-form.png")

        # Secret Manager refuses once: nothing stored; the page keeps the client ID only.
        secret_manager.inject_fault(grpc.StatusCode.PERMISSION_DENIED, method="AddSecretVersion", times=1)
        client_id.fill("ABqbo-client-id")
        secret.fill(canary)
        page.click("button.primary")
        banner = page.locator(".banner")
        expect(banner).to_contain_text("Nothing was stored")
        problem = page.locator(".field.error .message").first
        expect(problem).to_contain_text("Nothing was saved — press Submit again.")
        expect(problem).to_contain_text("secretmanager.versions.add")
        assert page.locator('input[name="field_client_id"]').input_value() == "ABqbo-client-id"
        assert page.locator('input[name="field_client_secret"]').input_value() == ""
        assert canary not in page.content()
        assert secret_manager.payloads() == []
        screenshot(page, "secure-page-2-failed.png")

        # Show what I type: the form comes back with the secret field as plain text, still empty.
        page.click("button.secondary")
        shown = page.locator('input[name="field_client_secret"]')
        expect(shown).to_have_attribute("type", "text")
        assert shown.input_value() == "" and client_id.input_value() == "ABqbo-client-id"
        shown.fill(canary)
        screenshot(page, "secure-page-3-shown.png")
        page.click("button.primary")
        expect(page.locator("h1")).to_have_text("Stored ✓")
        assert "hmac:" in page.locator("main").inner_text()
        assert canary not in page.content()
        screenshot(page, "secure-page-4-stored.png")

        # The page's address again: used.
        again = page.goto(url)
        assert again is not None and again.status == 410
        assert errors == [] and refused == [], (errors, refused)
        assert not [line for line in console if "Content Security Policy" in line], console
    assert any(canary.encode() in payload for payload in secret_manager.payloads())
    wizard.bot.settle()
    assert wizard.current()["title"]["text"] == "5/5 Summary"
