"""Shared fixtures: real database (SQLite or PostgreSQL), Slack Web API stand-in, Secret Manager
emulator, and the real Bolt app served over HTTP."""

from __future__ import annotations

import io
import logging
import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # read when google.auth is imported: never probe metadata

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.deps import Deps
from core.clock import Clock
from core.logs import configure_logging
from core.settings import Settings, load_settings
from simulators.codat import CodatStandIn
from simulators.secret_manager import Emulator
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.support.database import fresh_database_url, truncate_all
from tests.support.wsgi_server import WsgiThread

CODAT_API_KEY = "codat-test-key-5b7e21"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0001"


@pytest.fixture(scope="session", autouse=True)
def _no_application_default_credentials() -> Iterator[None]:
    """Nothing in the tests may look up Google credentials (that would probe the metadata server)."""
    import google.auth

    original = google.auth.default

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tests must not look up Application Default Credentials")

    google.auth.default = refuse  # type: ignore[assignment]
    yield
    google.auth.default = original


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with fresh_database_url(tmp_path_factory.mktemp("db")) as url:
        database = Database(url)
        database.upgrade()
        yield database
        database.dispose()


@pytest.fixture
def db(migrated_db: Database) -> Iterator[Database]:
    truncate_all(migrated_db)
    yield migrated_db
    truncate_all(migrated_db)


@pytest.fixture
def slack_api() -> Iterator[SlackWebApi]:
    api = SlackWebApi(bot_token=BOT_TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def _emulator() -> Iterator[Emulator]:
    emulator = Emulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def secret_manager(_emulator: Emulator) -> Iterator[Emulator]:
    _emulator.reset()
    _emulator.clear_faults()
    yield _emulator
    _emulator.clear_faults()


@pytest.fixture
def codat() -> Iterator[CodatStandIn]:
    """The Codat API stand-in on 127.0.0.1, accepting CODAT_API_KEY (every integration off but
    Codat's own sandbox). Point a bot at it with `with_codat(settings, codat.url)`."""
    with CodatStandIn(api_key=CODAT_API_KEY) as standin:
        yield standin
    assert standin.errors == []


def with_codat(settings: Settings, url: str, api_key: str = CODAT_API_KEY) -> Settings:
    """`settings` with CODAT_API_URL and CODAT_API_KEY set (the bot then asks that Codat)."""
    return settings.model_copy(update={"CODAT_API_URL": url, "CODAT_API_KEY": SecretStr(api_key)})


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the app logs, through the same redacting handler production uses."""
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_codat_register", False):
            root.removeHandler(handler)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, slack_api: SlackWebApi, secret_manager: Emulator, db: Database) -> Settings:
    return load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api.url,
        DATABASE_URL=db.url,
        GCP_PROJECT_ID="test-project",
        SECRET_MANAGER_ENDPOINT=secret_manager.address,
        DATA_DIR=tmp_path / "data",
        FINGERPRINT_KEY="test-fingerprint-key",
        CODAT_API_KEY=None,  # never a developer's own key from the environment: nothing goes to Codat
        RUN_SCHEDULER=False,
        LOG_LEVEL="DEBUG",
    )


@dataclass
class RunningBot:
    deps: Deps
    server: WsgiThread
    events: SlackEventsClient

    @property
    def url(self) -> str:
        return self.server.url

    def settle(self) -> None:
        """Wait for the work each handler left for after the ack."""
        assert self.deps.background.wait_idle(10), "after-ack work did not finish"


@pytest.fixture
def bot(
    settings: Settings, db: Database, clock: Clock, log_output: io.StringIO, slack_api: SlackWebApi
) -> Iterator[RunningBot]:
    from handlers import build_app
    from handlers.http import make_wsgi_app
    from runtime import build_deps

    deps = build_deps(settings, clock=clock, db=db)
    app = build_app(deps)
    server = WsgiThread(make_wsgi_app(app, deps)).start()
    running = RunningBot(
        deps,
        server,
        SlackEventsClient(server.url + "/slack/events", SIGNING_SECRET, web_api=slack_api),
    )
    yield running
    server.stop()
    deps.background.wait_idle(10)
    deps.background.shutdown()
    scheduler = deps.extras.get("scheduler")
    if scheduler is not None:
        scheduler.shutdown(wait=False)
