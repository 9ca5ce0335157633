"""Sandbox mode: the real bot plus a local Slack (the Web API stand-in and a page to click through).

Everything listens on 127.0.0.1 only: the page has no sign-in, so anyone who can reach it can act
as any simulated user. The bot's secure credentials page opens on the bot's own loopback origin
(PUBLIC_URL is its URL for this run), and signs people in with the stand-in's Sign in with Slack
(an app client id and secret made for this run).

The bot is the production composition (runtime.build_runtime: the same Bolt app, handlers,
storage, scheduler and vault); only its Slack is local, reached through SLACK_API_URL, and every
click reaches it as a request signed with a secret made for this run. Its Codat is local too
(simulators.sandbox.codat), unless the settings name one explicitly.

With `oauth` (`python app.py sandbox --oauth`) the bot runs in OAuth mode, as a deployment serving
several workspaces: no bot token, the stand-in app's client id and secret, token rotation on. Acme
is installed at start-up through the real round trip (the bot's /slack/install, the stand-in's
consent page, the bot's /slack/oauth_redirect); the page then offers "Add to Slack" into a second
workspace, Globex, and "Uninstall".
"""

from __future__ import annotations

import errno
import logging
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from types import FrameType
from typing import IO, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from core import settings as core_settings
from core.clock import Clock
from core.network import loopback_ipv4
from core.settings import ConfigError, Settings, load_settings
from simulators.sandbox.codat import SandboxCodat, codat_settings, start_codat
from simulators.sandbox.page_server import PageServer
from simulators.slack.browser import Browser
from simulators.slack.events_client import SlackEventsClient
from simulators.slack.state import GLOBEX_USERS, SlackWorkspace
from simulators.slack.web_api import SlackWebApi

logger = logging.getLogger("codat_register.sandbox")

LOOPBACK = "127.0.0.1"
SECOND_WORKSPACE = "T0002"  # Globex: where the OAuth sandbox's "Add to Slack" installs the app
INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"  # the bot's (handlers.installs)
_SLACK_SETTINGS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"}


class SandboxError(Exception):
    """The sandbox cannot start; the message is printable as is."""


def sandbox_host(settings: Settings, host: str | None = None) -> str:
    """The address to listen on: `host`, else HOST when it was set explicitly, else 127.0.0.1.

    Raises SandboxError for anything but loopback (HOST=0.0.0.0 would expose the page).
    """
    wanted = host or (settings.HOST if "HOST" in settings.model_fields_set else LOOPBACK)
    try:
        return loopback_ipv4(wanted)
    except ValueError:
        raise SandboxError(
            f"the sandbox listens on 127.0.0.1 only, not {wanted!r}: it has no sign-in, so anyone who "
            "could reach it could act as any simulated user — unset HOST (or set HOST=127.0.0.1)"
        ) from None


def refuse_in_production(settings: Settings) -> None:
    """ConfigError with APP_ENV=production: the sandbox page has no sign-in."""
    core_settings.refuse_in_production(
        settings,
        "no Slack credentials are set, and the local sandbox",
        "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)",
    )


def refuse_real_secret_manager(settings: Settings, *, asked: bool = False) -> None:
    """SandboxError when credentials typed into the page would reach Google Cloud Secret Manager
    (GCP_PROJECT_ID without SECRET_MANAGER_ENDPOINT), unless that was `asked` for explicitly."""
    if settings.GCP_PROJECT_ID and not settings.SECRET_MANAGER_ENDPOINT and not asked:
        raise SandboxError(
            "GCP_PROJECT_ID is set without SECRET_MANAGER_ENDPOINT, so credentials typed into the page "
            "would go to the real Google Cloud Secret Manager. The sandbox writes to the development "
            "vault (unset GCP_PROJECT_ID) or to a Secret Manager emulator (`python -m "
            "simulators.secret_manager --port 8085`, then SECRET_MANAGER_ENDPOINT=127.0.0.1:8085). "
            "To use the real Secret Manager anyway, ask for it: `python app.py sandbox "
            "--real-secret-manager`"
        )


