"""Thin Bolt listeners. `build_app(deps)` makes a fresh app: nothing is registered at import time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from core.settings import reveal
from handlers import (
    approvals,
    audit,
    authorization,
    catalogue_commands,
    codat,
    commands,
    direct_messages,
    errors,
    expiry,
    home,
    installs,
    language,
    payloads,
    reminders,
    secure_link,
    wizard,
)
from handlers.middleware import ContextMiddleware

# Feature modules: each offers subcommands(deps) for the slash command and register(app, deps)
# for its own actions and views.
FEATURES = [
    catalogue_commands,
    home,
    language,
    reminders,
    wizard,
    direct_messages,
    audit,
    codat,
    approvals,
    expiry,
]
FEATURES.append(secure_link)  # the credentials step's secure page buttons


def build_app(deps: Deps) -> App:
    """A Bolt app whose listeners ack fast, so it can run with process_before_response=True."""
    settings = deps.settings
    bolt_logger = logging.getLogger("slack_bolt.codat_register")
    bolt_logger.setLevel(logging.WARNING)  # Bolt's INFO lines can carry request bodies
    # OAuth mode (handlers.installs): Bolt serves the install flow and authorizes each request with
    # its workspace's installation; single-token mode: the client's SLACK_BOT_TOKEN for everything.
    oauth: dict[str, Any] = {}
    if deps.installations is not None:
        oauth["oauth_settings"] = installs.oauth_settings(deps, bolt_logger)
        oauth["authorize"] = installs.InstalledAuthorize(deps.installations)
        oauth["user_facing_authorize_error_message"] = installs.not_installed_message(deps)
    app = App(
        client=deps.client,
        signing_secret=reveal(settings.SLACK_SIGNING_SECRET),
        # handlers.http verifies every request's signature on its raw body before Bolt sees it
        # (and Socket Mode needs none): Bolt's own second check would only repeat it.
        request_verification_enabled=False,
        token_verification_enabled=False,
        process_before_response=True,
        logger=bolt_logger,
        listener_executor=ThreadPoolExecutor(max_workers=settings.WEB_THREADS, thread_name_prefix="bolt"),
        **oauth,
    )
    register(app, deps)
    return app


def register(app: App, deps: Deps) -> None:
    # First: every later middleware and listener reads the typed payload (handlers.payloads).
    app.use(ContextMiddleware(payloads.middleware))
    errors.register(app, deps)
    routes: dict[str, commands.Subcommand] = {}
    for feature in FEATURES:
        routes.update(feature.subcommands(deps))
    # `/codat-register` alone and `start` belong to the wizard; without it, help.
    routes.setdefault("", catalogue_commands.show_help)
    routes.setdefault("start", catalogue_commands.show_help)
    # Then the policy, before any listener: who is asking, and may they (bot.governance.policy)?
    app.use(ContextMiddleware(authorization.middleware(deps, frozenset(routes))))
    # Bolt tries listeners in registration order, and each miss costs ~15-20 µs of argument
    # building: the slash command, the most frequent request, goes first.
    commands.register(app, deps, routes)
    for feature in FEATURES:
        feature.register(app, deps)
    installs.register(app, deps)  # uninstalls (rare): after every listener people use
