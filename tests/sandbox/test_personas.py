"""The sandbox's personas have roles — Alice the workspace's admin (so the bot's, with no ADMIN_*
settings), Bob, Carol and Camille members, Gus a guest — and the page shows them, so refusals and
admin-only commands can be tried there."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings
from simulators.sandbox import Sandbox
from storage.db import Database
from tests.sandbox.test_page_api import Page


@pytest.fixture
def page(tmp_path: Path, db: Database, log_output: io.StringIO) -> Iterator[Page]:
    settings = load_settings(
        DATA_DIR=tmp_path / "data", DATABASE_URL=db.url, RUN_SCHEDULER=False, SANDBOX_PORT=0
    )
    with Sandbox(settings) as running:
        yield Page(running.url)


def ephemeral_after(page: Page, user: str, text: str) -> str:
    status, body = page.post("/api/command", {"user": user, "text": text})
    assert status == 200 and body["ok"], body
    return json.dumps(page.state(user)["ephemerals"][-1], ensure_ascii=False)


def test_the_page_shows_each_personas_role(page: Page) -> None:
    roles = {user["id"]: user["role"] for user in page.state()["users"]}
    assert roles["U0ALICE"] == "workspace admin"
    assert roles["U0BOB"] == roles["U0CAROL"] == roles["U0CAMILLE"] == "member"
    assert roles["U0GUS"] == "guest"


def test_the_guest_is_refused_but_may_read_the_catalogue(page: Page) -> None:
    refused = ephemeral_after(page, "U0GUS", "/codat-register start xero")
    assert "Sorry — you can't" in refused and "Guests and apps can use" in refused
    assert page.state("U0GUS")["modals"] == []
    assert "Sorry" not in ephemeral_after(page, "U0GUS", "/codat-register info xero")


def test_only_the_admin_reads_the_audit_trail(page: Page) -> None:
    assert "Only an admin can" in ephemeral_after(page, "U0BOB", "/codat-register audit")
    assert "Sorry — you can't" not in ephemeral_after(page, "U0ALICE", "/codat-register audit")
