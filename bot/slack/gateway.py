"""The one outgoing Slack gateway: every Web API call the bot makes goes through here.

It owns the two caches those calls need — the app's DM channel with each person, and users.info
facts (kept in `slack_users`, fresh for `refresh_hours`, with a short in-memory front) — and turns
every failure into one exception type that carries Slack's error code, never a payload.

Every method takes the workspace first: the client that speaks for it comes from
`bot.slack.clients` — the one SLACK_BOT_TOKEN client (single-token mode), or, in OAuth mode, the
bot token of the installation serving that workspace, refreshed before it expires
(`bot.slack.installations`). So commands' answers, reminder DMs, App Home publishes and the bot's
other jobs all use the right workspace's token without knowing it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.slack.clients import NoClient, OneClient, WorkspaceClients
from core.clock import Clock
from storage.slack_users import SlackUsers, UserFacts

logger = logging.getLogger("codat_register.slack")

# users.info errors that mean the person is no longer in the workspace.
GONE_ERRORS = frozenset({"user_not_found", "user_disabled", "account_inactive"})
# chat.postMessage errors after which a cached DM channel must not be reused.
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "user_disabled"})
MEMORY_TTL_SECONDS = 600.0
# How long a user group's members (usergroups.users.list: the bot's admins) are trusted.
USERGROUP_TTL_SECONDS = 300.0
# Errors that mean the token itself was refused: in OAuth mode, read the installation again and
# retry once (another replica may have refreshed it; an uninstall ends it for good).
TOKEN_ERRORS = frozenset({"invalid_auth", "token_expired", "token_revoked", "account_inactive", "not_authed"})
USERS_LIST_PAGES_MAX = 50  # 200 people a page: a workspace of 10 000

Blocks = list[dict[str, Any]]


def web_client(
    token: str | None, base_url: str, *, team_id: str | None = None, timeout: float | None = None
) -> WebClient:
    """The Web API client: connection errors and 429s (honouring Retry-After) are retried. With
    `timeout`, a client for a caller that must answer fast: that timeout, no retries. `team_id`
    names the workspace on every call (an Enterprise Grid organisation's token needs it)."""
    client = WebClient(token=token, base_url=base_url, timeout=timeout or 10, team_id=team_id)  # type: ignore[arg-type]
    client.retry_handlers = (
        []
        if timeout is not None
        else [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ]
    )
    return client


class SlackCallError(Exception):
    """A Web API call failed: `code` is Slack's error (or the connection error's type name)."""

    def __init__(self, method: str, code: str, messages: list[str] | None = None) -> None:
        super().__init__(f"{method} failed: {code}")
        self.method = method
        self.code = code
        self.messages = messages or []


class HashConflict(SlackCallError):
    """views.update was given a stale hash: the view changed since it was rendered."""


@dataclass(frozen=True)
class Person(UserFacts):
    """What the bot knows of one Slack user, with the time zone resolved."""

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.tz) if self.tz else ZoneInfo("UTC")
        except (KeyError, ValueError):  # an unknown or malformed zone name
            return ZoneInfo("UTC")

    @property
    def is_guest(self) -> bool:
        return self.is_restricted or self.is_ultra_restricted


