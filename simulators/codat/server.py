"""A local stand-in for Codat's Platform API (integrations): a real HTTP server on 127.0.0.1.

Point a client at `CodatStandIn.start()`'s base URL instead of https://api.codat.io. It answers

- `GET /integrations/{platformKey}` with Codat's `Integration`, or 404 in Codat's `ErrorMessage` shape;
- `GET /integrations?page=&pageSize=&query=&orderBy=` with the paged `Integrations` list;

and only with `Authorization: Basic <base64 of the API key>`; anything else gets 401. Tests and the
sandbox change it through the Python API (`set_enabled`, `add_integration`, `rate_limit_next`,
`fail_next`, `calls`) or, when it runs as its own process, through the `/_standin/...` control
endpoints, which are not part of Codat's API and need no key.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hmac
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from xml.sax.saxutils import escape

from core.network import loopback_ipv4
from simulators.codat.state import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CodatState,
    Fault,
    IntegrationRecord,
    RecordedCall,
    error_body,
)

DEFAULT_API_KEY = "codat-standin-api-key"  # a fake key the stand-in accepts unless told otherwise
CONTROL_PREFIX = "/_standin"
_MAX_CONTROL_BODY = 1 << 20
_QUERY_CLAUSE = re.compile(r"^\s*([A-Za-z]+)\s*(!=|=)\s*(.*?)\s*$")
_TOO_MANY = "You have made too many requests in a given amount of time; please retry later."
_MESSAGES = {
    400: "The request was malformed.",
    401: "Unauthorized",
    403: "You are using an outdated API key or a key not associated with that resource.",
    404: "Not found",
    405: "Method not allowed",
    429: _TOO_MANY,
    500: "There is a problem with our server. Please try again later.",
    503: "The service is temporarily unavailable. Please try again later.",
}


class _Reply:
    def __init__(
        self,
        status: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.payload = raw if raw is not None else json.dumps(body).encode()


def _error(status: int, message: str | None = None, headers: Mapping[str, str] | None = None) -> _Reply:
    return _Reply(status, error_body(status, message or _MESSAGES.get(status, "Error")), headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: CodatStandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hung up mid-response (its timeout, say) is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; keep-alive would stall 40 ms

    def _dispatch(self) -> None:
        self.server.standin._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: nothing about a request (its Authorization header least of all) goes to stderr."""


