"""The sandbox's Codat: a stand-in on loopback the bot is pointed at (never a real Codat unless
the settings name one), and the page's admin control that switches an integration on, so
"Enabled in Codat" ticks on the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.network import is_loopback_url
from core.settings import load_settings, reveal
from simulators.codat import CodatStandIn
from simulators.sandbox import Sandbox
from storage.db import Database
from storage.statuses import ItemStatus
from tests.bot.codat.support import Seed
from tests.conftest import CODAT_API_KEY
from tests.sandbox.test_page_api import ALICE, Page


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox(CODAT_API_KEY=None)


def test_the_bot_asks_a_local_stand_in_that_knows_the_catalogue(sandbox: Sandbox) -> None:
    assert sandbox.codat is not None
    settings = sandbox.deps.settings
    assert sandbox.codat.standin.url == settings.CODAT_API_URL and is_loopback_url(settings.CODAT_API_URL)
    assert reveal(settings.CODAT_API_KEY) == sandbox.codat.api_key
    assert sandbox.deps.codat is not None
    known = {i["key"]: i for i in Page(sandbox.url).state()["codat"]["integrations"]}
    assert known["gbol"]["name"] == "Xero" and known["gbol"]["enabled"] is False
    assert known["ndsk"]["enabled"] is False and "knfz" in known  # sandbox keys and every platform's


def test_an_admin_switches_an_integration_on_and_the_item_ticks(sandbox: Sandbox, db: Database) -> None:
    page = Page(sandbox.url)
    seed = Seed(db, sandbox.api.workspace.team_id)  # type: ignore[union-attr]
    registration = seed.registration("xero", "production")
    status, body = page.post("/api/codat", {"user": "U0BOB", "key": "gbol", "enabled": True})
    assert status == 403 and "admin" in body["error"]
    assert seed.item(registration).status == ItemStatus.todo
    status, body = page.post("/api/codat", {"user": ALICE, "key": "gbol", "enabled": True})
    assert status == 200 and body["checked"] == 1 and body["ticked"] == 1, body
    assert seed.item(registration).status == ItemStatus.done and seed.status(registration) == "completed"
    assert [e.surface for e in seed.audit() if e.action == "checklist.done"] == ["page"]
    assert {i["key"]: i["enabled"] for i in page.state()["codat"]["integrations"]}["gbol"] is True
    status, body = page.post("/api/codat", {"user": ALICE, "key": "zzzz", "enabled": True})
    assert status == 404


def test_settings_that_name_a_codat_are_kept(tmp_path: Path, db: Database) -> None:
    with CodatStandIn(api_key=CODAT_API_KEY) as mine:
        settings = load_settings(
            DATA_DIR=tmp_path / "data",
            DATABASE_URL=db.url,
            RUN_SCHEDULER=False,
            SANDBOX_PORT=0,
            CODAT_API_URL=mine.url,
            CODAT_API_KEY=CODAT_API_KEY,
        )
        with Sandbox(settings) as sandbox:
            assert sandbox.codat is None
            assert mine.url == sandbox.deps.settings.CODAT_API_URL
            assert Page(sandbox.url).state()["codat"] is None
