"""The sandbox page over HTTP on 127.0.0.1: static/ and the small JSON API of `PageApi`.

GET  /                       the page (static/index.html; static/* for its scripts and styles)
GET  /api/state?user=&since=&wait=
                             what a user sees; waits (at most 25 s) until the workspace's change
                             counter passes `since`
POST /api/switch | command | view/submit | view/close | action | tab | clock | codat   (JSON bodies)

Only requests addressed to this host and port (and, from a browser, from this page) are
answered, so another site open in the same browser cannot drive the sandbox. Nothing about a
request is logged: bodies carry what people type into modals, credentials included.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from core.network import loopback_ipv4
from simulators.sandbox.page_api import BOT_EVENTS, MAX_WAIT_SECONDS, ApiError, PageApi

if TYPE_CHECKING:
    from simulators.codat import CodatStandIn
    from simulators.slack.events_client import SlackEventsClient
    from simulators.slack.web_api import SlackWebApi

logger = logging.getLogger("codat_register.sandbox")

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 256 * 1024
_CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # long polls must not hold up shutdown
    page: PageServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a browser that closed a long poll is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.page.handle(self, "GET")

    def do_POST(self) -> None:
        self.server.page.handle(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: nothing about requests is logged (bodies carry credentials)."""


class PageServer:
    """Serves the page for one stand-in (`api`), bot (`events`) and its `deps`; loopback only."""

    def __init__(
        self,
        api: SlackWebApi,
        events: SlackEventsClient,
        deps: Any,
        *,
        host: str = "127.0.0.1",
        secrets_notice: str = "the development vault — development only",
        bot_events: tuple[str, ...] = BOT_EVENTS,
        codat: CodatStandIn | None = None,
        install_url: str | None = None,
    ) -> None:
        self.host = loopback_ipv4(host)  # ValueError for anything that is not loopback
        self.actions = PageApi(
            api,
            events,
            deps,
            secrets_notice=secrets_notice,
            bot_events=bot_events,
            codat=codat,
            install_url=install_url,
        )
        self._routes = self.actions.routes()
        self._static = {p.name for p in STATIC_DIR.iterdir() if p.suffix in _CONTENT_TYPES}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, port: int = 0) -> PageServer:
        """Listen on host:port (OSError when it is taken) and serve from a daemon thread."""
        server = _Server((self.host, port), _Handler)
        server.page = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-page", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self.actions.api.workspace.mark_changed()  # wake long polls so their threads end
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the page server is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- HTTP ------------------------------------------------------------------------------------
    def handle(self, request: _Handler, method: str) -> None:
        url = urlsplit(request.path)
        try:
            self._check_origin(request)
            if method == "GET":
                if url.path == "/api/state":
                    self._send_json(request, 200, self._state(parse_qs(url.query)))
                else:
                    self._send_static(request, url.path)
                return
            route = self._routes.get(url.path)
            if route is None:
                raise ApiError(404, "no such API")
            self._send_json(request, 200, route(self._read_json(request)))
        except ApiError as error:
            self._send_json(request, error.status, {"ok": False, "error": str(error)})
        except Exception as error:  # the page shows a short note; details (never bodies) go to the log
            logger.exception("sandbox page: %s %s failed", method, url.path)
            self._send_json(request, 500, {"ok": False, "error": f"internal error ({type(error).__name__})"})

    def _state(self, query: dict[str, list[str]]) -> dict[str, Any]:
        try:
            since = int((query.get("since") or ["-1"])[0])
            wait = min(max(float((query.get("wait") or ["20"])[0]), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            raise ApiError(400, "since and wait must be numbers") from None
        user = (query.get("user") or [""])[0] or self.actions.default_user()
        return self.actions.state(user, since, wait)

    def _check_origin(self, request: _Handler) -> None:
        # Another site in the same browser must not drive the sandbox (DNS rebinding, CSRF).
        hosts = {f"{self.host}:{self.port}", f"localhost:{self.port}"}
        if request.headers.get("Host") not in hosts:
            raise ApiError(403, f"the sandbox answers on http://{self.host}:{self.port}/ only")
        origin = request.headers.get("Origin")
        if origin and origin not in {f"http://{h}" for h in hosts}:
            raise ApiError(403, "requests from other sites are refused")

    def _read_json(self, request: _Handler) -> dict[str, Any]:
        # JSON only: a cross-site form post cannot send it without a preflight we never allow.
        if not (request.headers.get("Content-Type") or "").startswith("application/json"):
            raise ApiError(415, "send application/json")
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ApiError(413, "request too large")
        try:
            body = json.loads(request.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "send a JSON object")
        return body

    def _send_json(self, request: _Handler, status: int, body: dict[str, Any]) -> None:
        self._send(request, status, json.dumps(body).encode(), "application/json")

    def _send_static(self, request: _Handler, path: str) -> None:
        if path in ("/", "/index.html"):
            name = "index.html"
        elif path.startswith("/static/"):
            name = path.removeprefix("/static/")
        else:
            raise ApiError(404, "not found")
        if name not in self._static:  # only the files that ship in static/, by exact name
            raise ApiError(404, "not found")
        content = (STATIC_DIR / name).read_bytes()
        self._send(request, 200, content, _CONTENT_TYPES[Path(name).suffix])

    def _send(self, request: _Handler, status: int, content: bytes, content_type: str) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", f"{content_type}; charset=utf-8")
            request.send_header("Content-Length", str(len(content)))
            request.send_header("Cache-Control", "no-store")
            request.send_header("X-Content-Type-Options", "nosniff")
            request.send_header("Content-Security-Policy", _CSP)
            request.end_headers()
            request.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away (a long poll it abandoned, a closed tab): nobody to tell
