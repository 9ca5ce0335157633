"""Sign in with Slack before the secure page (OpenID Connect), when SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET are set.

1. The link opens: a new `state` and `nonce` (128 bits each) are kept hashed on the link, the
   state (with the link's token, to come back to it) goes into a cookie of this browser, and the
   browser is sent to Slack's authorize page (`openid/connect/authorize`, the workspace preset).
2. Slack sends it back to PUBLIC_URL/secure/signed-in with a code and the state. The state must be
   the link's and this browser's (a sign-in started elsewhere is refused), once; the code is
   exchanged (`openid.connect.token`, with the app's client id and secret) for a token whose ID
   token must carry the link's nonce and the app's client id; `openid.connect.userInfo` then says
   who signed in. Another workspace or another person than the link's is refused.
3. Signed in: a new session (128 bits) is the link's, hashed, and this browser's cookie; the form
   follows. The ID token comes straight from Slack over TLS in the code exchange, so its claims are
   read without checking its signature (OpenID Connect Core 3.1.3.7).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

from bot.secure_page import links
from bot.secure_page import texts as t
from bot.secure_page.ids import PATH_PREFIX, SESSION_COOKIE, SIGNED_IN_PATH, STATE_COOKIE
from bot.secure_page.reply import Cookie, Page
from bot.secure_page.tokens import LinkToken, digest, new_secret, parse_link_token, same
from bot.slack.gateway import SlackCallError
from core.i18n import use_language
from core.logs import in_flight_secrets
from core.settings import reveal
from storage.secure_links import Link, SecureLinks

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.secure_page")

SCOPES = "openid profile"
USER_CLAIM = "https://slack.com/user_id"
TEAM_CLAIM = "https://slack.com/team_id"


class SignInFailed(Exception):
    """Slack's sign-in did not complete; `reason` is a code to show and log (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def authorize_url(deps: Deps) -> str:
    """Slack's authorize page, next to its Web API (https://slack.com/openid/connect/authorize)."""
    return urljoin(deps.settings.SLACK_API_URL, "/openid/connect/authorize")


def redirect_uri(deps: Deps) -> str:
    """Where Slack sends the browser back: add it to the app's OAuth & Permissions > Redirect URLs."""
    return f"{deps.settings.PUBLIC_URL}{SIGNED_IN_PATH}"


def begin(deps: Deps, link: Link, token: LinkToken) -> Page:
    """Send the browser to Slack to sign in, for this link."""
    state, nonce, now = new_secret(), new_secret(), deps.clock.now()
    SecureLinks(deps.db).start_sign_in(link.id, digest(state), digest(nonce), now)
    query = {
        "response_type": "code",
        "scope": SCOPES,
        "client_id": deps.settings.SLACK_CLIENT_ID or "",
        "state": state,
        "nonce": nonce,
        "redirect_uri": redirect_uri(deps),
        "team": link.team_id,
    }
    seconds = max(int((link.expires_at - now).total_seconds()), 1)
    cookie = Cookie(STATE_COOKIE, f"{state}.{token.value}", seconds)
    return Page(302, location=f"{authorize_url(deps)}?{urlencode(query)}", cookies=(cookie,))


