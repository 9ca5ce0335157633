"""The state of a simulated Slack workspace: users, channels, messages, uploaded files and trigger ids.

Views (modal stacks, App Home) live in `views.ViewStore`, which shares this workspace's lock.
Shared by the Web API stand-in (tests) and the sandbox page; every change bumps `version`
so a page can poll (or block in `wait_for_change`) instead of diffing everything.
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

_ID_CHARS = string.ascii_uppercase + string.digits
# Slack shows a long zone name; zoneinfo only knows abbreviations ("BST"), so keep a small table.
_TZ_LABELS = {
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time"),
    "Europe/Paris": ("Central European Time", "Central European Summer Time"),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
}


class SlackError(Exception):
    """A Slack API error code (e.g. "user_not_found"), with optional `response_metadata.messages`."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error if not messages else f"{error}: {'; '.join(messages)}")
        self.error = error
        self.messages = list(messages or [])


def dm_channel_id(user_id: str) -> str:
    """The stable DM channel id the simulator gives the app's DM with a user: U0ALICE -> D0ALICE."""
    return "D" + user_id[1:]


def random_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def new_trigger_id(now: float) -> str:
    """A trigger id in Slack's shape, e.g. "1712345678.123456789012.0a1b2c..."."""
    return f"{int(now)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


@dataclass
class SimUser:
    id: str
    name: str
    real_name: str
    email: str
    tz: str = "Europe/London"
    deleted: bool = False
    display_name: str = ""
    is_admin: bool = False
    is_bot: bool = False
    locale: str = "en-US"  # returned by users.info only with include_locale=true, as Slack does
    is_owner: bool = False
    is_restricted: bool = False  # a multi-channel guest
    is_ultra_restricted: bool = False  # a single-channel guest


@dataclass
class SimFile:
    """A file uploaded through files.getUploadURLExternal: its bytes once they arrived, its channels
    once files.completeUploadExternal shared it."""

    id: str
    name: str
    length: int  # as announced to getUploadURLExternal
    user: str
    created: float
    content: bytes | None = None
    title: str = ""
    channels: list[str] = field(default_factory=list)
    completed: bool = False


# The personas: Alice is the workspace's admin (so, with no ADMIN_* settings, the bot's admin too),
# Bob, Carol and Camille are members, Gus is a guest from a partner company, Dave has left.
DEFAULT_USERS = (
    SimUser("U0ALICE", "alice", "Alice Archer", "alice@acme.example", "Europe/London", is_admin=True),
    SimUser("U0BOB", "bob", "Bob Brown", "bob@acme.example", "America/New_York"),
    SimUser("U0CAROL", "carol", "Carol Chen", "carol@acme.example", "Asia/Tokyo"),
    SimUser("U0DAVE", "dave", "Dave Dormant", "dave@acme.example", "Europe/London", deleted=True),
    SimUser("U0CAMILLE", "camille", "Camille Caron", "camille@acme.example", "Europe/Paris", locale="fr-FR"),
    SimUser("U0GUS", "gus", "Gus Guest", "gus@partner.example", "America/Los_Angeles", is_restricted=True),
)


@dataclass
class SimUsergroup:
    """A user group (`@codat-admins`): what usergroups.users.list answers."""

    id: str
    handle: str
    name: str
    users: tuple[str, ...] = ()


# ADMIN_USERGROUP=S0ADMINS makes its members the bot's admins.
DEFAULT_USERGROUPS = (SimUsergroup("S0ADMINS", "codat-admins", "codat-register admins", ("U0ALICE",)),)

# A second workspace to install the app into (OAuth mode): Grace is its admin, Hiro a member.
GLOBEX_USERS = (
    SimUser("U0GRACE", "grace", "Grace Green", "grace@globex.example", "America/New_York", is_admin=True),
    SimUser("U0HIRO", "hiro", "Hiro Hayashi", "hiro@globex.example", "Asia/Tokyo"),
)


