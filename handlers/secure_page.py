"""The secure page over HTTP, in the bot's own WSGI app (handlers.http routes /secure/ here):

- GET  /secure/<token>      the form (or Sign in with Slack first), or why the link cannot be used;
- POST /secure/<token>      a submission: an urlencoded form of at most MAX_BODY_BYTES (413 above,
                            refused before it is read);
- GET  /secure/signed-in    Sign in with Slack's redirect URI.

Thin: it reads the request (path, cookies, the form) and sends what bot.secure_page decided, with
the page's headers on every answer — a Content-Security-Policy that allows nothing but the page's
own hashed style and a form posting back to itself, no caching, no referrer, no framing, no
sniffing. Nothing about a request is logged here (its URL holds the token, its body secrets).
Served only when SECRET_INTAKE is `link` or `both` (which needs PUBLIC_URL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from bot.secure_page import intake, links, sign_in
from bot.secure_page.ids import PATH_PREFIX, SIGNED_IN_PATH, Form
from bot.secure_page.page import CONTENT_SECURITY_POLICY
from bot.secure_page.reply import Cookie, Page
from core.logs import in_flight_secrets
from core.settings import SecretIntake

if TYPE_CHECKING:
    from bot.deps import Deps

WsgiApp = Callable[..., Iterable[bytes]]
StartResponse = Callable[..., Any]
SECURE_PREFIX = PATH_PREFIX

# Secret Manager takes 64 KiB a value, and a form encodes a byte in up to 3: room for one such
# value and the rest of the form, far below anything that could strain the server.
MAX_BODY_BYTES = 256 * 1024
MAX_FORM_FIELDS = 64
FORM_TYPE = "application/x-www-form-urlencoded"
HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Robots-Tag", "noindex, nofollow"),
)


class _Unreadable(Exception):
    """The body is not a form this page reads; `reason` names why (never its content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def make_page_app(deps: Deps) -> WsgiApp | None:
    """The page's WSGI app, or None when credentials are typed in the modal only."""
    if deps.settings.secret_intake is SecretIntake.modal:
        return None
    https = (deps.settings.PUBLIC_URL or "").startswith("https://")

    def answer(environ: dict[str, Any]) -> Page:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        cookies = _cookies(environ.get("HTTP_COOKIE") or "")
        if path == SIGNED_IN_PATH and method in ("GET", "HEAD") and deps.settings.sign_in_with_slack:
            query = dict(parse_qsl(environ.get("QUERY_STRING") or "", max_num_fields=MAX_FORM_FIELDS))
            return sign_in.finish(deps, query, cookies)
        raw_token = path.removeprefix(PATH_PREFIX)
        if not raw_token or "/" in raw_token or raw_token == SIGNED_IN_PATH.removeprefix(PATH_PREFIX):
            return links.not_found(deps)
        with in_flight_secrets.track(raw_token):
            if method in ("GET", "HEAD"):
                return intake.open_page(deps, raw_token, cookies)
            if method != "POST":
                return Page(405, links.not_found(deps).html)
            try:
                form = _form(environ)
            except _TooLarge as large:
                return intake.too_large(deps, raw_token, large.size, MAX_BODY_BYTES)
            except _Unreadable as unreadable:
                return intake.bad_request(deps, raw_token, unreadable.reason)
            # Every value sent is kept out of the logs and the audit, but the expiry date: no
            # secret, and its audit event (credential.expiry_set) records it.
            secrets = [value for name, value in form.items() if name != Form.expires_on]
            with in_flight_secrets.track(*secrets):
                return intake.submit_page(deps, raw_token, form, cookies)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        page = answer(environ)
        body = b"" if environ.get("REQUEST_METHOD") == "HEAD" or page.location else page.html.encode()
        headers = [*HEADERS, ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        if https:
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        if page.location:
            headers.append(("Location", page.location))
        if page.status == 405:
            headers.append(("Allow", "GET, HEAD, POST"))
        headers += [("Set-Cookie", _set_cookie(cookie, secure=https)) for cookie in page.cookies]
        start_response(f"{page.status} {HTTPStatus(page.status).phrase}", headers)
        return [body]

    return app


def _form(environ: dict[str, Any]) -> dict[str, str]:
    """The POSTed form: urlencoded UTF-8, at most MAX_BODY_BYTES, each field once."""
    if not (environ.get("CONTENT_TYPE") or "").lower().startswith(FORM_TYPE):
        raise _Unreadable("not an urlencoded form")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _Unreadable("Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise _TooLarge(length)
    stream = environ.get("wsgi.input")
    raw = stream.read(length) if stream is not None and length > 0 else b""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(raw),
            max_num_fields=MAX_FORM_FIELDS,
            errors="strict",
        )
    except UnicodeDecodeError:
        raise _Unreadable("not UTF-8") from None
    except ValueError:
        raise _Unreadable("not a form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _Unreadable("a field twice")
        form[name] = value
    return form


def _cookies(header: str) -> dict[str, str]:
    """The Cookie header's name=value pairs (malformed parts are skipped)."""
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, equals, value = part.strip().partition("=")
        if equals and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def _set_cookie(cookie: Cookie, *, secure: bool) -> str:
    attributes = [f"{cookie.name}={cookie.value}", f"Path={PATH_PREFIX}", f"Max-Age={cookie.max_age}"]
    attributes += ["HttpOnly", "SameSite=Lax"]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)
