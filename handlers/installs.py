"""Installs through Slack's OAuth (OAuth mode: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no
SLACK_BOT_TOKEN), wired into Bolt:

- `oauth_settings(deps)`: Bolt's `OAuthSettings` with slack_sdk's SQLAlchemy installation and state
  stores on the bot's own engine (storage.installations; tables from the migrations), the scopes of
  manifest.yml (bot.installs.scopes), Slack's authorize page beside SLACK_API_URL, and the install
  pages (bot.installs.pages). GET /slack/install sends the browser to Slack with a new single-use
  `state` (also set as a cookie); GET /slack/oauth_redirect accepts the code only with that state,
  once, in that browser, within ten minutes.
- `InstalledAuthorize`: how Bolt authorizes each incoming request — the installation's token from
  bot.slack.installations, the same path the bot's own calls take, so a token is refreshed under the
  same lock whoever needs it first (Bolt's built-in InstallationStoreAuthorize would refresh without
  one, and call auth.test on every request). Org-wide installations are found by enterprise id.
- `register(app, deps)`: uninstalls. `app_uninstalled` and `tokens_revoked` (bot tokens) delete the
  installation (Bolt's own listeners, `enable_token_revocation_listeners()`) and, through a
  middleware that runs first, stop that workspace's reminders and keep or purge its data
  (bot.installs.lifecycle). In single-token mode the two events are acknowledged and logged only.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest

from bot.deps import Deps
from bot.installs import lifecycle, pages
from bot.installs.scopes import bot_scopes
from bot.slack.clients import NoClient
from bot.slack.installations import ROTATION_LEAD_MINUTES, Installations
from core.settings import reveal
from handlers.middleware import ContextMiddleware, ContextStep, Next
from handlers.payloads import CONTEXT_KEY, AppUninstalled, EventCallback, TokensRevoked, actor_of
from storage.installations import InstallKey, oauth_state_store

logger = logging.getLogger("codat_register.installs")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # how long an install link (its state) is good for
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")


def oauth_settings(deps: Deps, logger_: logging.Logger) -> OAuthSettings:
    """Bolt's OAuth flow for this deployment (see the module)."""
    settings, installations = deps.settings, deps.installations
    assert installations is not None, "OAuth settings are for OAuth mode"

    def installed(args: SuccessArgs) -> BoltResponse:
        lifecycle.installed(deps, args.installation)
        page = pages.installed_page(args.installation, _language(deps, args.request))
        return _page(200, page, args.settings.state_utils.build_set_cookie_for_deletion())

    def failed(args: FailureArgs) -> BoltResponse:
        logger.warning("an install failed: %s", args.reason)  # Bolt's reason code, never a value
        page = pages.failed_page(args.reason, _language(deps, args.request), INSTALL_PATH)
        return _page(args.suggested_status_code, page)

    return OAuthSettings(
        client_id=settings.SLACK_CLIENT_ID,
        client_secret=reveal(settings.SLACK_CLIENT_SECRET),
        scopes=list(bot_scopes()),
        user_scopes=[],
        # Unset: Slack sends the browser to the app's one Redirect URL (OAuth & Permissions).
        redirect_uri=f"{settings.PUBLIC_URL}{REDIRECT_PATH}" if settings.PUBLIC_URL else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,  # straight to Slack: no page loading Slack's button image
        authorization_url=settings.slack_authorize_url,
        installation_store=installations.store,
        token_rotation_expiration_minutes=ROTATION_LEAD_MINUTES,
        state_store=oauth_state_store(deps.db.engine, expiration_seconds=STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=installed, failure=failed),
        logger=logger_,
    )


def not_installed_message(deps: Deps) -> str:
    """Bolt's answer to a request from a workspace without an installation (DEFAULT_LANGUAGE: whoever
    asks is not known to the bot there)."""
    settings = deps.settings
    return pages.not_installed_message(settings.PUBLIC_URL, INSTALL_PATH, settings.DEFAULT_LANGUAGE)


class InstalledAuthorize(Authorize):
    """Bolt's authorize step in OAuth mode: the request's installation, fresh (see the module)."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        org_wide = bool(context.is_enterprise_install)
        try:
            installation = self.installations.for_request(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide
            )
        except NoClient as error:  # Bolt then answers that the app is not installed here
            logger.warning("no installation for a request from %s: %s", team_id or enterprise_id, error.code)
            return None
        # The workspace asking (an org-wide event names only the organisation in Bolt's ids).
        workspace = team_id or actor_of(context)[0] or None
        if org_wide and enterprise_id and workspace:
            self.installations.remember_workspace(workspace, enterprise_id)
        return AuthorizeResult(
            enterprise_id=installation.enterprise_id,
            team_id=workspace or installation.team_id,
            team=installation.team_name,
            bot_user_id=installation.bot_user_id,
            bot_id=installation.bot_id,
            bot_token=installation.bot_token,
            bot_scopes=installation.bot_scopes,
            user_id=user_id,
        )


def register(app: App, deps: Deps) -> None:
    """Follow uninstalls (see the module)."""
    if deps.installations is None:
        for event in UNINSTALL_EVENTS:
            app.event(event)(_acknowledge_only)
        return
    app.use(ContextMiddleware(uninstall_middleware(deps)))
    app.enable_token_revocation_listeners()


def uninstall_middleware(deps: Deps) -> ContextStep:
    """Before Bolt's own listener deletes the installation: the workspace's side of an uninstall."""

    def on_uninstall(context: BoltContext, body: dict[str, Any], next: Next) -> BoltResponse | None:
        callback = context.get(CONTEXT_KEY)
        if isinstance(callback, EventCallback) and isinstance(callback.event, AppUninstalled | TokensRevoked):
            key = _uninstalled_key(callback)
            if key is not None:
                lifecycle.uninstalled(deps, key, event=callback.event.type)
        return next()

    return on_uninstall


def _uninstalled_key(callback: EventCallback) -> InstallKey | None:
    """The installation an uninstall event ends; None for a revocation of user tokens only (the
    bot asks for none: nothing of the workspace changes)."""
    if isinstance(callback.event, TokensRevoked) and not callback.event.tokens.bot:
        return None
    first = callback.authorizations[0] if callback.authorizations else None
    enterprise_id = (first.enterprise_id if first else None) or callback.enterprise_id
    if callback.is_enterprise_install and enterprise_id:
        return InstallKey(enterprise_id, None)
    return InstallKey(enterprise_id, (first.team_id if first else None) or callback.team_id)


def _acknowledge_only(event: dict[str, Any]) -> None:
    # Single-token mode: the token is a setting; whoever runs the bot installs it again and
    # replaces SLACK_BOT_TOKEN. Reminders meanwhile fail and are retried, as for any Slack outage.
    logger.warning(
        "Slack says %s for this workspace: replace SLACK_BOT_TOKEN once reinstalled", event.get("type")
    )


def _language(deps: Deps, request: BoltRequest) -> str:
    accept = next(iter(request.headers.get("accept-language") or []), None)
    return pages.page_language(accept, deps.settings.DEFAULT_LANGUAGE)


def _page(status: int, html: str, set_cookie: str | None = None) -> BoltResponse:
    headers: dict[str, Any] = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if set_cookie:
        headers["Set-Cookie"] = [set_cookie]
    return BoltResponse(status=status, body=html, headers=headers)
