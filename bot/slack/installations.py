"""OAuth mode: the bot token of each workspace the app is installed in, refreshed before it expires.

`Installations` is the one place a token comes from — for the gateway's calls (commands' answers,
reminder DMs, App Home publishes, anything the bot's own jobs send: `InstalledClients`) and for
Bolt's authorization of incoming requests (handlers.installs) — so every refresh takes the same path:

1. the installation serving the workspace, read from slack_sdk's store (storage.installations) and
   trusted in memory for CACHE_SECONDS;
2. with token rotation on, a token that expires within ROTATION_LEAD_MINUTES is refreshed by
   slack_sdk's `TokenRotator` — under a lock: the installation is read again under its row lock
   (PostgreSQL `SELECT … FOR UPDATE`; SQLite the write lock), refreshed only if it still needs it
   (another replica may just have done it), and the new token written before the lock is let go.
   A refresh token is single-use: two replicas refreshing at once would burn it.

A call Slack refuses for its token (revoked, expired) drops the cached installation (`forget`), so
the next call reads the store again. Token values are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.slack.clients import NoClient
from core.clock import Clock
from storage import installations as store
from storage import workspaces
from storage.db import Database
from storage.installations import InstallKey

logger = logging.getLogger("codat_register.slack")

ROTATION_LEAD_MINUTES = 120  # refresh this long before a token expires (Bolt's default too)
CACHE_SECONDS = 60.0  # how long an installation read from the store is trusted in memory
REFRESH_TIMEOUT_SECONDS = 5  # the refresh runs under a lock other replicas may be waiting on


class NotInstalled(NoClient):
    """The app is not installed in the workspace (never was, or was uninstalled)."""

    def __init__(self) -> None:
        super().__init__("not_installed")


class RefreshFailed(NoClient):
    """Slack refused to refresh the token (`code`: its error, e.g. invalid_refresh_token)."""


@dataclass(frozen=True)
class _Cached:
    at: float  # time.monotonic() when read
    value: object


class Installations:
    """The installations of one Slack app (client id), fresh, for every workspace."""

    def __init__(
        self,
        db: Database,
        *,
        client_id: str,
        client_secret: str,
        api_url: str,
        clock: Clock,
        lead_minutes: int = ROTATION_LEAD_MINUTES,
    ) -> None:
        self.db, self.clock, self.client_id = db, clock, client_id
        self.store = store.InstallationStore(client_id, db.engine, now=clock.now)
        refresher = WebClient(base_url=api_url, timeout=REFRESH_TIMEOUT_SECONDS)
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=refresher)
        self.lead_minutes = lead_minutes
        self._lock = threading.Lock()
        self._installations: dict[InstallKey, _Cached] = {}
        self._keys: dict[str, _Cached] = {}  # team_id -> its InstallKey
        self._linked: set[tuple[str, str]] = set()  # (team, enterprise) already remembered
        self._refreshing: dict[InstallKey, threading.Lock] = {}

    # --- lookups ---------------------------------------------------------------------------------
    def for_team(self, team_id: str) -> Installation:
        """The fresh installation serving the workspace (its own, or its organisation's org-wide
        one). Raises NotInstalled or RefreshFailed."""
        return self.fresh(self._key(team_id))

    def for_request(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool
    ) -> Installation:
        """The fresh installation an incoming request belongs to, as Bolt read its ids: an org-wide
        installation is found by its enterprise id alone."""
        if is_enterprise_install and enterprise_id:
            return self.fresh(InstallKey(enterprise_id, None))
        if not team_id:
            raise NotInstalled()
        return self.fresh(InstallKey(enterprise_id, team_id))

    def fresh(self, key: InstallKey) -> Installation:
        """The installation for `key`, its token refreshed first when it is due."""
        installation = self._cached_installation(key)
        if installation is None:
            installation = store.find(self.store, key)
            if installation is None or not installation.bot_token:
                raise NotInstalled()
            self._remember(key, installation)
        if self._due(installation):
            installation = self._refresh(key)
        return installation

    def remember_workspace(self, team_id: str, enterprise_id: str) -> None:
        """A workspace seen in a request of its organisation's org-wide installation: remembered, so
        the bot's own jobs find that installation for it (once per process and workspace)."""
        if (team_id, enterprise_id) in self._linked:
            return
        workspaces.remember_enterprise(self.db, team_id, enterprise_id)
        with self._lock:
            self._linked.add((team_id, enterprise_id))
            self._keys.pop(team_id, None)

    def forget(self, team_id: str | None = None, *, enterprise_id: str | None = None) -> None:
        """Drop what is cached about a workspace (and the installation serving it), or about every
        workspace of an organisation: read the store again next time."""
        with self._lock:
            cached = self._keys.pop(team_id, None) if team_id else None
            served_by = cached.value if cached is not None else None

            def stale(key: InstallKey) -> bool:
                return (
                    key == served_by
                    or (team_id is not None and key.team_id == team_id)
                    or (enterprise_id is not None and key.enterprise_id == enterprise_id)
                )

            self._installations = {k: v for k, v in self._installations.items() if not stale(k)}
            if enterprise_id is not None:
                self._keys.clear()

    # --- refreshing -------------------------------------------------------------------------------
    def _due(self, installation: Installation) -> bool:
        expires = installation.bot_token_expires_at
        if expires is None or installation.bot_refresh_token is None:
            return False  # token rotation is off for this app: tokens do not expire
        return expires - self.clock.now().timestamp() <= self.lead_minutes * 60

    def _refresh(self, key: InstallKey) -> Installation:
        # This process's threads queue on the first lock, other replicas on the installation's row.
        with self._refresh_lock(key), self.db.write_session() as session:
            current = store.locked(session, self.client_id, key)
            if current is None or not current.installation.bot_token:
                raise NotInstalled()
            installation = current.installation
            if self._due(installation):  # else another replica refreshed it while we waited
                refreshed = self._rotate(installation.to_bot())
                if refreshed is not None:
                    store.save_refreshed(session, self.client_id, current, refreshed)
                    installation = _with_token(installation, refreshed)
                    logger.info("refreshed the bot token of %s", _describe(key))
        self._remember(key, installation)
        return installation

    def _rotate(self, bot: Bot) -> Bot | None:
        # slack_sdk's TokenRotator measures expiry against the wall clock, the bot against its own
        # (the sandbox and the tests move it): hand the rotator the expiry in wall-clock time and
        # take the new one back on the bot's clock. In production the two clocks are one.
        skew = self.clock.now().timestamp() - time.time()
        assert bot.bot_token_expires_at is not None
        in_wall_time = round(bot.bot_token_expires_at - skew)
        wall = Bot(**{**bot.to_dict_for_copying(), "bot_token_expires_at": in_wall_time})
        try:
            rotated = self.rotator.perform_bot_token_rotation(
                bot=wall, minutes_before_expiration=self.lead_minutes + 1
            )
        except SlackTokenRotationError as error:
            code = _code(error.api_error)
            logger.warning("refreshing a bot token failed: %s", code)
            raise RefreshFailed(code) from None
        except OSError as error:
            logger.warning("refreshing a bot token failed: %s", type(error).__name__)
            raise RefreshFailed(type(error).__name__) from None
        if rotated is None or rotated.bot_token_expires_at is None:
            return None
        rotated.bot_token_expires_at = round(rotated.bot_token_expires_at + skew)
        return rotated

    def _refresh_lock(self, key: InstallKey) -> threading.Lock:
        with self._lock:
            return self._refreshing.setdefault(key, threading.Lock())

    # --- the in-memory front ------------------------------------------------------------------------
    def _key(self, team_id: str) -> InstallKey:
        with self._lock:
            cached = self._keys.get(team_id)
        if cached is not None and time.monotonic() - cached.at < CACHE_SECONDS:
            assert isinstance(cached.value, InstallKey)
            return cached.value
        key = store.key_for_team(self.db, self.client_id, team_id)
        if key is None:
            raise NotInstalled()
        with self._lock:
            self._keys[team_id] = _Cached(time.monotonic(), key)
        return key

    def _cached_installation(self, key: InstallKey) -> Installation | None:
        with self._lock:
            cached = self._installations.get(key)
        if cached is None or time.monotonic() - cached.at >= CACHE_SECONDS:
            return None
        assert isinstance(cached.value, Installation)
        return cached.value

    def _remember(self, key: InstallKey, installation: Installation) -> None:
        with self._lock:
            self._installations[key] = _Cached(time.monotonic(), installation)


