"""Tests of the local sandbox: start-up, the page's API, the Block Kit renderer, and a whole
registration clicked through in a real headless Chromium.

Browser helpers live here: Debian's chromium, driven by Playwright, with every request that is not
for 127.0.0.1 refused and recorded, and the steps the browser tests share; the `start_sandbox`
fixture is in conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
STATIC = Path(__file__).resolve().parents[2] / "simulators" / "sandbox" / "static"


def require_chromium() -> str:
    """The browser's path; skips when it is missing, except in CI (CI=true), where that fails."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (scripts/test does)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def chromium_page(width: int = 1280, height: int = 860) -> Iterator[tuple[Any, list[str]]]:
    """(page, refused): a fresh page, and the non-loopback URLs it tried to load (refused)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    refused: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, service_workers="block"
            )
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page, refused
        finally:
            browser.close()


# Monday 8 June 2026, 10:00 UTC: 11:00 in London, inside the personas' working hours.
MONDAY_10_UTC = datetime(2026, 6, 8, 10, tzinfo=UTC)


def in_block(page: Any, block_id: str, selector: str) -> Any:
    """An element of the sandbox's rendered modal, inside one Block Kit block."""
    return page.locator(f'#modal-body .bk-block[data-block-id="{block_id}"] {selector}')


def next_step(page: Any, title: str) -> None:
    """Submit the modal and wait for the next step's title."""
    page.click("#modal-submit")
    # Locator assertions run in Playwright's own script world: the page's CSP (no eval) stays on.
    expect(page.locator("#modal-title")).to_have_text(title, timeout=10_000)
