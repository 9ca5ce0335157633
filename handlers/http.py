"""The WSGI application: Slack's endpoint and a health check, served by gunicorn in production.

Every POST to /slack/events passes three gates before any listener runs:
1. the signature, over the raw bytes: 401 for an unsigned, stale or forged request, and nothing
   of its body is read further or logged;
2. the body: UTF-8 that Bolt can parse into an object (not `payload=not json`, not an array, not
   nested thousands deep): otherwise 400 and one WARNING line;
3. the payload's shape (handlers.payloads): otherwise the polite refusal of its kind.
Bolt then verifies the signature again on the same body (defence in depth: an HMAC, no second
read) and routes it, with the typed payload in its context. Socket Mode requests do not come
through here; handlers.payloads.middleware types them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

from handlers import payloads
from storage.db import Database

SLACK_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a full modal's state) are far smaller

logger = logging.getLogger("codat_register.http")

# What building a BoltRequest raises for a body it cannot read: json errors (ValueError), deep
# nesting (RecursionError), and a JSON value that is not an object (Bolt indexes it as one).
_UNREADABLE = (ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError)

WsgiApp = Callable[..., Iterable[bytes]]


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


def make_wsgi_app(app: App, db: Database) -> WsgiApp:
    """POST /slack/events goes through the gates above to Bolt; GET /healthz checks the database."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)  # everything else: Bolt's own 404s
    # The secret the App verifies with (Bolt has no public accessor); HTTP mode cannot run without it.
    secret = getattr(app, "_signing_secret", None)
    if not secret:
        raise ValueError("serving Slack over HTTP needs the signing secret (SLACK_SIGNING_SECRET)")
    verifier = RawBodyVerifier(secret)

    def events(environ: dict[str, Any]) -> BoltResponse:
        raw = _read_body(environ)
        if isinstance(raw, BoltResponse):
            return raw
        headers = WsgiHttpRequest(environ).get_headers()
        timestamp = _header(headers, "x-slack-request-timestamp")
        if not verifier.is_signed(raw, timestamp, _header(headers, "x-slack-signature")):
            return _refuse(401, "no valid signature (unsigned, stale or forged)", signed=False)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(400, "the body is not UTF-8", signed=True)
        try:
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
        except _UNREADABLE as error:
            return _refuse(400, f"the body is not a Slack payload ({type(error).__name__})", signed=True)
        try:
            request.context[payloads.CONTEXT_KEY] = payloads.parse(request.body)
        except payloads.Refused as refused:
            refused.log()
            return refused.response()
        return app.dispatch(request)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if path == SLACK_PATH and method == "POST":
            return _answer(start_response, events(environ))
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = db.ping()
            body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return wsgi


def _header(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    return value if isinstance(value, str) else None
