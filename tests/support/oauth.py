"""OAuth-mode fixtures: a Slack stand-in with several workspaces (Acme, Globex, and the two
workspaces of an Enterprise Grid organisation), on the bot's own clock, and the real bot in OAuth
mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN) served over HTTP.

A test package uses them by importing the fixtures into its conftest.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.deps import Deps
from core.clock import Clock
from core.settings import Settings, load_settings
from simulators.secret_manager import Emulator
from simulators.slack.browser import Answer, Browser
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.oidc import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulators.slack.state import GLOBEX_USERS, SimUser, SlackWorkspace
from simulators.slack.web_api import ApiCall, SlackWebApi
from storage.db import Database
from tests.conftest import SIGNING_SECRET
from tests.support.wsgi_server import WsgiThread

ACME, GLOBEX = "T0001", "T0002"  # two workspaces, each installing the app itself
ORG, NORTH, SOUTH = "E0001", "T0101", "T0102"  # an organisation and two of its workspaces
ALICE, GRACE, NINA, SAM = "U0ALICE", "U0GRACE", "U0NINA", "U0SAM"
# Wednesday 10 June 2026, 14:00 UTC: working hours in London (15:00) and New York (10:00).
WEDNESDAY_14_UTC = datetime(2026, 6, 10, 14, tzinfo=UTC)
NORTH_USERS = (SimUser(NINA, "nina", "Nina North", "nina@initech.example", "Europe/London", is_admin=True),)
SOUTH_USERS = (SimUser(SAM, "sam", "Sam South", "sam@initech.example", "Europe/London", is_admin=True),)


@pytest.fixture
def oauth_clock() -> Clock:
    return Clock(WEDNESDAY_14_UTC)


@pytest.fixture
def slack(oauth_clock: Clock) -> Iterator[SlackWebApi]:
    """The stand-in: Acme (the default workspace), Globex, and Initech's North and South."""
    workspace = SlackWorkspace(clock=lambda: oauth_clock.now().timestamp())
    api = SlackWebApi("xoxb-not-used-in-oauth-mode", workspace=workspace)
    api.add_workspace(GLOBEX, "Globex", users=GLOBEX_USERS)
    api.add_enterprise(ORG, "Initech")
    api.add_workspace(NORTH, "Initech North", users=NORTH_USERS, enterprise_id=ORG)
    api.add_workspace(SOUTH, "Initech South", users=SOUTH_USERS, enterprise_id=ORG)
    api.start()
    yield api
    api.stop()
    assert api.errors == []


def oauth_settings_for(
    tmp_path: Path, slack: SlackWebApi, secret_manager: Emulator, db: Database, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": None,
        "SLACK_APP_TOKEN": None,
        "SLACK_CLIENT_ID": DEFAULT_CLIENT_ID,
        "SLACK_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": db.url,
        "GCP_PROJECT_ID": "test-project",
        "SECRET_MANAGER_ENDPOINT": secret_manager.address,
        "DATA_DIR": tmp_path / "data",
        "FINGERPRINT_KEY": "test-fingerprint-key",
        "CODAT_API_KEY": None,
        "RUN_SCHEDULER": False,
        "LOG_LEVEL": "DEBUG",
        "REMINDER_SENDS_PER_MINUTE": 0,
        "REMINDER_CHANNEL_INTERVAL_SECONDS": 0.0,
    }
    return load_settings(**(values | overrides))


@pytest.fixture
def oauth_settings(tmp_path: Path, slack: SlackWebApi, secret_manager: Emulator, db: Database) -> Settings:
    return oauth_settings_for(tmp_path, slack, secret_manager, db)


@dataclass
class OAuthBot:
    """The bot in OAuth mode, its stand-in, and a way to install it and to speak for a workspace."""

    deps: Deps
    server: WsgiThread
    slack: SlackWebApi

    @property
    def url(self) -> str:
        return self.server.url

    def install(self, target: str, *, browser: Browser | None = None) -> Answer:
        """Install through the whole OAuth round trip: target "team:T…" or "enterprise:E…"."""
        return (browser or Browser()).install(self.url, target)

    def events(self, team_id: str, *, org: bool = False) -> SlackEventsClient:
        """Slack's requests from one workspace (of the organisation, installed org-wide, when `org`)."""
        enterprise = self.slack.team(team_id).workspace.enterprise_id
        return SlackEventsClient(
            self.url + "/slack/events",
            SIGNING_SECRET,
            web_api=self.slack,
            team_id=team_id,
            enterprise_id=enterprise,
            is_enterprise_install=org,
        )

    def token_of(self, team_id: str | None = None, *, enterprise_id: str | None = None) -> str:
        """The one live bot token the stand-in gave a workspace (or an organisation)."""
        (token,) = self.slack.oauth.tokens_for(team_id=team_id, enterprise_id=enterprise_id)
        return token

    def settle(self) -> None:
        assert self.deps.background.wait_idle(10), "after-ack work did not finish"


def start_oauth_bot(settings: Settings, db: Database, clock: Clock, slack: SlackWebApi) -> OAuthBot:
    from handlers import build_app
    from handlers.http import make_wsgi_app
    from runtime import build_deps

    deps = build_deps(settings, clock=clock, db=db)
    app = build_app(deps)
    server = WsgiThread(make_wsgi_app(app, deps)).start()
    slack.oauth.redirect_urls = [server.url + "/slack/oauth_redirect"]  # the app's Redirect URL
    return OAuthBot(deps, server, slack)


def stop_oauth_bot(bot: OAuthBot) -> None:
    bot.server.stop()
    bot.deps.background.wait_idle(10)
    bot.deps.background.shutdown()


@pytest.fixture
def oauth_bot(
    oauth_settings: Settings, db: Database, oauth_clock: Clock, slack: SlackWebApi, log_output: io.StringIO
) -> Iterator[OAuthBot]:
    bot = start_oauth_bot(oauth_settings, db, oauth_clock, slack)
    yield bot
    stop_oauth_bot(bot)


def made_with(call: ApiCall) -> str | None:
    """The bot token a recorded call carried (its Authorization header)."""
    return call.bearer
