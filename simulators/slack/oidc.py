"""Sign in with Slack (OpenID Connect), as the stand-in plays it for the secure page.

- `GET /openid/connect/authorize?response_type=code&scope=openid…&client_id=…&state=…&nonce=…
  &redirect_uri=…` answers a small page that lists the workspace's people ("Continue as …"): the
  stand-in has no sign-in of its own, so the person says who they are, as on the sandbox page.
  With `user=U…` (what those links add) it redirects to `redirect_uri` with a one-time code and the
  state. The redirect URI must be on a loopback address.
- `openid.connect.token` exchanges the code (once, within ten minutes, for the same redirect URI,
  with the app's client id and secret — HTTP Basic or form fields) for a user token (`xoxp-…`) and
  an ID token carrying the nonce. The ID token's signature is a placeholder: the bot reads its
  claims from this direct answer, as OpenID Connect allows over TLS, and never checks one.
- `openid.connect.userInfo` (with that token) says who signed in and in which workspace.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from core.network import is_loopback_url
from simulators.slack.state import SlackError, SlackWorkspace

AUTHORIZE_PATH = "/openid/connect/authorize"
DEFAULT_CLIENT_ID = "1234567890.0987654321"
DEFAULT_CLIENT_SECRET = "standin-client-secret"
CODE_SECONDS = 600
METHODS = ("openid.connect.token", "openid.connect.userInfo")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"


@dataclass(frozen=True)
class _Grant:
    user_id: str
    client_id: str
    redirect_uri: str
    nonce: str
    expires: float


class OpenIdProvider:
    """Slack's OpenID Connect side for one workspace and one app (its client id and secret)."""

    def __init__(
        self,
        workspace: SlackWorkspace,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.workspace = workspace
        self.client_id = client_id
        self.client_secret = client_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, str] = {}  # user token -> user id

    # --- the browser's side ---------------------------------------------------------------------
    def authorize(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """GET /openid/connect/authorize: (status, headers, body) — the people to choose from, a
        redirect with a code once one is chosen, or a short page saying what is wrong."""
        problem = self._check_request(query)
        if problem:
            return self._page(400, "Sign in with Slack", f"<p>{html.escape(problem)}</p>")
        user_id = query.get("user")
        if not user_id:
            return self._chooser(query)
        try:
            user = self.workspace.user(user_id)
        except SlackError:
            return self._page(400, "Sign in with Slack", "<p>No such person in this workspace.</p>")
        code = secrets.token_urlsafe(24)
        grant = _Grant(user["id"], query["client_id"], query["redirect_uri"], query.get("nonce", ""),
                       self._clock() + CODE_SECONDS)  # fmt: skip
        with self._lock:
            self._codes[code] = grant
        separator = "&" if urlsplit(grant.redirect_uri).query else "?"
        location = grant.redirect_uri + separator + urlencode({"code": code, "state": query.get("state", "")})
        return 302, {"Location": location, "Cache-Control": "no-store"}, b""

    def _check_request(self, query: Mapping[str, str]) -> str | None:
        if query.get("client_id") != self.client_id:
            return "Unknown client_id."
        if query.get("response_type") != "code":
            return "response_type must be code."
        if "openid" not in (query.get("scope") or "").split():
            return "The scope must include openid."
        redirect = query.get("redirect_uri") or ""
        if not is_loopback_url(redirect):
            return "The stand-in redirects to a loopback address only."
        team = query.get("team")
        if team and team != self.workspace.team_id:
            return "This workspace is not the one asked for."
        return None

    def _chooser(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        bot = self.workspace.bot_user_id
        people = [
            user
            for user in self.workspace.users()
            if not user.get("deleted") and not user.get("is_bot") and user.get("id") != bot
        ]
        items = "\n".join(
            f'<li><a href="{html.escape(AUTHORIZE_PATH + "?" + urlencode({**query, "user": user["id"]}))}">'
            f"Continue as {html.escape(str(user.get('real_name') or user['id']))}</a></li>"
            for user in people
        )
        team = html.escape(self.workspace.team_name)
        question = f"<p>Sign in to <strong>{team}</strong> (Slack stand-in): who are you?</p>"
        body = f"{question}\n<ul>\n{items}\n</ul>"
        return self._page(200, "Sign in with Slack", body)

    @staticmethod
    def _page(status: int, title: str, body: str) -> tuple[int, dict[str, str], bytes]:
        page = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto}</style>"
            f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
        ).encode()
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": _CSP}
        return status, {**headers, "Cache-Control": "no-store"}, page

    # --- the Web API methods ----------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        """openid.connect.token or openid.connect.userInfo; SlackError for an error answer."""
        if method == "openid.connect.token":
            return self._token(params, headers)
        return self._user_info(params, headers)

    def _token(self, params: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        client_id, client_secret = _client_credentials(params, headers)
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        with self._lock:
            grant = self._codes.pop(str(params.get("code") or ""), None)
        if grant is None or grant.expires < self._clock():
            raise SlackError("invalid_code")
        if grant.client_id != client_id:
            raise SlackError("invalid_code")
        if params.get("redirect_uri") and params.get("redirect_uri") != grant.redirect_uri:
            raise SlackError("bad_redirect_uri")
        token = "xoxp-" + secrets.token_hex(20)
        with self._lock:
            self._tokens[token] = grant.user_id
        return {"access_token": token, "token_type": "Bearer", "id_token": self._id_token(grant)}

    def _user_info(self, params: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token")
        with self._lock:
            user_id = self._tokens.get(str(token or ""))
        if user_id is None:
            raise SlackError("invalid_auth")
        return self._claims(user_id)

    def _claims(self, user_id: str) -> dict[str, Any]:
        user = self.workspace.user(user_id, include_locale=True)
        profile = user.get("profile") or {}
        return {
            "sub": user_id,
            "https://slack.com/user_id": user_id,
            "https://slack.com/team_id": self.workspace.team_id,
            "https://slack.com/team_name": self.workspace.team_name,
            "email": profile.get("email") or user.get("email"),
            "email_verified": True,
            "name": user.get("real_name"),
            "locale": user.get("locale") or "en-US",
        }

    def _id_token(self, grant: _Grant) -> str:
        now = int(self._clock())
        claims = {
            "iss": "https://slack.com",
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 3600,
            "auth_time": now,
            "nonce": grant.nonce,
            **self._claims(grant.user_id),
        }
        header = {"typ": "JWT", "alg": "RS256", "kid": "standin"}
        parts = (json.dumps(header).encode(), json.dumps(claims).encode(), b"standin-not-signed")
        return ".".join(_b64(part) for part in parts)


def _client_credentials(params: Mapping[str, Any], headers: Mapping[str, str]) -> tuple[str, str]:
    """The app's client id and secret: HTTP Basic (as slack_sdk sends them) or form fields."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if auth.startswith("Basic "):
        try:
            decoded = base64.b64decode(auth.removeprefix("Basic ").strip()).decode()
        except (ValueError, UnicodeDecodeError):
            raise SlackError("invalid_auth") from None
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
