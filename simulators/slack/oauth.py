"""Slack's OAuth v2 install flow and its bot tokens, as the stand-in plays them.

- `GET /oauth/v2/authorize?client_id=…&scope=…&state=…[&redirect_uri=…][&team=T…]` answers a
  consent page: "Allow" into a workspace (or, with org deploy, into a whole Enterprise Grid
  organisation), or "Cancel". The stand-in has no sign-in: the page installs as the workspace's
  first admin. Its form posts back to the same path; Allow redirects to the redirect URI (given, or
  the app's first) with a one-time code and the state, Cancel with `error=access_denied`. The
  redirect URI must be on a loopback address.
- `oauth.v2.access` (the app's client id and secret, HTTP Basic or form fields):
  `code=…` exchanges a code — once, within ten minutes, for the same redirect URI — for a bot token
  of that workspace (`team`) or organisation (`enterprise`, `is_enterprise_install`);
  `grant_type=refresh_token&refresh_token=…` (token rotation on) gives a new token and a new
  refresh token. A refresh token works **once**: using it again answers `invalid_refresh_token`.
  With token rotation, tokens expire (`expires_in`, on the stand-in's clock): a call with an
  expired one answers `token_expired`. The token a refresh replaced stays valid until it expires.
- Every bot token speaks for one workspace, or for every workspace of one organisation (the call
  names the workspace with `team_id`, as slack_sdk's `WebClient(team_id=…)` does); `revoke(...)`
  ends a workspace's or organisation's tokens (an uninstall): calls then answer `token_revoked`.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from core.network import is_loopback_url
from simulators.slack.oidc import _client_credentials
from simulators.slack.state import SlackError, SlackWorkspace

AUTHORIZE_PATH = "/oauth/v2/authorize"
CODE_SECONDS = 600
TOKEN_LIFETIME_SECONDS = 12 * 3600  # what Slack gives a rotating token
# No form-action: the form's answer redirects to the app, on another origin (CSP would block it).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@dataclass
class Grant:
    """What a bot token speaks for: a workspace (`team_id`), or a whole organisation (org-wide)."""

    team_id: str | None
    enterprise_id: str | None
    expires_at: float | None = None  # on the stand-in's clock; None: never (no token rotation)
    revoked: bool = False

    @property
    def org_wide(self) -> bool:
        return self.team_id is None


@dataclass(frozen=True)
class _Pending:
    """A code issued by the consent page, waiting for its exchange."""

    team_id: str | None
    enterprise_id: str | None
    installer: str
    redirect_uri: str
    scopes: str
    expires: float


@dataclass
class _Refresh:
    grant: Grant
    scopes: str
    used: bool = False


class OAuthServer:
    """Slack's side of installing one app (client id and secret) into the stand-in's workspaces."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        workspaces: Callable[[], Mapping[str, SlackWorkspace]],
        enterprises: Mapping[str, str],
        clock: Callable[[], float],
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_urls: list[str] = []  # the app's Redirect URLs; the first is the default
        self.token_rotation = False  # the manifest's token_rotation_enabled
        self.token_lifetime = TOKEN_LIFETIME_SECONDS
        self.org_deploy = True  # the manifest's org_deploy_enabled
        self._workspaces, self._enterprises, self._clock = workspaces, enterprises, clock
        self._lock = threading.Lock()
        self._tokens: dict[str, Grant] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, _Pending] = {}

    # --- tokens ---------------------------------------------------------------------------------
    def add_token(
        self,
        token: str,
        team_id: str | None = None,
        enterprise_id: str | None = None,
        expires_at: float | None = None,
    ) -> Grant:
        """Make `token` speak for a workspace (or, with no team, an organisation)."""
        grant = Grant(team_id, enterprise_id, expires_at)
        with self._lock:
            self._tokens[token] = grant
        return grant

    def grant(self, token: str) -> Grant:
        """What a token speaks for; SlackError invalid_auth, token_revoked or token_expired."""
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None:
            raise SlackError("invalid_auth")
        if grant.revoked:
            raise SlackError("token_revoked")
        if grant.expires_at is not None and self._clock() >= grant.expires_at:
            raise SlackError("token_expired")
        return grant

    def revoke(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> int:
        """End every token (and refresh token) of a workspace's installation, or of an
        organisation's org-wide one: the number of tokens revoked."""
        revoked = 0
        with self._lock:
            for grant in [*self._tokens.values(), *(r.grant for r in self._refresh.values())]:
                org = enterprise_id is not None and grant.org_wide and grant.enterprise_id == enterprise_id
                team = team_id is not None and grant.team_id == team_id
                if (org or team) and not grant.revoked:
                    grant.revoked = True
                    revoked += 1
        return revoked

    def tokens_for(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> list[str]:
        """The live tokens of a workspace's (or an organisation's org-wide) installation."""
        with self._lock:
            return [
                token
                for token, grant in self._tokens.items()
                if not grant.revoked
                and (
                    (team_id is not None and grant.team_id == team_id)
                    or (enterprise_id is not None and grant.org_wide and grant.enterprise_id == enterprise_id)
                )
            ]

    # --- the browser's side -----------------------------------------------------------------------
    def page(self, method: str, params: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """GET: the consent page; POST: the person's decision (see the module)."""
        problem = self._check_request(params)
        if problem:
            return _page(400, f"<p>{html.escape(problem)}</p>")
        if method == "POST":
            return self._decide(params)
        return self._consent(params)

    def _check_request(self, params: Mapping[str, str]) -> str | None:
        if params.get("client_id") != self.client_id:
            return "Unknown client_id."
        if not (params.get("scope") or "").strip():
            return "The app asks for no scope."
        redirect = self._redirect_uri(params)
        if not redirect:
            return "No redirect URI: the app has none configured and the link names none."
        if not is_loopback_url(redirect):
            return "The stand-in redirects to a loopback address only."
        if self.redirect_urls and redirect not in self.redirect_urls:
            return "redirect_uri is not one of the app's Redirect URLs (bad_redirect_uri)."
        return None

    def _redirect_uri(self, params: Mapping[str, str]) -> str:
        return params.get("redirect_uri") or (self.redirect_urls[0] if self.redirect_urls else "")

    def _targets(self, wanted: str | None) -> list[tuple[str, str]]:
        """(value, label) of what may be installed into: workspaces, and organisations."""
        targets = []
        for team_id, workspace in self._workspaces().items():
            if wanted in (None, "", team_id):
                targets.append((f"team:{team_id}", f"the {workspace.team_name} workspace"))
        if self.org_deploy:
            for enterprise_id, name in self._enterprises.items():
                if wanted in (None, "", enterprise_id):
                    targets.append((f"enterprise:{enterprise_id}", f"every workspace of {name} (org-wide)"))
        return targets

    def _consent(self, params: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        targets = self._targets(params.get("team"))
        if not targets:
            return _page(400, "<p>No such workspace in the stand-in.</p>")
        kept = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(str(params.get(name) or ""))}">'
            for name in ("client_id", "scope", "user_scope", "state", "redirect_uri")
        )
        buttons = "".join(
            f'<p><button type="submit" name="target" value="{html.escape(value)}">Allow: install into '
            f"{html.escape(label)}</button></p>"
            for value, label in targets
        )
        scopes = html.escape(", ".join((params.get("scope") or "").split(",")))
        body = (
            f"<p>codat-register asks for: <code>{scopes}</code></p>"
            f'<form method="post" action="{AUTHORIZE_PATH}">{kept}{buttons}'
            '<p><button type="submit" name="decision" value="cancel">Cancel</button></p></form>'
        )
        return _page(200, body)

    def _decide(self, params: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        redirect, state = self._redirect_uri(params), params.get("state") or ""
        if params.get("decision") == "cancel":
            return _redirect(redirect, {"error": "access_denied", "state": state})
        kind, _, target = str(params.get("target") or "").partition(":")
        workspaces = self._workspaces()
        if kind == "team" and target in workspaces:
            workspace = workspaces[target]
            pending = _Pending(target, workspace.enterprise_id, _installer(workspace), redirect,
                               str(params.get("scope")), self._clock() + CODE_SECONDS)  # fmt: skip
        elif kind == "enterprise" and target in self._enterprises and self.org_deploy:
            members = [w for w in workspaces.values() if w.enterprise_id == target]
            if not members:
                return _page(400, "<p>The organisation has no workspace in the stand-in.</p>")
            pending = _Pending(None, target, _installer(members[0]), redirect, str(params.get("scope")),
                               self._clock() + CODE_SECONDS)  # fmt: skip
        else:
            return _page(400, "<p>Choose a workspace (or organisation) to install into.</p>")
        code = f"{int(self._clock())}.{secrets.token_hex(16)}"
        with self._lock:
            self._codes[code] = pending
        return _redirect(redirect, {"code": code, "state": state})

    # --- oauth.v2.access ----------------------------------------------------------------------------
    def access(self, params: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        """oauth.v2.access: a code's exchange, or a refresh (see the module); SlackError on refusal."""
        client_id, client_secret = _client_credentials(params, headers)
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackError("bad_client_secret")
        grant_type = params.get("grant_type")
        if grant_type == "refresh_token":
            return self._refreshed(str(params.get("refresh_token") or ""))
        if grant_type not in (None, "", "authorization_code"):
            raise SlackError("unsupported_grant_type")
        with self._lock:
            pending = self._codes.pop(str(params.get("code") or ""), None)
        if pending is None or pending.expires < self._clock():
            raise SlackError("invalid_code")
        if params.get("redirect_uri") and params.get("redirect_uri") != pending.redirect_uri:
            raise SlackError("bad_redirect_uri")
        grant = Grant(pending.team_id, pending.enterprise_id)
        answer = self._issue(grant, pending.scopes)
        answer["authed_user"] = {"id": pending.installer}
        return answer

    def _refreshed(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            refresh = self._refresh.get(refresh_token)
            if refresh is None or refresh.used or refresh.grant.revoked:
                raise SlackError("invalid_refresh_token")
            refresh.used = True  # single-use, as Slack's
        grant = Grant(refresh.grant.team_id, refresh.grant.enterprise_id)
        return self._issue(grant, refresh.scopes)

    def _issue(self, grant: Grant, scopes: str) -> dict[str, Any]:
        rotating = self.token_rotation
        token = ("xoxe.xoxb-1-" if rotating else "xoxb-") + secrets.token_hex(20)
        workspace = self._workspace_of(grant)
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "bot",
            "scope": scopes,
            "bot_user_id": workspace.bot_user_id,
            "app_id": workspace.app_id,
            "team": None if grant.org_wide else {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": (
                {"id": grant.enterprise_id, "name": self._enterprises.get(grant.enterprise_id, "")}
                if grant.enterprise_id
                else None
            ),
            "is_enterprise_install": grant.org_wide,
        }
        if rotating:
            grant.expires_at = self._clock() + self.token_lifetime
            refresh_token = "xoxe-1-" + secrets.token_hex(24)
            answer |= {"refresh_token": refresh_token, "expires_in": self.token_lifetime}
            with self._lock:
                self._refresh[refresh_token] = _Refresh(grant, scopes)
        with self._lock:
            self._tokens[token] = grant
        return answer

    def _workspace_of(self, grant: Grant) -> SlackWorkspace:
        workspaces = self._workspaces()
        if grant.team_id is not None:
            return workspaces[grant.team_id]
        return next(w for w in workspaces.values() if w.enterprise_id == grant.enterprise_id)


def _installer(workspace: SlackWorkspace) -> str:
    people = [u for u in workspace.users() if not u["deleted"] and not u["is_bot"]]
    admins = [u for u in people if u["is_admin"] or u["is_owner"]]
    return (admins or people or [{"id": workspace.bot_user_id}])[0]["id"]


def _redirect(uri: str, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
    separator = "&" if urlsplit(uri).query else "?"
    return 302, {"Location": uri + separator + urlencode(query), "Cache-Control": "no-store"}, b""


def _page(status: int, body: str) -> tuple[int, dict[str, str], bytes]:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Install codat-register</title>'
        "<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto}button{font:inherit}"
        "</style></head><body><h1>Install codat-register (Slack stand-in)</h1>"
        f"{body}</body></html>"
    ).encode()
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": _CSP}
    return status, {**headers, "Cache-Control": "no-store"}, page
