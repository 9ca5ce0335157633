"""Composition root: settings -> database -> vault -> scheduler -> Bolt app -> servers, and shutdown.

`app.py` chooses what to run; the sandbox and the tests build the same runtime from here.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from bot.catalogue import load_catalogue
from bot.codat import scheduler as codat_scheduler
from bot.codat.verification import DailyResult, build_client, run_daily_checks
from bot.deps import Deps
from bot.reminders.scheduler import run_sweep_now, start_scheduler
from bot.reminders.sweep import SweepResult
from bot.slack.gateway import SlackGateway, web_client
from bot.slack.installations import Installations, InstalledClients
from core.background import Background
from core.clock import Clock
from core.settings import HOW_TO_GET, Settings, reveal
from storage.db import Database
from storage.slack_users import SlackUsers

logger = logging.getLogger("codat_register")


def build_deps(settings: Settings, *, clock: Clock | None = None, db: Database | None = None) -> Deps:
    """Everything the handlers need, built from settings (the schema must already be current)."""
    from storage.vault.factory import build_vault

    db = db or Database(settings.database_url)
    clock = clock or Clock()
    # Single-token mode: the one SLACK_BOT_TOKEN client speaks for the workspace. OAuth mode: this
    # client has no token (Bolt's OAuth flow uses it); each workspace's comes from its installation.
    client = web_client(reveal(settings.SLACK_BOT_TOKEN), settings.SLACK_API_URL)
    installations = build_installations(settings, db, clock)
    clients = client if installations is None else InstalledClients(installations, client)
    hours = settings.REMINDER_USER_REFRESH_HOURS
    return Deps(
        settings=settings,
        db=db,
        catalogue=load_catalogue(),
        vault=build_vault(settings, db),
        clock=clock,
        background=Background(),
        client=client,
        slack=SlackGateway(clients, SlackUsers(db), clock, refresh_hours=hours),
        installations=installations,
        codat=build_client(settings, clock),
    )


def build_installations(settings: Settings, db: Database, clock: Clock) -> Installations | None:
    """OAuth mode's installations (slack_sdk's store on the bot's own engine); None with a bot token."""
    if not settings.oauth_install:
        return None
    return Installations(
        db,
        client_id=str(settings.SLACK_CLIENT_ID),
        client_secret=str(reveal(settings.SLACK_CLIENT_SECRET)),
        api_url=settings.SLACK_API_URL,
        clock=clock,
    )


def describe_slack_mode(settings: Settings) -> str:
    """The one start-up line saying how the bot is installed (never a value)."""
    if settings.oauth_install:
        return (
            "Slack: installed through OAuth into any number of workspaces "
            "(GET /slack/install, GET /slack/oauth_redirect)"
        )
    if settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET:
        return (
            "Slack: single-workspace mode (SLACK_BOT_TOKEN is set); SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET are used only for Sign in with Slack on the secure page, not to install"
        )
    return "Slack: single-workspace mode (SLACK_BOT_TOKEN)"


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> tuple[Deps, Any]:
    """Deps, the Bolt app and (unless RUN_SCHEDULER is off) the started follow-up scheduler."""
    from handlers import build_app

    deps = build_deps(settings, clock=clock)
    logger.info("%s", describe_slack_mode(settings))
    app = build_app(deps)
    if settings.RUN_SCHEDULER:
        deps.extras["scheduler"] = start_scheduler(deps)
        codat_scheduler.schedule_daily_check(deps.extras["scheduler"], deps)
    return deps, app


def sweep_once(
    settings: Settings, *, clock: Clock | None = None, stop: threading.Event | None = None
) -> SweepResult:
    """One reminder sweep with its own deps (no Bolt app, no scheduler), for `app.py sweep`. Safe
    beside running web replicas: the sweep claims its items, so nothing is sent twice. Setting
    `stop` (SIGTERM) ends it at the next owner, handing back what it did not send."""
    deps = build_deps(settings, clock=clock)
    if stop is not None:
        deps.stopping = stop
    try:
        return run_sweep_now(deps)
    finally:
        shutdown(deps)


def codat_check_once(
    settings: Settings, *, clock: Clock | None = None, stop: threading.Event | None = None
) -> DailyResult:
    """One run of the daily Codat check with its own deps, for `app.py sweep` (configured=False
    without CODAT_API_KEY). Safe beside running replicas: registrations are claimed, so each is
    asked about once a day; `stop` (SIGTERM) hands back what it did not check."""
    deps = build_deps(settings, clock=clock)
    if stop is not None:
        deps.stopping = stop
    try:
        return run_daily_checks(deps)
    finally:
        shutdown(deps)


def shutdown(deps: Deps) -> None:
    """Stop in order: the sweep (at its next owner, releasing the claims it did not send), the
    scheduler once that sweep returned, the after-ack work, then the database pool."""
    deps.stopping.set()
    scheduler = deps.extras.get("scheduler")
    if scheduler is not None:
        scheduler.shutdown(wait=True)
    codat_scheduler.forget(deps)
    deps.background.shutdown()
    if deps.codat is not None:
        deps.codat.close()
    deps.db.dispose()


