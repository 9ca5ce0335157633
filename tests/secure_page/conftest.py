"""The bot served with PUBLIC_URL set to its own loopback URL, so its secure page can be opened."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.clock import Clock
from core.settings import Settings, load_settings
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.handlers.wizard_support import Wizard
from tests.secure_page.support import Browser
from tests.support.wsgi_server import WsgiThread

MakeBot = Callable[..., RunningBot]


@pytest.fixture
def make_bot(
    settings: Settings, db: Database, clock: Clock, log_output: io.StringIO, slack_api: SlackWebApi
) -> Iterator[MakeBot]:
    """make_bot(**settings) -> the bot on a free loopback port, PUBLIC_URL being that port's URL."""
    from handlers import build_app
    from handlers.http import make_wsgi_app
    from runtime import build_deps

    running: list[RunningBot] = []

    def make(**overrides: Any) -> RunningBot:
        served: dict[str, Any] = {}
        server = WsgiThread(lambda environ, start_response: served["app"](environ, start_response))
        mine = load_settings(**{**settings.model_dump(), "PUBLIC_URL": server.url, **overrides})
        deps = build_deps(mine, clock=clock, db=db)
        served["app"] = make_wsgi_app(build_app(deps), deps)
        server.start()
        bot = RunningBot(
            deps, server, SlackEventsClient(server.url + "/slack/events", SIGNING_SECRET, web_api=slack_api)
        )
        running.append(bot)
        return bot

    yield make
    for bot in running:
        bot.server.stop()
        bot.deps.background.wait_idle(10)
        bot.deps.background.shutdown()


@pytest.fixture
def page_bot(make_bot: MakeBot) -> RunningBot:
    """SECRET_INTAKE=both (PUBLIC_URL's default), no Sign in with Slack: the link is a bearer token."""
    return make_bot()


@pytest.fixture
def wizard(page_bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    return Wizard(page_bot, slack_api)


@pytest.fixture
def browser() -> Browser:
    return Browser()
