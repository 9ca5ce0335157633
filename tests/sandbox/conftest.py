"""The sandbox each test starts: the bot with its stand-ins on this test's database and data folder,
no scheduler (tests sweep themselves), on free loopback ports; stopped after the test."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import Clock
from core.settings import load_settings
from simulators.sandbox import Sandbox
from storage.db import Database


@pytest.fixture
def start_sandbox(tmp_path: Path, db: Database, log_output: io.StringIO) -> Iterator[Callable[..., Sandbox]]:
    """`start_sandbox(clock=…, oauth=…, **settings)`: a running sandbox; settings override the test's."""
    started: list[Sandbox] = []

    def start(*, clock: Clock | None = None, oauth: bool = False, **overrides: Any) -> Sandbox:
        values: dict[str, Any] = {
            "DATA_DIR": tmp_path / "data",
            "DATABASE_URL": db.url,
            "RUN_SCHEDULER": False,
            "SANDBOX_PORT": 0,
        }
        settings = load_settings(**{**values, **overrides})
        running = Sandbox(settings, clock=clock, oauth=oauth).start()
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.stop()
