"""The WSGI application: Slack's endpoint and the platform's probes, served by gunicorn in production.

Every POST to /slack/events passes three gates before any listener runs:
1. the signature, over the raw bytes: 401 for an unsigned, stale or forged request, and nothing
   of its body is read further or logged;
2. the body: UTF-8 that Bolt can parse into an object (not `payload=not json`, not an array, not
   nested thousands deep): otherwise 400 and one WARNING line;
3. the payload's shape (handlers.payloads): otherwise the polite refusal of its kind.
Bolt then routes it, with the typed payload in its context; Bolt's own signature check is off
(handlers.build_app): it would repeat gate 1 on the decoded body, and this is the only way in.
Socket Mode requests do not come through here; handlers.payloads.middleware types them. Each
request is counted and timed by kind and outcome (core.metrics), and its log lines carry its
X-Cloud-Trace-Context trace.

For the platform, unauthenticated and cheap, never naming a host, project or version:
- GET /healthz: liveness — the process answers (no database call);
- GET /readyz: readiness — the database answers (with its schema) and the vault is configured;
- GET /metrics: Prometheus text format (METRICS_ENABLED), with gauges read from the database.

For people, with SECRET_INTAKE `link` or `both`: /secure/… is the secure credentials page
(handlers.secure_page), which has its own checks and headers.

In OAuth mode (handlers.installs), for installers: GET /slack/install (to Slack, with a single-use
state) and GET /slack/oauth_redirect (back from Slack), served by Bolt's own OAuth flow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from bot.deps import Deps
from core import metrics
from core.logs import request_trace
from handlers import errors, payloads
from handlers.installs import INSTALL_PATH, REDIRECT_PATH
from handlers.secure_page import SECURE_PREFIX, make_page_app
from storage import counts

SLACK_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a full modal's state) are far smaller

logger = logging.getLogger("codat_register.http")

# What building a BoltRequest raises for a body it cannot read: json errors (ValueError), deep
# nesting (RecursionError), and a JSON value that is not an object (Bolt indexes it as one).
_UNREADABLE = (ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError)

WsgiApp = Callable[..., Iterable[bytes]]
StartResponse = Callable[..., Any]

# The request kinds counted (core.metrics.REQUEST_KINDS), from the kind Bolt routes by.
_KINDS = {
    "slash_command": "slash_command",
    "block_actions": "block_actions",
    "view_submission": "view_submission",
    "event_callback": "event",
}
OK, REFUSED, ERROR = metrics.REQUEST_OUTCOMES


class RawBodyVerifier(SignatureVerifier):
    """Slack signs the raw bytes. The SDK decodes a bytes body as UTF-8 before signing it, which
    raises on a body that is not UTF-8: sign the bytes themselves (the same for any UTF-8 body)."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + timestamp.encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def is_signed(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        """Whether `body` carries a valid, fresh (5 minutes) signature; False for a malformed header."""
        try:
            return self.is_valid(body, timestamp, signature)
        except (ValueError, UnicodeError):  # a timestamp that is not a number, a non-ASCII header
            return False


def _answer(start_response: Callable[..., Any], response: BoltResponse) -> Iterable[bytes]:
    wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(wsgi.status, wsgi.get_headers())
    return wsgi.get_body()


def _refuse(status: int, reason: str, *, signed: bool) -> BoltResponse:
    # Only the reason: the body of a refused request is never logged.
    if signed:
        logger.warning("refused a signed request: %s", reason)
    else:
        logger.info("refused a request: %s", reason)
    body = {"error": "invalid request"} if status == 401 else {"error": "bad request"}
    return BoltResponse(status=status, body=body)


def _read_body(environ: dict[str, Any]) -> bytes | BoltResponse:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "Content-Length is not a number", signed=False)
    if length > MAX_BODY_BYTES:
        return _refuse(413, f"a body of {length} bytes", signed=False)
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


def make_wsgi_app(app: App, deps: Deps) -> WsgiApp:
    """POST /slack/events goes through the gates above to Bolt; GET /healthz, /readyz and
    /metrics answer the platform (see above). `deps.db` is read per request."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)  # everything else: Bolt's own 404s
    # The secret the App verifies with (Bolt has no public accessor); HTTP mode cannot run without it.
    secret = getattr(app, "_signing_secret", None)
    if not secret:
        raise ValueError("serving Slack over HTTP needs the signing secret (SLACK_SIGNING_SECRET)")
    verifier = RawBodyVerifier(secret)
    gauges = metrics.DatabaseGauges(
        open_registrations=lambda: counts.open_registrations(deps.db),
        pending_approvals=lambda: counts.pending_approvals(deps.db),
    )

    def events(environ: dict[str, Any]) -> tuple[str, str, BoltResponse]:
        """The request's kind and outcome (for the metrics), and the answer."""
        raw = _read_body(environ)
        if isinstance(raw, BoltResponse):
            return "other", REFUSED, raw
        headers = WsgiHttpRequest(environ).get_headers()
        timestamp = _header(headers, "x-slack-request-timestamp")
        if not verifier.is_signed(raw, timestamp, _header(headers, "x-slack-signature")):
            reason = "no valid signature (unsigned, stale or forged)"
            return "other", REFUSED, _refuse(401, reason, signed=False)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "other", REFUSED, _refuse(400, "the body is not UTF-8", signed=True)
        try:
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
        except _UNREADABLE as error:
            reason = f"the body is not a Slack payload ({type(error).__name__})"
            return "other", REFUSED, _refuse(400, reason, signed=True)
        kind = _KINDS.get(payloads.kind_of(request.body), "other")
        try:
            request.context[payloads.CONTEXT_KEY] = payloads.parse(request.body)
        except payloads.Refused as refused:
            refused.log()
            return kind, REFUSED, refused.response()
        response = app.dispatch(request)
        return kind, _outcome(response, failed=bool(request.context.get(errors.FAILED))), response

    def slack_events(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            kind, outcome, response = events(environ)
        except Exception:
            metrics.SLACK_REQUESTS["other", ERROR].inc()
            raise
        metrics.ACK_SECONDS[kind].observe(time.perf_counter() - started)
        metrics.SLACK_REQUESTS[kind, outcome].inc()
        return _answer(start_response, response)

    def healthz(start_response: StartResponse) -> Iterable[bytes]:
        return _json(start_response, 200, {"ok": True})

    def readyz(start_response: StartResponse) -> Iterable[bytes]:
        database = deps.db.ping()
        vault = _vault_configured(deps)
        answer = {"ok": database and vault, "database": "up" if database else "down"}
        answer["vault"] = "configured" if vault else "not configured"
        return _json(start_response, 200 if database and vault else 503, answer)

    def metrics_text(start_response: StartResponse) -> Iterable[bytes]:
        body = metrics.exposition(gauges)
        start_response("200 OK", [*_NO_STORE, ("Content-Type", metrics.CONTENT_TYPE), _length(body)])
        return [body]

    probes: dict[str, Callable[[StartResponse], Iterable[bytes]]] = {"/healthz": healthz, "/readyz": readyz}
    if deps.settings.METRICS_ENABLED:
        probes["/metrics"] = metrics_text

    secure_page = make_page_app(deps)  # None unless SECRET_INTAKE lets credentials be typed there
    oauth_paths = {INSTALL_PATH, REDIRECT_PATH} if app.oauth_flow is not None else set()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        with request_trace(environ.get("HTTP_X_CLOUD_TRACE_CONTEXT")):
            if path == SLACK_PATH and method == "POST":
                return slack_events(environ, start_response)
            if secure_page is not None and path.startswith(SECURE_PREFIX):
                return secure_page(environ, start_response)
            if path in oauth_paths and method == "GET":
                return slack(environ, start_response)  # Bolt's OAuth flow
            probe = probes.get(path) if method in ("GET", "HEAD") else None
            if probe is not None:
                return probe(start_response)
            return slack(environ, start_response)

    return wsgi


def _outcome(response: BoltResponse, *, failed: bool) -> str:
    if failed or response.status >= 500:  # the error handler answered politely, but it failed
        return ERROR
    return REFUSED if response.status >= 400 else OK


def _vault_configured(deps: Deps) -> bool:
    """A vault was built, and it is not the development vault in production (configuration only:
    a probe never calls Secret Manager)."""
    vault = deps.vault
    return vault is not None and not (deps.settings.production and vault.development_only)


_NO_STORE = [("Cache-Control", "no-store")]


def _length(body: bytes) -> tuple[str, str]:
    return ("Content-Length", str(len(body)))


def _json(start_response: StartResponse, status: int, answer: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(answer).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(f"{status} {reason}", [*_NO_STORE, ("Content-Type", "application/json"), _length(body)])
    return [body]


def _header(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    return value if isinstance(value, str) else None