class CodatStandIn:
    """Codat's integrations API on 127.0.0.1. `start()`/`stop()`, or use it as a context manager."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        integrations: Iterable[IntegrationRecord | Mapping[str, Any]] | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("the stand-in needs an API key to accept")
        self.host = loopback_ipv4(host)
        self._port = port
        self._api_key = api_key
        self.state = CodatState(None if integrations is None else [_record(i) for i in integrations])
        self.errors: list[BaseException] = []  # unexpected exceptions inside the stand-in
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"CodatStandIn({where})"

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> str:
        """Start serving (idempotent) and return the base URL, e.g. ``http://127.0.0.1:PORT``."""
        if self._server is None:
            self._server = _Server((self.host, self._port), _Handler)
            self._server.standin = self
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="codat-standin",
                daemon=True,
            )
            self._thread.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CodatStandIn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("CodatStandIn is not running: call start() first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL to use as CODAT_API_URL (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    # -- the API key -----------------------------------------------------------------------------
    def set_api_key(self, api_key: str) -> None:
        """Accept only `api_key` from now on (the old one gets 401, as after a key is deleted)."""
        if not api_key:
            raise ValueError("the stand-in needs an API key to accept")
        self._api_key = api_key

    def authorization_header(self) -> str:
        """The Authorization value the stand-in accepts, for tests that talk to it directly."""
        return "Basic " + base64.b64encode(self._api_key.encode()).decode()

    # -- integrations ----------------------------------------------------------------------------
    def add_integration(
        self,
        key: str,
        name: str,
        *,
        enabled: bool = False,
        source_type: str = "Accounting",
        is_offline_connector: bool = False,
        is_beta: bool = False,
        data_provided_by: str = "Codat",
        logo_url: str | None = None,
        datatype_features: Iterable[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) an integration; returns it as `GET /integrations/{key}` will."""
        record = self.state.put(
            IntegrationRecord(
                key,
                name,
                enabled=enabled,
                source_type=source_type,
                is_offline_connector=is_offline_connector,
                is_beta=is_beta,
                data_provided_by=data_provided_by,
                logo_url=logo_url,
                datatype_features=None if datatype_features is None else tuple(datatype_features),
            )
        )
        return record.to_json(self._base_for_json())

    def set_integrations(self, integrations: Iterable[IntegrationRecord | Mapping[str, Any]]) -> None:
        """Replace every integration (records, or mappings in Codat's camelCase shape with a `key`)."""
        self.state.replace_all([_record(i) for i in integrations])

    def remove_integration(self, key: str) -> None:
        """Forget `key` (the API then answers 404 for it); KeyError if it is not there."""
        self.state.remove(key)

    def set_enabled(self, key: str, enabled: bool) -> dict[str, Any]:
        """Flip `enabled`, as switching the integration on or off in the Codat Portal does."""
        return self.state.set_enabled(key, enabled).to_json(self._base_for_json())

    def integration(self, key: str) -> dict[str, Any] | None:
        record = self.state.get(key)
        return None if record is None else record.to_json(self._base_for_json())

    def integrations(self) -> list[dict[str, Any]]:
        base = self._base_for_json()
        return [r.to_json(base) for r in self.state.all()]

    # -- faults ----------------------------------------------------------------------------------
    def rate_limit_next(
        self, calls: int = 1, retry_after_seconds: int | None = 60, *, retry_at: datetime | None = None
    ) -> None:
        """Answer the next `calls` API requests with 429 and a `Retry-After` header.

        The header carries `retry_after_seconds`, or the HTTP-date `retry_at` when that is given;
        with neither there is no header at all (as some gateways do).
        """
        headers: dict[str, str] = {}
        if retry_at is not None:
            if retry_at.tzinfo is None:
                raise ValueError("retry_at must be timezone-aware")
            headers["Retry-After"] = email.utils.format_datetime(retry_at.astimezone(UTC), usegmt=True)
        elif retry_after_seconds is not None:
            if retry_after_seconds < 0:
                raise ValueError("retry_after_seconds must not be negative")
            headers["Retry-After"] = str(int(retry_after_seconds))
        self.state.queue_fault(Fault(429, calls, headers, message=_TOO_MANY))

    def fail_next(
        self,
        calls: int = 1,
        status: int = 500,
        *,
        body: bytes | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        """Answer the next `calls` API requests with `status`.

        Without `body` the answer is Codat's `ErrorMessage` for that status; with it, exactly those
        bytes (say `status=200, body=b"<html>..."` for a proxy's page instead of JSON).
        """
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        if body is None:
            self.state.queue_fault(Fault(status, calls))
        else:
            self.state.queue_fault(Fault(status, calls, body=body, content_type=content_type))

    def clear_faults(self) -> None:
        self.state.clear_faults()

    # -- calls -----------------------------------------------------------------------------------
    def calls(self, path: str | None = None) -> int:
        """How many API requests reached `path` (e.g. ``/integrations/gbol``), or all of them.

        Every request counts, whatever it was answered (401 and 429 too); control requests do not.
        """
        return self.state.count(None if path is None else _normalise(path))

    def recorded_calls(self) -> list[RecordedCall]:
        return self.state.calls()

    def clear_calls(self) -> None:
        self.state.clear_calls()

    def wait_for_calls(self, path: str, count: int = 1, timeout: float = 5.0) -> int:
        """Wait until `path` has `count` calls; TimeoutError after `timeout` seconds."""
        seen = self.state.wait_for_count(_normalise(path), count, timeout)
        if seen < count:
            raise TimeoutError(f"{seen}/{count} calls to {path} after {timeout}s")
        return seen

    # -- HTTP ------------------------------------------------------------------------------------
    def _base_for_json(self) -> str:
        return self.url if self._server is not None else f"http://{self.host}:{self._port}"

    def _handle(self, request: _Handler) -> None:
        url = urlsplit(request.path)
        path = _normalise(url.path)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_CONTROL_BODY or request.headers.get("Transfer-Encoding"):
            # A body we will not read would be taken for the next request on this connection.
            self._send(request, _error(400, "Send a body with a Content-Length of at most 1 MiB"), close=True)
            return
        raw = request.rfile.read(length) if length else b""
        try:
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                reply = self._control(request.command, path.removeprefix(CONTROL_PREFIX), raw)
            else:
                reply = self._api(request, path, url.query)
        except Exception as exc:  # keep the server up; tests read .errors
            self.errors.append(exc)
            reply = _error(500)
        self._send(request, reply)

    def _send(self, request: _Handler, reply: _Reply, *, close: bool = False) -> None:
        request.send_response(reply.status)
        request.send_header("Content-Type", reply.content_type)
        request.send_header("Content-Length", str(len(reply.payload)))
        for name, value in reply.headers.items():
            request.send_header(name, value)
        if close:
            request.send_header("Connection", "close")
            request.close_connection = True
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(reply.payload)

    def _api(self, request: _Handler, path: str, query: str) -> _Reply:
        authorized = self._authorized(request.headers.get("Authorization"))
        fault = self.state.take_fault()
        if fault is not None:
            if fault.body is not None:
                reply = _Reply(
                    fault.status, headers=fault.headers, raw=fault.body, content_type=fault.content_type
                )
            else:
                reply = _error(fault.status, fault.message or None, fault.headers)
        elif not authorized:
            reply = _error(401)
        else:
            reply = self._route(request.command, path, query)
        self.state.record(RecordedCall(request.command, path, query, reply.status, authorized, time.time()))
        return reply

    def _authorized(self, header: str | None) -> bool:
        scheme, _, token = (header or "").strip().partition(" ")
        if scheme.lower() != "basic" or not token.strip():
            return False
        try:
            presented = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(presented, self._api_key.encode())

    def _route(self, method: str, path: str, query: str) -> _Reply:
        parts = path.strip("/").split("/")
        if parts[0] != "integrations" or len(parts) > 2:
            return _error(404, f"No resource was found at {path}")
        if method not in ("GET", "HEAD"):
            return _error(405, f"{method} is not allowed on {path}", {"Allow": "GET"})
        if len(parts) == 1:
            return self._list(path, dict(parse_qsl(query, keep_blank_values=True)))
        record = self.state.get(parts[1])
        if record is None:
            return _error(404, f"No integration was found with key {parts[1]}")
        return _Reply(200, record.to_json(self.url))

    def _list(self, path: str, params: dict[str, str]) -> _Reply:
        try:
            page = _int_param(params, "page", 1, 1, None)
            page_size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
            items = [r.to_json(self.url) for r in self.state.all()]
            items = _filtered(items, params.get("query", ""))
            items = _ordered(items, params.get("orderBy", ""))
        except ValueError as error:
            return _error(400, str(error))
        extra = {k: params[k] for k in ("query", "orderBy") if params.get(k)}
        total = len(items)
        start = (page - 1) * page_size

        def link(number: int) -> dict[str, str]:
            query = urlencode({"page": number, "pageSize": page_size, **extra}, quote_via=quote)
            return {"href": f"{path}?{query}"}

        links: dict[str, dict[str, str]] = {"self": {"href": path}, "current": link(page)}
        if start + page_size < total:
            links["next"] = link(page + 1)
        if page > 1:
            links["previous"] = link(page - 1)
        return _Reply(
            200,
            {
                "results": items[start : start + page_size],
                "pageNumber": page,
                "pageSize": page_size,
                "totalResults": total,
                "_links": links,
            },
        )

    def _control(self, method: str, path: str, raw: bytes) -> _Reply:
        """The stand-in's own endpoints: not Codat's API, no key, never counted as calls."""
        parts = path.strip("/").split("/") if path.strip("/") else []
        body = _json_object(raw) if raw else {}
        if body is None:
            return _error(400, "the body must be a JSON object")
        try:
            match method, parts:
                case "GET", ["integrations"]:
                    return _Reply(200, {"results": self.integrations()})
                case "PUT", ["integrations", key]:
                    record = self.state.put(IntegrationRecord.from_json(key, body))
                    return _Reply(200, record.to_json(self.url))
                case "PATCH", ["integrations", key]:
                    if not isinstance(body.get("enabled"), bool):
                        return _error(400, 'PATCH needs {"enabled": true|false}')
                    return _Reply(200, self.set_enabled(key, body["enabled"]))
                case "DELETE", ["integrations", key]:
                    self.remove_integration(key)
                    return _Reply(204, raw=b"")
                case "POST", ["rate-limit"]:
                    self.rate_limit_next(int(body.get("calls", 1)), body.get("retryAfterSeconds", 60))
                    return _Reply(200, {"pendingFaults": self.state.pending_faults()})
                case "POST", ["fail"]:
                    self.fail_next(int(body.get("calls", 1)), int(body.get("status", 500)))
                    return _Reply(200, {"pendingFaults": self.state.pending_faults()})
                case "GET", ["calls"]:
                    calls = self.recorded_calls()
                    by_path: dict[str, int] = {}
                    for call in calls:
                        by_path[call.path] = by_path.get(call.path, 0) + 1
                    return _Reply(200, {"total": len(calls), "byPath": by_path})
                case "DELETE", ["calls"]:
                    self.clear_calls()
                    return _Reply(204, raw=b"")
                case "GET", ["logos", name] if re.fullmatch(r"[a-z0-9]{1,16}\.svg", name):
                    return _Reply(200, raw=_logo(name.removesuffix(".svg")), content_type="image/svg+xml")
        except KeyError as missing:
            return _error(404, f"No integration was found with key {missing.args[0]}")
        except (TypeError, ValueError) as error:
            return _error(400, str(error))
        return _error(404, f"No stand-in endpoint {method} {CONTROL_PREFIX}{path}")


def _record(item: IntegrationRecord | Mapping[str, Any]) -> IntegrationRecord:
    if isinstance(item, IntegrationRecord):
        return item
    key = item.get("key")
    if not isinstance(key, str):
        raise ValueError("an integration mapping needs a string 'key'")
    return IntegrationRecord.from_json(key, item)


def _normalise(path: str) -> str:
    return "/" + path.strip("/") if path.strip("/") else "/"


def _int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()):
        raise ValueError(f"{name} must be a whole number")
    value = int(text)
    if value < low or (high is not None and value > high):
        raise ValueError(
            f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}"
        )
    return value


def _filtered(items: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Codat's query language, as far as the stand-in goes: `field=value` / `field!=value` and `&&`."""
    if not query.strip():
        return items
    for clause in query.split("&&"):
        match = _QUERY_CLAUSE.match(clause)
        if match is None or "||" in clause:
            raise ValueError(
                f"the stand-in supports only field=value and field!=value joined by &&, not {clause!r}"
            )
        name, operator, wanted = match.groups()
        if items and name not in items[0]:
            raise ValueError(f"unknown property {name!r}")

        def keep(
            item: dict[str, Any], name: str = name, operator: str = operator, wanted: str = wanted
        ) -> bool:
            value = item.get(name)
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            return (shown.lower() == wanted.lower()) == (operator == "=")

        items = [item for item in items if keep(item)]
    return items


def _ordered(items: list[dict[str, Any]], order_by: str) -> list[dict[str, Any]]:
    if not order_by.strip():
        return items
    descending = order_by.startswith("-")
    name = order_by.lstrip("-").strip()
    if items and (name not in items[0] or isinstance(items[0][name], list | dict)):
        raise ValueError(f"cannot order by {name!r}")
    return sorted(items, key=lambda item: str(item.get(name)).lower(), reverse=descending)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _logo(key: str) -> bytes:
    label = escape(key.upper()[:4])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#3c4b8c"/>'
        '<text x="32" y="38" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">'
        f"{label}</text>"
        "</svg>"
    ).encode()