def bot_settings(
    settings: Settings, bot_token: str | None, signing_secret: str, api_url: str, **this_run: object
) -> Settings:
    """The user's settings (database, vault, scheduler…) with Slack pointed at the local stand-in,
    and `this_run`'s settings over theirs (PUBLIC_URL: the bot's own loopback URL; the stand-in
    app's SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."""
    kept = settings.model_dump(exclude=_SLACK_SETTINGS | set(this_run))
    return load_settings(
        **kept,
        SLACK_BOT_TOKEN=bot_token,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=api_url,
        **this_run,
    )


def secrets_destination(settings: Settings, vault_label: str) -> str:
    """Where credentials typed into the page end up, for the start-up line and the page notice."""
    if not settings.GCP_PROJECT_ID:
        return "the development vault — development only"
    if settings.SECRET_MANAGER_ENDPOINT:
        return f"the Secret Manager emulator at {settings.SECRET_MANAGER_ENDPOINT} — development only"
    return vault_label


class _QuietWsgiHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines are noise here, and bodies carry what people type."""


class _ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _BotServer:
    """The bot's WSGI app (POST /slack/events, GET /healthz, /readyz, /metrics, the secure page
    /secure/…) on a free loopback port: bound first (its URL is the bot's PUBLIC_URL), then
    `serve(wsgi)` once the bot is built."""

    def __init__(self, host: str) -> None:
        self._server = make_server(
            host, 0, _not_yet, server_class=_ThreadingWsgiServer, handler_class=_QuietWsgiHandler
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-bot", daemon=True
        )

    def serve(self, wsgi: Callable[..., Any]) -> None:
        self._server.set_app(wsgi)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _not_yet(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Length", "0")])
    return [b""]


class Sandbox:
    """The stand-in, the bot and the page, started together (`start()`) and stopped together."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
        clock: Clock | None = None,
        real_secret_manager: bool = False,
        oauth: bool = False,
    ) -> None:
        refuse_real_secret_manager(settings, asked=real_secret_manager)
        self.settings = settings
        self.oauth = oauth  # OAuth mode: several workspaces, installed through Slack's OAuth
        self.host = sandbox_host(settings, host)
        self.port = settings.SANDBOX_PORT if port is None else port
        self.clock = clock or Clock()
        self.fallback_from: int | None = None  # the wanted port, when it was taken
        self.api: SlackWebApi | None = None
        self.deps: Any = None
        self.app: Any = None
        self.events: SlackEventsClient | None = None
        self.page: PageServer | None = None
        self.codat: SandboxCodat | None = None  # the Codat stand-in, unless a Codat was named
        self._bot: _BotServer | None = None

    @property
    def url(self) -> str:
        if self.page is None:
            raise RuntimeError("the sandbox is not running")
        return self.page.url

    def start(self) -> Sandbox:
        from bot.catalogue import load_catalogue
        from handlers.http import SLACK_PATH, make_wsgi_app
        from runtime import build_runtime  # imported late: the sandbox is optional at start-up

        try:
            # Message times follow the bot's clock, so "advance 1 day" shows on the page too.
            clock = self.clock
            workspace = SlackWorkspace(clock=lambda: clock.now().timestamp())
            token = f"xoxb-sandbox-{secrets.token_hex(12)}"
            # Sign in with Slack on the secure page: an app client made for this run.
            client_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}"
            client_secret = secrets.token_hex(16)
            self.api = SlackWebApi(
                token, host=self.host, workspace=workspace, client_id=client_id, client_secret=client_secret
            ).start()
            signing_secret = secrets.token_hex(32)  # per run: nothing outside this process knows it
            self._bot = _BotServer(self.host)  # its URL is where the secure page opens
            this_run = {"PUBLIC_URL": self._bot.url, "SLACK_CLIENT_ID": client_id}
            this_run["SLACK_CLIENT_SECRET"] = client_secret
            if self.oauth:  # a second workspace to add the app to; Slack sends installers back here
                self.api.add_workspace(SECOND_WORKSPACE, "Globex", users=GLOBEX_USERS)
                self.api.oauth.token_rotation = True
                self.api.oauth.redirect_urls = [self._bot.url + REDIRECT_PATH]
            bot_token = None if self.oauth else token
            settings = bot_settings(self.settings, bot_token, signing_secret, self.api.url, **this_run)
            # Codat: a local stand-in too, unless the settings name a Codat explicitly.
            self.codat = start_codat(self.settings, self.host, load_catalogue())
            settings = codat_settings(settings, self.codat)
            self.deps, self.app = build_runtime(settings, clock=clock)
            self._bot.serve(make_wsgi_app(self.app, self.deps))
            if self.oauth:
                self._install(workspace.team_id)
            self.events = SlackEventsClient(self._bot.url + SLACK_PATH, signing_secret, web_api=self.api)
            notice = secrets_destination(self.settings, self.deps.vault.location_label)
            self.page = self._start_page(notice)
        except BaseException:
            self.stop()
            raise
        return self

    def _install(self, team_id: str) -> None:
        """Install the app into a workspace through the whole OAuth round trip, as a browser would."""
        assert self._bot is not None
        answer = Browser().install(self._bot.url, f"team:{team_id}", team=team_id)
        if answer.status != 200:
            raise SandboxError(
                f"installing the app into {team_id} through OAuth failed: HTTP {answer.status}"
            )

    def _start_page(self, notice: str) -> PageServer:
        assert self.api is not None and self.events is not None and self._bot is not None
        codat = self.codat.standin if self.codat is not None else None
        install_url = self._bot.url + INSTALL_PATH if self.oauth else None
        page = PageServer(
            self.api,
            self.events,
            self.deps,
            host=self.host,
            secrets_notice=notice,
            codat=codat,
            install_url=install_url,
        )
        try:
            return page.start(self.port)
        except OSError as error:
            if error.errno != errno.EADDRINUSE or self.port == 0:
                raise
        self.fallback_from = self.port
        return page.start(0)

    def stop(self) -> None:
        """Stop the page first (no new clicks), then the bot, then the stand-in; safe to repeat."""
        page, self.page = self.page, None
        if page is not None:
            page.stop()
        bot, self._bot = self._bot, None
        if bot is not None:
            bot.stop()
        deps, self.deps = self.deps, None
        if deps is not None:
            from runtime import shutdown

            deps.background.wait_idle(5)
            shutdown(deps)
        api, self.api = self.api, None
        if api is not None:
            api.stop()
        codat, self.codat = self.codat, None
        if codat is not None:
            codat.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_sandbox(
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    real_secret_manager: bool = False,
    oauth: bool = False,
) -> int:
    """Start the sandbox, print its URL, serve until Ctrl-C / SIGTERM (or `stop`). Exit status.
    With GCP_PROJECT_ID and no emulator it starts only when `real_secret_manager` was asked for."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        refuse_in_production(settings)
        sandbox = Sandbox(settings, real_secret_manager=real_secret_manager, oauth=oauth).start()
    except (SandboxError, ConfigError) as error:
        print(f"codat-register sandbox cannot start: {error}", file=err, flush=True)
        return 2
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"codat-register sandbox cannot start: could not listen on 127.0.0.1 ({reason})", file=err)
        return 2
    stop = stop or threading.Event()
    previous = _on_signals(stop)
    try:
        if sandbox.fallback_from is not None:
            print(
                f"codat-register sandbox: port {sandbox.fallback_from} is taken "
                f"(set SANDBOX_PORT to choose another); using {sandbox.page.port if sandbox.page else '?'}",
                file=out,
            )
        destination = secrets_destination(settings, sandbox.deps.vault.location_label)
        print(
            f"codat-register sandbox: open {sandbox.url}/ (Slack simulator; secrets go to {destination})",
            file=out,
            flush=True,
        )
        if sandbox.codat is not None:
            print(
                "codat-register sandbox: Codat is a local stand-in (switch integrations on in the page's "
                "sidebar); set CODAT_API_URL and CODAT_API_KEY to ask another Codat",
                file=out,
            )
        if oauth:
            print(
                "codat-register sandbox: OAuth mode — Acme installed through Slack's OAuth (token rotation "
                "on); add the app to Globex from the page's Add to Slack link",
                file=out,
            )
        print("codat-register sandbox: press Ctrl-C to stop", file=out, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        _restore_signals(previous)
        sandbox.stop()
    print("codat-register sandbox: stopped", file=out, flush=True)
    return 0


_Handler = Callable[[int, FrameType | None], Any] | int | None


def _on_signals(stop: threading.Event) -> dict[int, _Handler]:
    """Ctrl-C and SIGTERM set `stop` (only the main thread may install signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, _Handler] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