class SlackWorkspace:
    """One team: its users, the app's conversations and the trigger ids it issued. Thread-safe."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Acme",
        domain: str = "acme",
        bot_user_id: str = "U0BOT",
        bot_name: str = "codat-register",
        bot_id: str = "B0BOT",
        app_id: str = "A0CODAT",
        users: tuple[SimUser, ...] | None = DEFAULT_USERS,
        usergroups: tuple[SimUsergroup, ...] = DEFAULT_USERGROUPS,
        strict_triggers: bool = True,
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.time,
        enterprise_id: str | None = None,
    ) -> None:
        self.team_id, self.team_name, self.domain = team_id, team_name, domain
        self.enterprise_id = enterprise_id  # the Enterprise Grid organisation it belongs to, if any
        self.bot_user_id, self.bot_name, self.bot_id, self.app_id = bot_user_id, bot_name, bot_id, app_id
        self.strict_triggers = strict_triggers
        self.trigger_ttl = trigger_ttl
        self._clock = clock
        self._lock = threading.RLock()
        self._changes = threading.Condition(self._lock)
        self._version = 0
        self._last_ts = 0
        self._users: dict[str, SimUser] = {}
        self._channels: dict[str, dict[str, Any]] = {"C0GENERAL": {"id": "C0GENERAL", "name": "general"}}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: dict[str, list[dict[str, Any]]] = {}
        self._triggers: dict[str, tuple[str, float]] = {}
        self._files: dict[str, SimFile] = {}
        for user in users or ():
            self._users[user.id] = copy.copy(user)
        self._usergroups = {group.id: copy.copy(group) for group in usergroups}

    # -- change tracking ---------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Increments on every state change."""
        return self._version

    def wait_for_change(self, since: int, timeout: float = 10.0) -> int:
        """Block until `version` > since (or timeout); return the current version."""
        with self._changes:
            self._changes.wait_for(lambda: self._version > since, timeout=timeout)
            return self._version

    @property
    def lock(self) -> threading.RLock:
        """The one lock guarding this workspace (the view store shares it)."""
        return self._lock

    def mark_changed(self) -> None:
        with self._lock:
            self._version += 1
            self._changes.notify_all()

    def now(self) -> float:
        return self._clock()

    def _next_ts(self) -> str:
        # Slack ts values are unique and increasing within a channel: keep them strictly increasing.
        micros = max(int(self._clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # -- users ---------------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a user (extra: deleted, display_name, is_admin, is_bot); returns the users.info shape."""
        ZoneInfo(tz)  # fail early on a zone Slack would never report
        user = SimUser(user_id, name, real_name or name.title(), email or f"{name}@{self.domain}.example", tz)
        with self._lock:
            self._users[user_id] = user
            return self._set_fields(user, extra)

    def set_user(self, user_id: str, **changes: Any) -> dict[str, Any]:
        """Change a user's fields (e.g. tz="Asia/Tokyo", deleted=True); returns the users.info shape."""
        with self._lock:
            return self._set_fields(self._user(user_id), changes)

    def _set_fields(self, user: SimUser, changes: dict[str, Any]) -> dict[str, Any]:
        allowed = {f.name for f in fields(SimUser)} - {"id"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"unknown user fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "tz" in changes:
            ZoneInfo(changes["tz"])
        for key, value in changes.items():
            setattr(user, key, value)
        self.mark_changed()
        return self._user_object(user)

    def _user(self, user_id: str) -> SimUser:
        user = self._users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user

    def user(self, user_id: str, *, include_locale: bool = False) -> dict[str, Any]:
        with self._lock:
            found = self._user_object(self._user(user_id))
            if include_locale:
                found["locale"] = self._user(user_id).locale
            return found

    def user_by_email(self, email: str) -> dict[str, Any]:
        with self._lock:
            for user in self._users.values():
                if user.email.lower() == email.lower():
                    return self._user_object(user)
        raise SlackError("users_not_found")

    def users(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._user_object(u) for u in self._users.values()]

    def _user_object(self, user: SimUser) -> dict[str, Any]:
        local = datetime.fromtimestamp(self._clock(), ZoneInfo(user.tz))
        offset = local.utcoffset()
        labels = _TZ_LABELS.get(user.tz)
        label = labels[1 if local.dst() else 0] if labels else (local.tzname() or user.tz)
        display = user.display_name or user.name
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": label,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "email": user.email,
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "display_name": display,
                "display_name_normalized": display,
                "team": self.team_id,
            },
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": user.is_ultra_restricted,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": int(self._clock()),
        }

    # -- user groups ---------------------------------------------------------------------------
    def set_usergroup(self, usergroup_id: str, users: tuple[str, ...], *, handle: str | None = None) -> None:
        """Create a user group or replace its members."""
        with self._lock:
            group = self._usergroups.get(usergroup_id)
            if group is None:
                name = handle or usergroup_id.lower()
                group = self._usergroups[usergroup_id] = SimUsergroup(usergroup_id, name, name)
            group.users = tuple(users)
            self.mark_changed()

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        """usergroups.users.list: the group's members (no_such_subteam for an unknown id)."""
        with self._lock:
            group = self._usergroups.get(usergroup_id)
            if group is None:
                raise SlackError("no_such_subteam")
            return list(group.users)

    # -- channels and messages -----------------------------------------------------------------
    def add_channel(self, channel_id: str, name: str) -> None:
        with self._lock:
            self._channels[channel_id] = {"id": channel_id, "name": name}
            self.mark_changed()

    def dm_channel_for(self, user_id: str) -> str:
        """The app's DM channel with a user, opened on first use (as conversations.open does)."""
        with self._lock:
            self._user(user_id)
            channel_id = dm_channel_id(user_id)
            if channel_id not in self._channels:
                self._channels[channel_id] = {"id": channel_id, "is_im": True, "user": user_id}
                self.mark_changed()
            return channel_id

    def has_dm(self, user_id: str) -> bool:
        """Whether the app's DM with the user was opened already."""
        with self._lock:
            return dm_channel_id(user_id) in self._channels

    def resolve_channel(self, channel: str) -> str:
        """A channel id for what chat.* accepts: a channel id, "#name", a DM id, or a user id."""
        with self._lock:
            if channel in self._channels:
                return channel
            for info in self._channels.values():
                if channel.startswith("#") and info.get("name") == channel[1:]:
                    return info["id"]
            for user_id in self._users:
                if channel in (user_id, dm_channel_id(user_id)):
                    return self.dm_channel_for(user_id)
        raise SlackError("channel_not_found")

    def post_message(self, channel: str, text: str | None = None, **fields_: Any) -> tuple[str, dict]:
        """chat.postMessage: fields_ may hold blocks, attachments, thread_ts, metadata."""
        _check_content(text, fields_)
        with self._lock:
            channel_id = self.resolve_channel(channel)
            message = {
                "type": "message",
                "ts": self._next_ts(),
                "text": text or "",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "app_id": self.app_id,
                "team": self.team_id,
                **_present(fields_),
            }
            self._messages.setdefault(channel_id, []).append(message)
            self.mark_changed()
            return channel_id, copy.deepcopy(message)

    def post_user_message(self, channel: str, user_id: str, text: str) -> tuple[str, dict]:
        """What a person types into a conversation (the Slack client posts it as them)."""
        with self._lock:
            person = self._user(user_id)
            if person.deleted:
                raise SlackError("user_not_found")
            channel_id = self.resolve_channel(channel)
            message = {
                "type": "message",
                "ts": self._next_ts(),
                "text": text,
                "user": user_id,
                "team": self.team_id,
                "sender": person.real_name,
            }
            self._messages.setdefault(channel_id, []).append(message)
            self.mark_changed()
            return channel_id, copy.deepcopy(message)

    def update_message(
        self, channel: str, ts: str, text: str | None = None, **fields_: Any
    ) -> tuple[str, dict]:
        """chat.update: replaces text/blocks/attachments of a message the app posted."""
        _check_content(text, fields_)
        with self._lock:
            channel_id = self.resolve_channel(channel)
            message = self._find_message(channel_id, ts)
            message["text"] = text or ""
            message.update(_present(fields_))
            message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
            self.mark_changed()
            return channel_id, copy.deepcopy(message)

    def delete_message(self, channel: str, ts: str) -> str:
        with self._lock:
            channel_id = self.resolve_channel(channel)
            self._messages[channel_id].remove(self._find_message(channel_id, ts))
            self.mark_changed()
            return channel_id

    def _find_message(self, channel_id: str, ts: str) -> dict[str, Any]:
        for message in self._messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def permalink(self, channel: str, ts: str) -> str:
        with self._lock:
            channel_id = self.resolve_channel(channel)
            self._find_message(channel_id, ts)
        return f"https://{self.domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"

    def post_ephemeral(self, channel: str, user_id: str, text: str | None = None, **fields_: Any) -> str:
        """chat.postEphemeral (and response_url replies): visible to one user only."""
        _check_content(text, fields_)
        with self._lock:
            if self._user(user_id).deleted:
                raise SlackError("user_not_found")
            channel_id = self.resolve_channel(channel)
            ts = self._next_ts()
            item = {"type": "message", "channel": channel_id, "ts": ts, "text": text or ""}
            self._ephemerals.setdefault(user_id, []).append(item | _present(fields_))
            self.mark_changed()
            return ts

    def replace_ephemeral(self, user_id: str, ts: str, text: str | None = None, **fields_: Any) -> None:
        """Apply response_url replace_original (or delete_original with delete=True) to an ephemeral."""
        delete = fields_.pop("delete", False)
        with self._lock:
            items = self._ephemerals.get(user_id, [])
            item = next((e for e in items if e["ts"] == ts), None)
            if item is None:
                raise SlackError("message_not_found")
            if delete:
                items.remove(item)
            else:
                item.update({"text": text or "", **_present(fields_)})
            self.mark_changed()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first (a user id means the app's DM with that user)."""
        with self._lock:
            try:
                channel_id = self.resolve_channel(channel)
            except SlackError:
                return []
            return copy.deepcopy(self._messages.get(channel_id, []))

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._ephemerals.get(user_id, []))

    # -- files (files.getUploadURLExternal, the upload URL, files.completeUploadExternal) -------------
    def start_upload(self, filename: str, length: int) -> str:
        """A new file waiting for its bytes; its id (Slack's shape, "F…")."""
        if length <= 0:
            raise SlackError("invalid_arguments", ["[ERROR] length must be a positive integer"])
        with self._lock:
            file_id = random_id("F")
            self._files[file_id] = SimFile(file_id, filename, length, self.bot_user_id, self._clock())
            return file_id

    def receive_upload(self, file_id: str, content: bytes) -> None:
        """The bytes POSTed to a file's upload URL."""
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                raise SlackError("file_not_found")
            upload.content = bytes(content)

    def complete_upload(
        self, files: list[dict[str, Any]], channel: str | None, initial_comment: str | None = None
    ) -> list[dict[str, Any]]:
        """Finish uploads; with a channel, share them there as one message carrying the files."""
        with self._lock:
            found = []
            for item in files:
                upload = self._files.get(str(item.get("id") or ""))
                if upload is None or upload.content is None or upload.completed:
                    raise SlackError("file_not_found")
                if len(upload.content) != upload.length:
                    raise SlackError("invalid_arguments", ["[ERROR] the uploaded size differs from length"])
                found.append((upload, str(item.get("title") or upload.name)))
            channel_id = self.resolve_channel(channel) if channel else None
            for upload, title in found:
                upload.title, upload.completed = title, True
                if channel_id:
                    upload.channels.append(channel_id)
            shared = [self._file_object(upload) for upload, _ in found]
            if channel_id:
                message = {
                    "type": "message",
                    "ts": self._next_ts(),
                    "text": initial_comment or "",
                    "user": self.bot_user_id,
                    "bot_id": self.bot_id,
                    "app_id": self.app_id,
                    "team": self.team_id,
                    "upload": True,
                    "files": shared,
                }
                self._messages.setdefault(channel_id, []).append(message)
            self.mark_changed()
            return copy.deepcopy(shared)

    def file(self, file_id: str) -> SimFile:
        """An uploaded file with its bytes (a copy)."""
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                raise SlackError("file_not_found")
            return copy.deepcopy(upload)

    def files(self) -> list[SimFile]:
        """Every file uploaded (finished or not), oldest first."""
        with self._lock:
            return [copy.deepcopy(upload) for upload in self._files.values()]

    def _file_object(self, upload: SimFile) -> dict[str, Any]:
        return {
            "id": upload.id,
            "name": upload.name,
            "title": upload.title,
            "size": upload.length,
            "user": upload.user,
            "created": int(upload.created),
            "channels": [c for c in upload.channels if not c.startswith("D")],
            "ims": [c for c in upload.channels if c.startswith("D")],
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.id}/{upload.name}",
        }

    # -- trigger ids -----------------------------------------------------------------------------
    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id as Slack sends with a user's interaction: valid `trigger_ttl` seconds, once."""
        now = self._clock()
        trigger_id = new_trigger_id(now)
        with self._lock:
            self._user(user_id)
            stale = [t for t, (_, at) in self._triggers.items() if now - at > 10 * self.trigger_ttl + 60]
            for old in stale:
                del self._triggers[old]
            self._triggers[trigger_id] = (user_id, now)
        return trigger_id

    def consume_trigger(self, trigger_id: str | None) -> str:
        """The user a trigger belongs to; raise expired_trigger_id when unknown, used or too old.

        With strict_triggers off any trigger passes (an unknown one counts as the first user's).
        """
        if not trigger_id:
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        with self._lock:
            issued = self._triggers.pop(trigger_id, None)
            if issued and self._clock() - issued[1] <= self.trigger_ttl:
                return issued[0]
            if not self.strict_triggers:
                return issued[0] if issued else next(iter(self._users))
        raise SlackError("expired_trigger_id")


def _check_content(text: str | None, fields_: dict[str, Any]) -> None:
    blocks = fields_.get("blocks")
    if not text and not blocks and not fields_.get("attachments"):
        raise SlackError("no_text")
    if text and len(text) > 40_000:
        raise SlackError("msg_too_long")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
        raise SlackError("invalid_blocks", ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"])


def _present(fields_: dict[str, Any]) -> dict[str, Any]:
    """The given fields, copied so stored messages never share objects with a request."""
    return {k: copy.deepcopy(v) for k, v in fields_.items() if v is not None}