class InstalledClients:
    """The gateway's clients in OAuth mode: one per workspace (and timeout), with the bot token of
    the installation serving it. For an org-wide installation, the client names the workspace
    (`team_id` on every call), as Slack asks of an organisation's token."""

    renewable = True

    def __init__(self, installations: Installations, default: WebClient) -> None:
        from bot.slack.gateway import web_client  # the one place clients are configured

        self.installations, self.default = installations, default  # default: the app's, no token
        self._web_client = web_client
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, float | None], tuple[str, WebClient]] = {}

    def client(self, team_id: str, timeout: float | None = None) -> WebClient:
        installation = self.installations.for_team(team_id)
        token = str(installation.bot_token)
        with self._lock:
            known = self._clients.get((team_id, timeout))
            if known is not None and known[0] == token:
                return known[1]
        names = team_id if installation.is_enterprise_install else None
        client = self._web_client(token, self.default.base_url, team_id=names, timeout=timeout)
        with self._lock:
            self._clients[team_id, timeout] = (token, client)
        return client

    def forget(self, team_id: str) -> None:
        self.installations.forget(team_id)


def _with_token(installation: Installation, bot: Bot) -> Installation:
    refreshed = Installation(**installation.to_dict_for_copying())
    refreshed.bot_token = bot.bot_token
    refreshed.bot_refresh_token = bot.bot_refresh_token
    refreshed.bot_token_expires_at = bot.bot_token_expires_at
    return refreshed


def _describe(key: InstallKey) -> str:
    return f"organisation {key.enterprise_id}" if key.org_wide else f"workspace {key.team_id}"


def _code(error: SlackApiError) -> str:
    response = error.response
    return str((response.get("error") if response is not None else None) or "unknown")
