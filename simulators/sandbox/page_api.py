"""What the sandbox page can do, as Slack would do it: the page's JSON API behind the HTTP layer.

The page shows one simulated user's view of the workspace and sends what the person does: a
slash command, a modal submitted or closed, a click or selection, a tab opened, the clock moved.
Each becomes what Slack would send the bot — a signed request to its /slack/events — through
`SlackEventsClient`, which also applies the bot's acknowledgement to the stand-in (modal closed,
updated, pushed, errors kept) as Slack would.

What people type (credentials included) passes through in memory only: it is never logged,
stored, or written into the stand-in's view state (the page keeps it until the modal closes).

With several workspaces (the OAuth sandbox: `python app.py sandbox --oauth`), the page acts in the
workspace of the person picked, and offers "Add to Slack" for each workspace the app is not
installed in — the real round trip through the bot's /slack/install and the stand-in's consent
page — and "Uninstall" for the others (Slack's tokens_revoked and app_uninstalled).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from simulators.slack import payloads
from simulators.slack.methods import message_fields
from simulators.slack.payloads import PayloadError
from simulators.slack.state import SlackError, dm_channel_id
from simulators.slack.views import iter_elements

if TYPE_CHECKING:
    from simulators.codat import CodatStandIn
    from simulators.slack.events_client import EventsResponse, SlackEventsClient
    from simulators.slack.state import SlackWorkspace
    from simulators.slack.web_api import SlackWebApi

logger = logging.getLogger("codat_register.sandbox")

COMMAND = "/codat-register"
MAX_WAIT_SECONDS = 25.0
MAX_ADVANCE_HOURS = 24 * 31
MAX_RECORDED_CALLS = 1000  # keeps a long session's memory flat
SLACK_ACK_SECONDS = 3.0  # Slack gives up on an acknowledgement after 3 s
MAX_MESSAGE_CHARS = 4000  # what the page lets a person type into the Messages tab
# The events manifest.yml subscribes to: the page sends the first two; the uninstall events come from
# the Slack stand-in when a workspace uninstalls the app (SlackEventsClient.uninstall).
BOT_EVENTS = ("app_home_opened", "message.im", "app_uninstalled", "tokens_revoked")
_USER_FIELDS = (
    "id", "name", "real_name", "tz", "tz_label", "deleted",
    "is_admin", "is_owner", "is_restricted", "is_ultra_restricted", "is_bot",
)  # fmt: skip


class ApiError(Exception):
    """An answer the page shows as is (a 4xx with {"ok": false, "error": message})."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PageApi:
    """The page's actions over one stand-in (`api`), one bot (`events`) and the bot's `deps`."""

    def __init__(
        self,
        api: SlackWebApi,
        events: SlackEventsClient,
        deps: Any,
        *,
        secrets_notice: str = "the development vault — development only",
        bot_events: tuple[str, ...] = BOT_EVENTS,
        codat: CodatStandIn | None = None,
        install_url: str | None = None,
    ) -> None:
        self.api, self.events, self.deps = api, events, deps
        # The bot's GET /slack/install (OAuth sandbox only): where "Add to Slack" leads.
        self.install_url = install_url
        self._clients: dict[str, SlackEventsClient] = {events.team_id: events}
        self.codat = codat  # the sandbox's Codat stand-in (None: a Codat named in the settings)
        self.secrets_notice = secrets_notice
        self.bot_events = set(bot_events)
        self._unhandled_events: set[str] = set()
        self._clock_lock = threading.Lock()

    def routes(self) -> dict[str, Any]:
        """POST path -> handler taking the JSON body."""
        return {
            "/api/switch": self.switch_user,
            "/api/command": self.command,
            "/api/message": self.message,
            "/api/view/submit": self.submit_view,
            "/api/view/close": self.close_view,
            "/api/action": self.action,
            "/api/tab": self.open_tab,
            "/api/clock": self.advance_clock,
            "/api/codat": self.set_codat_enabled,
            "/api/uninstall": self.uninstall,
        }

    # -- what the person sees ----------------------------------------------------------------------
    def default_user(self) -> str:
        """Whom the page acts as until the person picks someone: the first active, human user."""
        active = [u for u in self.api.workspace.users() if not u["deleted"] and not u["is_bot"]]
        if not active:
            raise ApiError(404, "the workspace has no active users")
        return active[0]["id"]

    def state(self, user: str, since: int = -1, wait: float = 0.0) -> dict[str, Any]:
        """What `user` sees, once the workspace changed after version `since` (or after `wait` s)."""
        self._user(user)
        if len(self.api.calls) > MAX_RECORDED_CALLS:  # the sandbox never reads the stand-in's call log
            self.api.clear_calls()
        team = self._team(user)
        workspace = self._ws(user)
        if since >= workspace.version and wait > 0:
            workspace.wait_for_change(since, timeout=wait)
        version = workspace.version  # read first: a change while gathering shows in the next poll
        channel = dm_channel_id(user)
        return {
            "ok": True,
            "version": version,
            "user": user,
            "now": self.deps.clock.now().isoformat(),
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "bot": {"id": workspace.bot_user_id, "name": workspace.bot_name},
            "users": [
                _user_summary(u) | {"team_name": t.workspace.team_name}
                for t in self.api.teams.values()
                for u in t.workspace.users()
            ],
            "installs": self._installs(),
            "channel": channel,
            "messages": self.api.messages(channel, team) if workspace.has_dm(user) else [],
            "ephemerals": self.api.ephemerals(user, team),
            "modals": self.api.views_for(user, team)["stack"],
            "home": self.api.home(user, team),
            "secrets_notice": self.secrets_notice,
            "codat": self._codat_state(),
        }

    def switch_user(self, body: dict[str, Any]) -> dict[str, Any]:
        """Act as another simulated user: the page then shows (and sends as) that user."""
        return self.state(self._user(body.get("user")))

    # -- what the person does --------------------------------------------------------------------
    def command(self, body: dict[str, Any]) -> dict[str, Any]:
        """`/codat-register …` typed in the app's Messages tab; the ack's reply shows as an ephemeral."""
        user = self._user(body.get("user"))
        text = str(body.get("text") or "").strip()
        if not text.startswith("/"):
            raise ApiError(400, f"Only slash commands reach the app here: type {COMMAND} …")
        command, _, rest = text.partition(" ")
        if command != COMMAND:
            raise ApiError(400, f"{command[:40]} is not a command in this workspace — try {COMMAND} help")
        workspace = self._ws(user)
        channel = workspace.dm_channel_for(user)
        started = time.monotonic()
        response = self._events(user).command(rest.strip(), user, channel_id=channel)
        if response.status != 200:
            workspace.post_ephemeral(
                channel, user, f'{COMMAND} failed with the error "dispatch_failed"', sender="Slackbot"
            )
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        ack = response.body
        if isinstance(ack, str) and ack.strip():
            ack = {"text": ack}
        if isinstance(ack, dict) and (ack.get("text") or ack.get("blocks")):
            fields = message_fields(ack)
            if ack.get("response_type") == "in_channel":
                workspace.post_message(channel, ack.get("text"), **fields)
            else:
                workspace.post_ephemeral(channel, user, ack.get("text"), **fields)
        return _answer(response, started)

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        """A message typed into the app's Messages tab: posted as the person, then delivered to the
        bot as Slack does for message.im — a signed `message` event with channel_type "im"."""
        user = self._user(body.get("user"))
        text = str(body.get("text") or "").strip()
        if not text or len(text) > MAX_MESSAGE_CHARS:
            raise ApiError(400, f"type a message of 1 to {MAX_MESSAGE_CHARS} characters")
        workspace = self._ws(user)
        channel = workspace.dm_channel_for(user)
        _, posted = workspace.post_user_message(channel, user, text)
        if "message.im" not in self.bot_events:
            return {"ok": True, "sent": False}
        event = {
            "type": "message",
            "channel": channel,
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": posted["ts"],
            "event_ts": posted["ts"],
        }
        started = time.monotonic()
        response = self._events(user).event(event)
        if response.status != 200:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return {**_answer(response, started), "sent": True}

    def submit_view(self, body: dict[str, Any]) -> dict[str, Any]:
        """Submit the user's modal with what they typed; errors come back keyed by block id."""
        user = self._user(body.get("user"))
        view = self._modal(user, body.get("view_id"))
        started = time.monotonic()
        try:
            response = self._events(user).submit_view(view, _values(body), user)
        except PayloadError as error:
            raise ApiError(400, str(error)) from None
        except SlackError as error:  # the view the app answered with is one Slack would reject
            return _rejected(error)
        if response.status != 200:
            return {"ok": False, "error": f"the app answered HTTP {response.status}: {_TROUBLE}"}
        ack = response.body if isinstance(response.body, dict) else {}
        return {
            **_answer(response, started),
            "response_action": ack.get("response_action"),
            "errors": ack.get("errors") or {},
        }

    def close_view(self, body: dict[str, Any]) -> dict[str, Any]:
        """Close the modal (and views above it); the app hears of it only with notify_on_close."""
        user = self._user(body.get("user"))
        view = self._modal(user, body.get("view_id"))
        try:
            response = self._events(user).close_view(
                view, user, inputs=_values(body), is_cleared=bool(view.get("clear_on_close"))
            )
        except PayloadError as error:
            raise ApiError(400, str(error)) from None
        if response is not None and response.status != 200:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return {"ok": True}

    def action(self, body: dict[str, Any]) -> dict[str, Any]:
        """A click or selection in a modal, the App Home, a message or an ephemeral (block_actions)."""
        user = self._user(body.get("user"))
        surface = body.get("surface")
        fields: dict[str, Any]
        if surface in ("modal", "home"):
            home = self.api.home(user, self._team(user))
            view = self._modal(user, body.get("view_id")) if surface == "modal" else home
            if view is None or view["id"] != body.get("view_id"):
                raise ApiError(404, "that view is no longer shown")
            blocks, fields = view["blocks"], {"view": view}
        elif surface in ("message", "ephemeral"):
            ts = str(body.get("ts") or "")
            message = self._message(user, ts, ephemeral=surface == "ephemeral")
            channel = message.get("channel") or dm_channel_id(user)
            container = {"type": "message", "message_ts": ts, "channel_id": channel}
            container["is_ephemeral"] = surface == "ephemeral"
            blocks = message.get("blocks") or []
            fields = {"container": container, "channel_id": channel}
            fields["response_url"] = self.api.response_url(
                user, channel, ts, ephemeral=surface == "ephemeral", team_id=self._team(user)
            )
            if surface == "message":  # Slack leaves the message out for ephemerals
                fields["message"] = message
        else:
            raise ApiError(400, "surface must be modal, home, message or ephemeral")
        block, element = _element(blocks, str(body.get("action_id") or ""), body.get("block_id"))
        try:
            raw = payloads.block_actions_payload(
                element["action_id"],
                user_id=user,
                team_id=self._team(user),
                block_id=block["block_id"],
                trigger_id=self.api.issue_trigger_id(user, self._team(user)),
                inputs=_values(body),
                **fields,
            )
            payload = json.loads(parse_qs(raw)["payload"][0])
            payload["actions"] = [_action(block, element, body.get("selection"))]
        except PayloadError as error:
            raise ApiError(400, str(error)) from None
        started = time.monotonic()
        response = self._events(user).post(urlencode({"payload": json.dumps(payload)}))
        if response.status != 200:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return _answer(response, started)

    def open_tab(self, body: dict[str, Any]) -> dict[str, Any]:
        """The user opened the app's Home or Messages tab: app_home_opened, as Slack sends it."""
        user = self._user(body.get("user"))
        tab = "home" if body.get("tab") == "home" else "messages"
        kind = "app_home_opened"
        if kind not in self.bot_events or kind in self._unhandled_events:
            return {"ok": True, "sent": False}
        event: dict[str, Any] = {"type": kind, "user": user, "channel": dm_channel_id(user), "tab": tab}
        event["event_ts"] = f"{time.time():.6f}"
        home = self.api.home(user, self._team(user))
        if home is not None:
            event["view"] = home
        response = self._events(user).event(event)
        if response.status == 404:  # no listener in the app: Slack would keep sending; we stop
            self._unhandled_events.add(kind)
        return {"ok": response.status == 200, "sent": True}

    def advance_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        """Move the bot's clock forward and run a reminder sweep now, so follow-ups show at once."""
        hours = body.get("hours")
        if (
            not isinstance(hours, int | float)
            or isinstance(hours, bool)
            or not 0 < hours <= MAX_ADVANCE_HOURS
        ):
            raise ApiError(400, f"hours must be a number between 0 and {MAX_ADVANCE_HOURS}")
        with self._clock_lock:
            now = self.deps.clock.advance(timedelta(hours=hours))
            sweep = self._sweep()
        self.api.workspace.mark_changed()  # the page shows the new time
        return {"ok": True, "now": now.isoformat(), "sweep": sweep}

    def _sweep(self) -> dict[str, Any]:
        try:
            from bot.reminders.scheduler import run_sweep_now
        except ImportError:
            return {"ran": False, "note": "follow-ups are not installed in this build"}
        try:
            result = run_sweep_now(self.deps)
        except Exception as error:
            logger.exception("sandbox: the reminder sweep failed")
            return {"ran": False, "note": f"the reminder sweep failed ({type(error).__name__})"}
        self.deps.background.wait_idle(10)
        return {"ran": True, "result": _plain(result)}

    def set_codat_enabled(self, body: dict[str, Any]) -> dict[str, Any]:
        """An admin switches an integration on or off in the Codat stand-in, as in the Codat Portal;
        then the workspace's registrations under that key are checked at once (as `verify` does),
        so "Enabled in Codat" ticks on the page without waiting for the daily check."""
        if self.codat is None:
            raise ApiError(404, "this sandbox asks a Codat named in its settings, not a stand-in")
        user = self._user(body.get("user"))
        if not self._ws(user).user(user)["is_admin"]:
            raise ApiError(403, "only an admin can switch integrations on in Codat")
        key, enabled = str(body.get("key") or ""), body.get("enabled")
        if not isinstance(enabled, bool):
            raise ApiError(400, "enabled must be true or false")
        try:
            self.codat.set_enabled(key, enabled)
        except KeyError:
            raise ApiError(404, f"the Codat stand-in has no integration {key[:8]!r}") from None
        checked = ticked = 0
        if enabled:
            checked, ticked = self._verify_key(user, key)
        self.api.workspace.mark_changed()
        return {"ok": True, "key": key, "enabled": enabled, "checked": checked, "ticked": ticked}

    def _verify_key(self, user: str, key: str) -> tuple[int, int]:
        """Check the workspace's open registrations whose Codat key is `key`: (checked, ticked)."""
        from bot.codat.verification import codat_key, verify
        from storage.audit import Surface
        from storage.repositories import Registrations
        from storage.statuses import RegistrationStatus

        team_id = self._team(user)
        checked = ticked = 0
        for row in Registrations(self.deps.db, team_id).overview():
            _, row_key = codat_key(self.deps, row.platform, row.environment)
            if row.status is not RegistrationStatus.in_progress or row_key != key:
                continue
            result = verify(
                self.deps, team_id=team_id, user_id=user, registration_id=row.id, surface=Surface.page
            )
            checked += 1
            ticked += int(bool(result and result.recorded.ticked))
        return checked, ticked

    def _codat_state(self) -> dict[str, Any] | None:
        if self.codat is None:
            return None
        integrations = [
            {"key": i["key"], "name": i["name"], "enabled": i["enabled"]} for i in self.codat.integrations()
        ]
        return {"integrations": integrations}

    # -- lookups ---------------------------------------------------------------------------------
    def _team(self, user: str) -> str:
        """The workspace a simulated person belongs to: the page acts in it for them."""
        for team_id, team in self.api.teams.items():
            try:
                team.workspace.user(user)
            except SlackError:
                continue
            return team_id
        return self.api.workspace.team_id

    def _ws(self, user: str) -> SlackWorkspace:
        return self.api.team(self._team(user)).workspace

    def _events(self, user: str) -> SlackEventsClient:
        """Slack's requests from the person's workspace."""
        return self._events_from(self._team(user))

    def _events_from(self, team: str) -> SlackEventsClient:
        from simulators.slack.events_client import SlackEventsClient

        if team not in self._clients:
            base = self.events
            self._clients[team] = SlackEventsClient(
                base.url, base.signing_secret, web_api=self.api, team_id=team
            )
        return self._clients[team]

    def _installs(self) -> list[dict[str, Any]] | None:
        """Each workspace and whether the app is installed there (OAuth sandbox), else None."""
        if self.install_url is None:
            return None
        return [
            {
                "team": team_id,
                "name": team.workspace.team_name,
                "installed": bool(self.api.oauth.tokens_for(team_id=team_id)),
                "install_url": f"{self.install_url}?{urlencode({'team': team_id})}",
            }
            for team_id, team in self.api.teams.items()
        ]

    def uninstall(self, body: dict[str, Any]) -> dict[str, Any]:
        """Remove the app from a workspace (OAuth sandbox), as an admin would in Slack: the bot hears
        tokens_revoked and app_uninstalled, and that workspace's reminders stop."""
        if self.install_url is None:
            raise ApiError(404, "this sandbox serves one workspace with one bot token: nothing to uninstall")
        team = str(body.get("team") or "")
        if team not in self.api.teams:
            raise ApiError(404, "no such workspace in the sandbox")
        statuses = [response.status for response in self._events_from(team).uninstall()]
        for each in self.api.teams.values():
            each.workspace.mark_changed()
        return {"ok": all(status == 200 for status in statuses)}

    def _user(self, user: Any) -> str:
        found = None
        for team in self.api.teams.values():
            try:
                found = team.workspace.user(str(user or ""))
                break
            except SlackError:
                continue
        if found is None:
            raise ApiError(404, "no such user in this workspace")
        if found["deleted"]:
            raise ApiError(400, f"{found['real_name']} has left the workspace (deactivated)")
        return found["id"]

    def _modal(self, user: str, view_id: Any) -> dict[str, Any]:
        for view in self.api.views_for(user, self._team(user))["stack"]:
            if view["id"] == view_id:
                return view
        raise ApiError(404, "that modal is no longer open")

    def _message(self, user: str, ts: str, *, ephemeral: bool) -> dict[str, Any]:
        team = self._team(user)
        if ephemeral:
            items = self.api.ephemerals(user, team)
        else:
            has_dm = self._ws(user).has_dm(user)
            items = self.api.messages(dm_channel_id(user), team) if has_dm else []
        for item in items:
            if item["ts"] == ts:
                return item
        raise ApiError(404, "that message is gone")