def wsgi_factory(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """Built inside the server's worker process, after fork, so threads and pools are its own."""
    from handlers.http import make_wsgi_app

    deps, app = build_runtime(settings)
    _worker_deps.append(deps)
    return make_wsgi_app(app, deps)


_worker_deps: list[Deps] = []  # this worker process's runtime, for its exit hook


def _shutdown_worker() -> None:
    while _worker_deps:
        shutdown(_worker_deps.pop())


def _stop_on_sigterm() -> None:
    """In a worker: on SIGTERM, tell the runtime at once (the sweep hands its claims back while
    the requests in flight finish), then let gunicorn's own handler begin its graceful stop."""
    graceful = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Any) -> None:
        for deps in _worker_deps:
            deps.stopping.set()
        if callable(graceful):
            graceful(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)


def serve_http(settings: Settings) -> None:
    """gunicorn: WEB_WORKERS processes (1 with the in-process scheduler), a thread per request.
    With several workers, `app.py serve` has set up the metrics directory they share."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    from core import metrics

    class ServerLog(Logger):
        """gunicorn's own lines (signals, timeouts) through the root handler: same format, same
        redaction."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
                    log.removeHandler(handler)
                log.propagate = True

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{settings.HOST}:{settings.PORT}")
            self.cfg.set("workers", settings.web_workers)
            # Several workers: a listening socket each (SO_REUSEPORT), so the kernel spreads new
            # connections over them; on one shared socket, whichever worker wakes first accepts a
            # burst of keep-alive connections (a proxy's pool) and the others sit idle.
            self.cfg.set("reuse_port", settings.web_workers > 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", settings.WEB_THREADS)
            self.cfg.set("timeout", 60)
            # SIGTERM: stop accepting, let requests in flight finish (the sweep stops meanwhile),
            # then shut the runtime down.
            self.cfg.set("graceful_timeout", settings.GRACEFUL_TIMEOUT_SECONDS)
            self.cfg.set("post_worker_init", lambda worker: _stop_on_sigterm())
            self.cfg.set("worker_exit", lambda server, worker: _shutdown_worker())
            # In the master, for any exit (even a killed worker): drop its live metric files.
            self.cfg.set("child_exit", lambda server, worker: metrics.mark_process_dead(worker.pid))
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("logger_class", ServerLog)

        def load(self) -> Callable[..., Iterable[bytes]]:
            return wsgi_factory(settings)

    _preload()  # then fork: see _preload
    logger.info("serving Slack on http://%s:%s/slack/events", settings.HOST, settings.PORT)
    if settings.secret_intake.value != "modal":
        logger.info(
            "secure credentials page: %s/secure/… (SECRET_INTAKE=%s; %s)",
            settings.PUBLIC_URL,
            settings.secret_intake.value,
            "Sign in with Slack" if settings.sign_in_with_slack else "no sign-in: a link is a bearer token",
        )
    Server().run()


def _preload() -> None:
    """Load once, in the master, what every worker needs (the modules, the catalogue): the forked
    workers then share those pages instead of each holding a copy, and gc.freeze() keeps the
    collector from writing to (so copying) them. No threads, pools or connections here: those
    belong to each worker (wsgi_factory, after fork)."""
    import gc

    import handlers.http  # noqa: F401  (Bolt and every listener)
    import storage.vault.factory  # noqa: F401  (the Secret Manager client, gRPC)

    load_catalogue()
    gc.freeze()


def _say_modal_only(settings: Settings) -> None:
    """Socket Mode serves no web page (there is no public URL): credentials are typed in the modal."""
    asked = settings.SECRET_INTAKE
    if asked is not None and asked.value != "modal":
        logger.warning(
            "Socket Mode has no public URL for the secure page: SECRET_INTAKE=%s is ignored, "
            "credentials are entered in the modal only",
            asked.value,
        )
    else:
        logger.info("Socket Mode: credentials are entered in the modal (the secure page needs HTTP mode)")


def serve_socket_mode(settings: Settings) -> int:
    """Connect to Slack over a WebSocket (no public URL needed) and serve until SIGTERM or Ctrl-C."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    deps, app = build_runtime(settings)
    handler = SocketModeHandler(app, reveal(settings.SLACK_APP_TOKEN))
    try:
        handler.connect()
    except SlackApiError as error:
        shutdown(deps)
        print(
            f"codat-register cannot open a Socket Mode connection: Slack said "
            f"{error.response.get('error', 'error')!r}.\nSLACK_APP_TOKEN: {HOW_TO_GET['SLACK_APP_TOKEN']}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        shutdown(deps)
        print(f"codat-register cannot reach Slack at {settings.SLACK_API_URL}: {error}", file=sys.stderr)
        return 1
    logger.info("connected to Slack in Socket Mode")
    _say_modal_only(settings)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        shutdown(deps)
    return 0
