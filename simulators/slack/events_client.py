"""Post to a bot's request URL as Slack does: signed slash commands, interactions and events.

Given the Web API stand-in (`web_api=`), the client also plays the rest of Slack's part:
trigger ids and response_urls come from the stand-in, and what the bot acks to a view
submission (close, "clear", "update", "push") is applied to the user's modal stack there.

One client speaks for one workspace (`team_id`; inside an Enterprise Grid organisation,
`enterprise_id`, and `is_enterprise_install` when the app is installed org-wide). `uninstall()`
plays an uninstall: the stand-in revokes the workspace's (or organisation's) tokens, then the bot
hears `tokens_revoked` and `app_uninstalled`, as from Slack.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.error import HTTPError
from urllib.request import ProxyHandler, Request, build_opener

from core.network import check_loopback_url
from simulators.slack import payloads
from simulators.slack.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, sign_request
from simulators.slack.state import dm_channel_id

if TYPE_CHECKING:
    from simulators.slack.web_api import SlackWebApi


class EventsResponse(NamedTuple):
    """The bot's answer: body is parsed JSON when it is JSON, else text ("" for a bare ack)."""

    status: int
    headers: dict[str, str]
    body: Any


class SlackEventsClient:
    """Sends what Slack would send to the bot at `url`, signed with `signing_secret`."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        timeout: float = 10,
        *,
        web_api: SlackWebApi | None = None,
        team_id: str = payloads.DEFAULT_TEAM_ID,
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
    ) -> None:
        self.url = check_loopback_url(url)
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.web_api = web_api
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self.is_enterprise_install = is_enterprise_install
        # No proxies: a loopback request must never be routed through HTTP(S)_PROXY.
        self._opener = build_opener(ProxyHandler({}))

    def post(
        self,
        body: bytes | str,
        content_type: str = FORM_CONTENT_TYPE,
        *,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> EventsResponse:
        """POST a signed body; any HTTP status comes back as a response, never as an exception."""
        data = body.encode() if isinstance(body, str) else body
        request_headers = {
            **sign_request(data, self.signing_secret, timestamp, content_type),
            **(headers or {}),
        }
        # The scheme and host were checked in __init__ (check_loopback_url).
        request = Request(self.url, data=data, headers=request_headers, method="POST")  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return _response(response.status, dict(response.headers.items()), response.read())
        except HTTPError as error:
            with error:
                return _response(error.code, dict(error.headers.items()), error.read())

    def command(
        self,
        text: str,
        user_id: str,
        *,
        command: str = "/codat-register",
        channel_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> EventsResponse:
        """A slash command typed by `user_id` (by default in the app's DM)."""
        channel_id = channel_id or dm_channel_id(user_id)
        body = payloads.slash_command_body(
            command,
            text,
            user_id=user_id,
            team_id=self.team_id,
            channel_id=channel_id,
            trigger_id=trigger_id or self._trigger(user_id),
            response_url=response_url or self._response_url(user_id, channel_id),
            enterprise_id=self.enterprise_id,
            is_enterprise_install=self.is_enterprise_install,
        )
        return self.post(body)

    def submit_view(
        self,
        view: dict[str, Any],
        inputs: dict[str, Any] | None,
        user_id: str,
        *,
        view_id: str | None = None,
        hash: str | None = None,
        trigger_id: str | None = None,
    ) -> EventsResponse:
        """Submit a modal with `inputs` typed in (keyed by block_id; None keeps the view's state)."""
        body = payloads.view_submission_payload(
            view,
            inputs,
            user_id,
            self.team_id,
            view_id,
            hash,
            trigger_id=trigger_id or self._trigger(user_id),
            enterprise_id=self.enterprise_id,
            is_enterprise_install=self.is_enterprise_install,
        )
        response = self.post(body)
        if self.web_api is not None:
            self._apply_submission_ack(user_id, view_id or view.get("id"), response)
        return response

    def close_view(
        self,
        view: dict[str, Any],
        user_id: str,
        *,
        inputs: dict[str, Any] | None = None,
        is_cleared: bool = False,
    ) -> EventsResponse | None:
        """The user closes a modal; the bot hears of it (view_closed) only with notify_on_close."""
        if self.web_api is not None and view.get("id"):
            views = self.web_api.team(self.team_id).views
            if is_cleared:
                views.clear(user_id)
            else:
                views.close(user_id, view["id"])
        if not view.get("notify_on_close"):
            return None
        body = payloads.view_closed_payload(
            view,
            user_id,
            self.team_id,
            inputs=inputs,
            is_cleared=is_cleared,
            enterprise_id=self.enterprise_id,
            is_enterprise_install=self.is_enterprise_install,
        )
        return self.post(body)

    def block_action(
        self, action_id: str, value: str | None = None, *, user_id: str, **fields: Any
    ) -> EventsResponse:
        """A click or selection; `fields` as for `payloads.block_actions_payload` (view=, message=, ...)."""
        fields.setdefault("trigger_id", self._trigger(user_id))
        message = fields.get("message")
        if fields.get("view") is None and "response_url" not in fields:
            container = fields.get("container") or {}
            channel = fields.get("channel_id") or container.get("channel_id") or dm_channel_id(user_id)
            ts = (message or {}).get("ts") or container.get("message_ts")
            fields["response_url"] = self._response_url(
                user_id, channel, ts, bool(container.get("is_ephemeral"))
            )
        body = payloads.block_actions_payload(
            action_id,
            value,
            user_id=user_id,
            team_id=self.team_id,
            enterprise_id=self.enterprise_id,
            is_enterprise_install=self.is_enterprise_install,
            **fields,
        )
        return self.post(body)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> EventsResponse:
        """An Events API delivery; retry_num marks a redelivery (X-Slack-Retry-Num)."""
        body = payloads.event_callback_body(
            event,
            team_id=self.team_id,
            event_id=event_id,
            bot_user_id=self._bot_user_id(),
            enterprise_id=self.enterprise_id,
            is_enterprise_install=self.is_enterprise_install,
        )
        retry = (
            {}
            if retry_num is None
            else {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        )
        return self.post(body, JSON_CONTENT_TYPE, headers=retry)

    def app_uninstalled(self) -> EventsResponse:
        """`app_uninstalled`, as Slack sends it once the app is removed from the workspace (or the
        organisation, for an org-wide installation)."""
        return self.event({"type": "app_uninstalled"})

    def tokens_revoked(self, *, bot: tuple[str, ...] = (), oauth: tuple[str, ...] = ()) -> EventsResponse:
        """`tokens_revoked`: the bot users' bot tokens and the users' user tokens were revoked."""
        return self.event({"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}})

    def uninstall(self) -> list[EventsResponse]:
        """Remove the app as Slack does: its tokens revoked at the stand-in (when given one), then
        `tokens_revoked` and `app_uninstalled` delivered to the bot."""
        if self.web_api is not None:
            if self.is_enterprise_install and self.enterprise_id:
                self.web_api.oauth.revoke(enterprise_id=self.enterprise_id)
            else:
                self.web_api.oauth.revoke(team_id=self.team_id)
        return [self.tokens_revoked(bot=(self._bot_user_id(),)), self.app_uninstalled()]

    def _bot_user_id(self) -> str:
        if self.web_api is None:
            return payloads.DEFAULT_BOT_USER_ID
        return self.web_api.team(self.team_id).workspace.bot_user_id

    def _trigger(self, user_id: str) -> str | None:
        return self.web_api.issue_trigger_id(user_id, self.team_id) if self.web_api is not None else None

    def _response_url(
        self, user_id: str, channel_id: str, ts: str | None = None, ephemeral: bool = False
    ) -> str | None:
        if self.web_api is None:
            return None
        return self.web_api.response_url(user_id, channel_id, ts, ephemeral=ephemeral, team_id=self.team_id)

    def _apply_submission_ack(self, user_id: str, view_id: str | None, response: EventsResponse) -> None:
        """What Slack does with the bot's ack: no response_action closes the view, "clear" closes
        all, "update"/"push" show the returned view (raising SlackError when Slack would reject it),
        "errors" keeps the view open."""
        if response.status != 200 or self.web_api is None or not view_id:
            return
        ack = response.body if isinstance(response.body, dict) else {}
        action, views = ack.get("response_action"), self.web_api.team(self.team_id).views
        if action == "clear":
            views.clear(user_id)
        elif action == "update":
            views.update(ack.get("view") or {}, view_id=view_id)
        elif action == "push":
            views.push(self.web_api.issue_trigger_id(user_id, self.team_id), ack.get("view") or {})
        elif action != "errors":
            views.close(user_id, view_id)


def _response(status: int, headers: dict[str, str], raw: bytes) -> EventsResponse:
    text = raw.decode("utf-8", errors="replace")
    try:
        body: Any = json.loads(text) if text.strip() else ""
    except json.JSONDecodeError:
        body = text
    return EventsResponse(status, headers, body)