def finish(deps: Deps, query: Mapping[str, str], cookies: Mapping[str, str]) -> Page:
    """GET /secure/signed-in: Slack's answer. The form's URL with a session cookie, or why not."""
    state = query.get("state") or ""
    link = SecureLinks(deps.db).by_sign_in_state(digest(state)) if state else None
    if link is None:
        logger.info("secure page: a sign-in with an unknown state")
        return links.not_found(deps)
    with use_language(link.language):
        browser_state, _, raw_token = (cookies.get(STATE_COOKIE) or "").partition(".")
        token = parse_link_token(raw_token)
        if browser_state != state or token is None or not same(token.value, link.token_hash):
            links.refuse(deps, link, "sign_in_elsewhere")  # not the browser that was sent to Slack
            return _problem(deps, link, 403, t.SIGN_IN_AGAIN)
        found = links.find(deps, token.value)
        if isinstance(found, Page):
            return found
        if query.get("error"):
            links.refuse(deps, link, "sign_in_failed", error=_code(query["error"]))
            return _problem(deps, link, 403, t.SIGN_IN_FAILED.format(reason=_code(query["error"])))
        try:
            team_id, user_id = _who(deps, link, query.get("code") or "")
        except SignInFailed as failed:
            links.refuse(deps, link, "sign_in_failed", error=failed.reason)
            return _problem(deps, link, 502, t.SIGN_IN_FAILED.format(reason=failed.reason))
        clear = Cookie(STATE_COOKIE, "", 0)
        if (team_id, user_id) != (link.team_id, link.user_id):
            spent = digest(new_secret())  # this state can never sign in again
            SecureLinks(deps.db).start_sign_in(link.id, spent, spent, deps.clock.now())
            actor = user_id if team_id == link.team_id else link.user_id
            links.refuse(deps, link, "wrong_user", actor=actor, signed_in_as=user_id, signed_in_team=team_id)
            names = links.names_of(deps, link)
            text = t.WRONG_USER.format(person=names(user_id), owner=names(link.user_id))
            wrong = links.problem(deps, link, 403, t.WRONG_USER_HEADING, text)
            return Page(wrong.status, wrong.html, cookies=(clear,))
        session, now = new_secret(), deps.clock.now()
        signed_in = links.event(link, "secure_page.signed_in", actor=user_id)
        if not SecureLinks(deps.db).finish_sign_in(link.id, digest(state), digest(session), now, signed_in):
            links.refuse(deps, link, "sign_in_replayed")
            return _problem(deps, link, 403, t.SIGN_IN_AGAIN)
        seconds = max(int((link.expires_at - now).total_seconds()), 1)
        cookie = Cookie(SESSION_COOKIE, session, seconds)
        location = f"{deps.settings.PUBLIC_URL}{PATH_PREFIX}{token.value}"
        return Page(303, location=location, cookies=(cookie, clear))


def _who(deps: Deps, link: Link, code: str) -> tuple[str, str]:
    """The workspace and person Slack signed in, from the code; SignInFailed otherwise."""
    if not code:
        raise SignInFailed("no_code")
    settings = deps.settings
    with in_flight_secrets.track(code):
        try:
            answer = deps.slack.openid_token(
                client_id=settings.SLACK_CLIENT_ID or "",
                client_secret=reveal(settings.SLACK_CLIENT_SECRET) or "",
                code=code,
                redirect_uri=redirect_uri(deps),
            )
        except SlackCallError as error:
            raise SignInFailed(_code(error.code)) from None
        access_token = str(answer.get("access_token") or "")
        with in_flight_secrets.track(access_token, str(answer.get("id_token") or "")):
            claims = _claims(str(answer.get("id_token") or ""))
            if not same(str(claims.get("nonce") or ""), link.sign_in_nonce_hash):
                raise SignInFailed("nonce")
            if claims.get("aud") != settings.SLACK_CLIENT_ID:
                raise SignInFailed("audience")
            if not access_token:
                raise SignInFailed("no_access_token")
            try:
                info = deps.slack.openid_user_info(access_token)
            except SlackCallError as error:
                raise SignInFailed(_code(error.code)) from None
    team_id, user_id = str(info.get(TEAM_CLAIM) or ""), str(info.get(USER_CLAIM) or info.get("sub") or "")
    if not team_id or not user_id:
        raise SignInFailed("no_identity")
    return team_id, user_id


def _claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token (its middle part); SignInFailed when it is not one."""
    try:
        middle = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        raise SignInFailed("id_token") from None
    if not isinstance(claims, dict):
        raise SignInFailed("id_token")
    return claims


def _code(value: str) -> str:
    """An error code fit to show and log: letters, digits and _ only, short."""
    return "".join(c for c in value if c.isalnum() or c == "_")[:40] or "error"


def _problem(deps: Deps, link: Link, status: int, text: str) -> Page:
    return links.problem(deps, link, status, t.SIGN_IN_HEADING, text)


__all__ = ["authorize_url", "begin", "finish", "redirect_uri"]