class SlackGateway:
    """Views, messages, DMs and people, in any workspace: `client` is the one client of single-token
    mode, or the clients of OAuth mode, one per workspace (bot.slack.clients)."""

    def __init__(
        self,
        client: WebClient | WorkspaceClients,
        users: SlackUsers,
        clock: Clock,
        *,
        refresh_hours: int = 24,
    ) -> None:
        self.clients: WorkspaceClients = OneClient(client) if isinstance(client, WebClient) else client
        # Single-token mode's one client; in OAuth mode the app's client with no workspace's token
        # (for the calls that need none): every workspace's own comes from `_client(team_id)`.
        self.client: WebClient = self.clients.default
        self.users = users
        self.clock = clock
        self.max_age = timedelta(hours=refresh_hours)
        self._lock = threading.Lock()
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._people: dict[tuple[str, str], tuple[float, Person]] = {}
        self._refreshes: dict[tuple[str, str], float] = {}  # when a background refresh was last asked
        self._usergroups: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}  # (when, members)

    # --- views -----------------------------------------------------------------------------------
    def open_view(self, team_id: str, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """views.open; the opened view (with its id and hash)."""
        return self._call(
            "views.open", lambda: self._client(team_id).views_open(trigger_id=trigger_id, view=view), team_id
        )["view"]

    def update_view(
        self, team_id: str, view_id: str, view: dict[str, Any], view_hash: str | None = None
    ) -> None:
        """views.update by id; HashConflict when `view_hash` is stale."""
        extra = {"hash": view_hash} if view_hash else {}
        self._call(
            "views.update",
            lambda: self._client(team_id).views_update(view_id=view_id, view=view, **extra),
            team_id,
        )

    def push_view(self, team_id: str, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """views.push over the open modal (Slack allows three deep); the pushed view."""
        return self._call(
            "views.push", lambda: self._client(team_id).views_push(trigger_id=trigger_id, view=view), team_id
        )["view"]

    def publish_home(self, team_id: str, user_id: str, view: dict[str, Any]) -> None:
        self._call(
            "views.publish", lambda: self._client(team_id).views_publish(user_id=user_id, view=view), team_id
        )

    # --- messages --------------------------------------------------------------------------------
    def post_message(self, team_id: str, channel: str, text: str, blocks: Blocks | None = None) -> str:
        """chat.postMessage; the message's ts."""
        response = self._call(
            "chat.postMessage",
            lambda: self._client(team_id).chat_postMessage(channel=channel, text=text, blocks=blocks),
            team_id,
        )
        return str(response.get("ts") or "")

    def post_ephemeral(
        self, team_id: str, channel: str, user_id: str, text: str, blocks: Blocks | None = None
    ) -> None:
        self._call(
            "chat.postEphemeral",
            lambda: self._client(team_id).chat_postEphemeral(
                channel=channel, user=user_id, text=text, blocks=blocks
            ),
            team_id,
        )

    def update_message(
        self, team_id: str, channel: str, ts: str, text: str, blocks: Blocks | None = None
    ) -> None:
        self._call(
            "chat.update",
            lambda: self._client(team_id).chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
            team_id,
        )

    def respond(self, team_id: str, response_url: str, text: str, blocks: Blocks | None = None) -> None:
        """An ephemeral answer through a command's response_url (Slack keeps it valid 30 minutes)."""
        try:
            answer = WebhookClient(response_url, timeout=10).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        except OSError as error:
            logger.warning("response_url failed: %s", type(error).__name__)
            raise SlackCallError("response_url", type(error).__name__) from None
        if answer.status_code != 200:
            logger.warning("response_url failed: HTTP %s", answer.status_code)
            raise SlackCallError("response_url", f"http_{answer.status_code}")

    def dm_channel(self, team_id: str, user_id: str) -> str:
        """The app's DM channel with the person (conversations.open once; the channel never changes)."""
        with self._lock:
            known = self._dm_channels.get((team_id, user_id))
        if known is not None:
            return known
        response = self._call(
            "conversations.open", lambda: self._client(team_id).conversations_open(users=user_id), team_id
        )
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dm_channels[team_id, user_id] = channel
        return channel

    def dm(
        self,
        team_id: str,
        user_id: str,
        text: str,
        blocks: Blocks | None = None,
        *,
        before_send: Callable[[str], None] | None = None,
    ) -> str:
        """A DM to the person; `before_send(channel)` runs just before the post (the sweep's pacing)."""
        channel = self.dm_channel(team_id, user_id)
        if before_send is not None:
            before_send(channel)
        try:
            return self.post_message(team_id, channel, text, blocks)
        except SlackCallError as error:
            if error.code in STALE_CHANNEL_ERRORS:
                with self._lock:
                    self._dm_channels.pop((team_id, user_id), None)
            raise

    # --- files -----------------------------------------------------------------------------------
    def upload_file(
        self,
        team_id: str,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        initial_comment: str,
    ) -> str:
        """Share a file in a channel (a DM: `dm_channel`): files.getUploadURLExternal, the bytes to
        the URL it gives, then files.completeUploadExternal with the comment. The file's id."""

        def upload() -> Any:
            try:
                return self._client(team_id).files_upload_v2(
                    filename=filename,
                    content=content,
                    title=title,
                    channel=channel,
                    initial_comment=initial_comment,
                )
            except SlackRequestError:  # the upload URL answered other than 200: no response to read
                raise SlackCallError("files.upload", "upload_failed") from None

        response = self._call("files.completeUploadExternal", upload, team_id)
        return str((response.get("file") or {}).get("id") or "")

    # --- people ----------------------------------------------------------------------------------
    def cached_person(self, team_id: str, user_id: str) -> Person | None:
        """What is known without calling Slack (however old), or None."""
        with self._lock:
            entry = self._people.get((team_id, user_id))
        if entry is not None:
            return entry[1]
        facts = self.users.get(team_id, user_id)
        return None if facts is None else self._remember(team_id, _person(facts))

    def person(self, team_id: str, user_id: str, *, timeout: float | None = None) -> Person | None:
        """The person's facts: cached while fresh, else users.info (within `timeout` seconds when
        given, with no retries). When Slack cannot answer, stale facts beat none; None means
        nothing is known."""
        known = self._fresh_in_memory(team_id, user_id)
        if known is not None:
            return known
        stored = self.users.get(team_id, user_id)
        now = self.clock.now()
        if (
            stored is not None
            and stored.refreshed_at is not None
            and now - stored.refreshed_at < self.max_age
        ):
            return self._remember(team_id, _person(stored))
        fetched = self._users_info(team_id, user_id, stored, timeout)
        if fetched is None:
            return None if stored is None else self._remember(team_id, _person(stored))
        # The language is the one stored now: `language fr` may have been typed while Slack answered.
        language = self.users.save(team_id, fetched, now)
        return self._remember(team_id, _person(fetched, refreshed_at=now, language=language))

    def known_person(
        self, team_id: str, user_id: str, *, refresh: Callable[[Callable[[], Any]], Any]
    ) -> Person | None:
        """What is known now, without waiting for Slack (an ack must not wait for users.info).

        When nothing is known or the facts are older than the refresh period, `refresh(fetch)` is
        handed the users.info call to run after the ack (at most once per person per ten minutes),
        so the next request finds fresh facts.
        """
        person = self.cached_person(team_id, user_id)
        now = self.clock.now()
        stale = person is None or person.refreshed_at is None or now - person.refreshed_at >= self.max_age
        if stale:
            with self._lock:
                last = self._refreshes.get((team_id, user_id))
                due = last is None or now.timestamp() - last >= MEMORY_TTL_SECONDS
                if due:
                    self._refreshes[team_id, user_id] = now.timestamp()
            if due:
                refresh(lambda: self.person(team_id, user_id))
        return person

    def usergroup_members(
        self, team_id: str, usergroup_id: str, *, timeout: float | None = None
    ) -> frozenset[str]:
        """The members of a Slack user group (usergroups.users.list), trusted for
        USERGROUP_TTL_SECONDS by the clock (within `timeout` seconds when given, no retries). When
        Slack cannot answer, the members last seen; none when never seen."""
        key, now = (team_id, usergroup_id), self.clock.now().timestamp()
        with self._lock:
            known = self._usergroups.get(key)
        if known is not None and now - known[0] < USERGROUP_TTL_SECONDS:
            return known[1]
        try:
            response = self._call(
                "usergroups.users.list",
                lambda: self._client(team_id, timeout).usergroups_users_list(usergroup=usergroup_id),
                team_id,
            )
        except SlackCallError:  # logged by _call, with Slack's error code
            return known[1] if known is not None else frozenset()
        members = frozenset(str(user) for user in response.get("users") or [])
        with self._lock:
            self._usergroups[key] = (now, members)
        return members

    def workspace_admins(self, team_id: str) -> list[str]:
        """The workspace's own admins and owners (users.list, every page): the bot's admins when
        neither ADMIN_USERS nor ADMIN_USERGROUP is set. Members only: no guests, apps or people who
        left. Empty when Slack cannot answer (logged by the call)."""
        admins: list[str] = []
        cursor: str | None = None
        for _ in range(USERS_LIST_PAGES_MAX):

            def page(after: str | None = cursor) -> Any:
                return self._client(team_id).users_list(limit=200, cursor=after or None)

            try:
                response = self._call("users.list", page, team_id)
            except SlackCallError:
                return admins
            for user in response.get("members") or []:
                facts = _facts_from(str(user.get("id") or ""), user)
                guest = facts.is_restricted or facts.is_ultra_restricted
                if (facts.is_admin or facts.is_owner) and not (facts.deleted or facts.is_bot or guest):
                    admins.append(facts.user_id)
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return admins

    def forget_person(self, team_id: str, user_id: str) -> None:
        """Drop the in-memory entry (e.g. after the person's language choice changed)."""
        with self._lock:
            self._people.pop((team_id, user_id), None)

    def set_language(self, team_id: str, user_id: str, language: str | None) -> None:
        """Store the person's language choice (None: follow their Slack locale)."""
        self.users.set_language(team_id, user_id, language)
        self.forget_person(team_id, user_id)

    # --- Sign in with Slack (the secure page: bot.secure_page.sign_in) ----------------------------
    def openid_token(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> dict[str, Any]:
        """openid.connect.token: a sign-in's code for the person's token and ID token (the app's
        client id and secret as HTTP Basic, no bot token). Never logged: only an error's code."""
        client = WebClient(base_url=self.client.base_url, timeout=10)
        response = self._call(
            "openid.connect.token",
            lambda: client.openid_connect_token(
                client_id=client_id,
                client_secret=client_secret,
                code=code,
                redirect_uri=redirect_uri,
                grant_type="authorization_code",
            ),
        )
        return response.data if isinstance(response.data, dict) else {}

    def openid_user_info(self, access_token: str) -> dict[str, Any]:
        """openid.connect.userInfo with the person's token: who signed in, in which workspace."""
        client = WebClient(token=access_token, base_url=self.client.base_url, timeout=10)
        response = self._call("openid.connect.userInfo", lambda: client.openid_connect_userInfo())
        return response.data if isinstance(response.data, dict) else {}

    # --- internals -------------------------------------------------------------------------------
    def _fresh_in_memory(self, team_id: str, user_id: str) -> Person | None:
        with self._lock:
            entry = self._people.get((team_id, user_id))
        if entry is None or self.clock.now().timestamp() - entry[0] > MEMORY_TTL_SECONDS:
            return None
        return entry[1]

    def _remember(self, team_id: str, person: Person) -> Person:
        with self._lock:
            self._people[team_id, person.user_id] = (self.clock.now().timestamp(), person)
        return person

    def _users_info(
        self, team_id: str, user_id: str, known: UserFacts | None, timeout: float | None
    ) -> UserFacts | None:
        try:
            client = self._client(team_id, timeout)
            user: dict[str, Any] = client.users_info(user=user_id, include_locale=True)["user"] or {}
        except SlackApiError as error:
            code = _code(error)
            if code in GONE_ERRORS:
                base = known or UserFacts(user_id)
                return UserFacts(**{**_fields(base), "deleted": True})
            logger.warning("users.info failed for %s: %s", user_id, code)
            return None
        except OSError as error:  # timeouts and refused connections: the cache will do
            logger.warning("users.info failed for %s: %s", user_id, type(error).__name__)
            return None
        except NoClient as error:  # not installed in the workspace (any more): the cache will do
            logger.warning("users.info skipped for %s: %s", user_id, error.code)
            return None
        return _facts_from(user_id, user)

    def _client(self, team_id: str, timeout: float | None = None) -> WebClient:
        """The client that speaks for the workspace (raises NoClient: `_call` turns it into a
        SlackCallError with the reason as its code)."""
        return self.clients.client(team_id, timeout)

    def _call(self, method: str, call: Callable[[], Any], team_id: str | None = None) -> Any:
        try:
            return call()
        except NoClient as error:
            logger.warning("%s skipped for %s: %s", method, team_id, error.code)
            raise SlackCallError(method, error.code) from None
        except SlackApiError as error:
            code = _code(error)
            if code in TOKEN_ERRORS and team_id is not None and self.clients.renewable:
                self.clients.forget(team_id)  # read the installation again, and try once more
                return self._call(method, call)
            metadata = (error.response.get("response_metadata") if error.response is not None else None) or {}
            messages = [str(m) for m in metadata.get("messages") or []]
            if code == "hash_conflict":
                raise HashConflict(method, code, messages) from None
            logger.warning("%s failed: %s %s", method, code, messages)
            raise SlackCallError(method, code, messages) from None
        except OSError as error:
            logger.warning("%s failed: %s", method, type(error).__name__)
            raise SlackCallError(method, type(error).__name__) from None


def _code(error: SlackApiError) -> str:
    response = error.response
    return str((response.get("error") if response is not None else None) or "unknown")


def _facts_from(user_id: str, user: dict[str, Any]) -> UserFacts:
    profile = user.get("profile") or {}
    names = (profile.get("real_name"), profile.get("display_name"), user.get("real_name"), user.get("name"))
    return UserFacts(
        user_id=user_id,
        tz=user.get("tz") or None,
        deleted=bool(user.get("deleted")),
        email=profile.get("email") or None,
        names=tuple(str(n) for n in names if n),
        locale=user.get("locale") or None,
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        is_restricted=bool(user.get("is_restricted")),
        is_ultra_restricted=bool(user.get("is_ultra_restricted")),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
    )


def _fields(facts: UserFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in UserFacts.__dataclass_fields__}


def _person(facts: UserFacts, **changes: Any) -> Person:
    return Person(**{**_fields(facts), **changes})