_TROUBLE = 'Slack shows "We had some trouble connecting. Try again?"'


def _answer(response: EventsResponse, started: float) -> dict[str, Any]:
    elapsed = time.monotonic() - started
    if elapsed <= SLACK_ACK_SECONDS:
        return {"ok": True}
    return {"ok": True, "warning": f"the app took {elapsed:.1f} s to acknowledge; Slack gives up after 3 s"}


def _rejected(error: SlackError) -> dict[str, Any]:
    detail = "; ".join(error.messages or [])
    return {
        "ok": False,
        "error": f"the app answered with a view Slack rejects: {error.error} {detail}".strip(),
    }


def _values(body: dict[str, Any]) -> dict[str, Any]:
    """What the page collected: {block_id: {action_id: raw}} (never stored, never logged)."""
    values = body.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise ApiError(400, "values must be {block_id: {action_id: value}}")
    return values


def _element(blocks: list[dict[str, Any]], action_id: str, block_id: Any) -> tuple[dict, dict]:
    for block, element in iter_elements(blocks):
        if element.get("action_id") == action_id and block_id in (None, block.get("block_id")):
            return block, element
    raise ApiError(404, f"no element {action_id!r} there any more")


def _action(block: dict[str, Any], element: dict[str, Any], selection: Any) -> dict[str, Any]:
    """One entry of `actions`, as Slack describes a click or a new selection."""
    kind = element["type"]
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element["action_id"],
        "block_id": block["block_id"],
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
    elif kind == "overflow":  # overflow menus pick one option, like a static select
        picked = payloads.element_value({**element, "type": "static_select"}, selection)
        action["selected_option"] = picked["selected_option"]
    elif kind in payloads.STATEFUL_ELEMENTS:
        action |= {k: v for k, v in payloads.element_value(element, selection).items() if k != "type"}
    return action


def _user_summary(user: dict[str, Any]) -> dict[str, Any]:
    summary = {key: user.get(key) for key in _USER_FIELDS}
    summary["email"] = user["profile"].get("email")
    summary["display_name"] = user["profile"].get("display_name")
    summary["role"] = _role(user)
    return summary


def _role(user: dict[str, Any]) -> str:
    """The persona's Slack role, as the page shows it (the bot's admins are worked out by the bot:
    with no ADMIN_* settings, the workspace's admins and owners)."""
    if user.get("is_bot"):
        return "app"
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return "guest"
    if user.get("is_owner"):
        return "workspace owner"
    return "workspace admin" if user.get("is_admin") else "member"


def _plain(value: Any) -> Any:
    """A sweep result as JSON: numbers, strings, dicts and lists as they are, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return str(value)
