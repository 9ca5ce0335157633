"""Thin Bolt listeners. `build_app(deps)` makes a fresh app: nothing is registered at import time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.deps import Deps
from bot.slack.gateway import SlackGateway
from core.settings import reveal
from handlers import catalogue_commands, commands, errors, home, language, reminders, wizard
from storage.slack_users import SlackUsers

# Feature modules: each offers subcommands(deps) for the slash command and register(app, deps)
# for its own actions and views.
FEATURES = [catalogue_commands, home, language, reminders, wizard]


def make_client(token: str | None, base_url: str) -> WebClient:
    """The Web API client: connection errors and 429s (honouring Retry-After) are retried."""
    client = WebClient(token=token, base_url=base_url, timeout=10)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
    ]
    return client


def build_app(deps: Deps) -> App:
    """A Bolt app whose listeners ack fast, so it can run with process_before_response=True."""
    settings = deps.settings
    client = make_client(reveal(settings.SLACK_BOT_TOKEN), settings.SLACK_API_URL)
    bolt_logger = logging.getLogger("slack_bolt.codat_register")
    bolt_logger.setLevel(logging.WARNING)  # Bolt's INFO lines can carry request bodies
    app = App(
        client=client,
        signing_secret=reveal(settings.SLACK_SIGNING_SECRET),
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=False,
        process_before_response=True,
        logger=bolt_logger,
        listener_executor=ThreadPoolExecutor(max_workers=settings.WEB_THREADS, thread_name_prefix="bolt"),
    )
    deps.client = client
    deps.slack = SlackGateway(
        client, SlackUsers(deps.db), deps.clock, refresh_hours=settings.REMINDER_USER_REFRESH_HOURS
    )
    register(app, deps)
    return app


def register(app: App, deps: Deps) -> None:
    errors.register(app, deps)
    routes: dict[str, commands.Subcommand] = {}
    for feature in FEATURES:
        routes.update(feature.subcommands(deps))
    # `/codat-register` alone and `start` belong to the wizard; without it, help.
    routes.setdefault("", catalogue_commands.show_help)
    routes.setdefault("start", catalogue_commands.show_help)
    # Bolt tries listeners in registration order, and each miss costs ~15-20 µs of argument
    # building: the slash command, the most frequent request, goes first.
    commands.register(app, deps, routes)
    for feature in FEATURES:
        feature.register(app, deps)
