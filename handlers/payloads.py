"""What Slack sends, parsed once at the edge into typed models.

`parse(body)` checks the body Bolt parsed against `Envelope` — the fields Bolt itself reads while
routing any request (`event`, `actions[0].action_id`, `view.callback_id`, `team`, `user` …) — and
returns the model of its kind: `SlashCommand`, `BlockActions`, `ViewSubmission`, `EventCallback`
(whose `event` is typed too), or the `Envelope` for kinds no listener reads. A body that does not fit
raises `Refused`.

handlers.http parses before Bolt sees a request and hands the model over in the context;
`middleware` does the same for Socket Mode. Listeners read it with `payload_of(context, Kind)`.
A refusal is logged once, at WARNING, with the fields that did not fit and never a value, and is
answered politely: an ephemeral message to a command, a modal over a submission, an empty ack
otherwise.

Payloads the bot wrote itself and gets back have models in their feature:
`bot.wizard.ids.Metadata` (a modal's private_metadata), `bot.reminders.views.ItemButton` (a digest
button's value).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from slack_bolt import BoltContext, BoltResponse

from bot.slack.errors import refusal_message, refusal_modal

logger = logging.getLogger("codat_register.edge")

CONTEXT_KEY = "codat_register_payload"
MAX_NESTING = 24  # Block Kit nests about 8 deep; json.loads allows ~1000, json.dumps may then fail
_LOGGED_FIELDS = 3
_SAFE_LOC = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")

# Slack ids (T…, U…, W…, C…, D…, V…, E…): letters and digits.
SlackId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255)]  # action_id, callback_id, block_id


def _shallow(value: Any) -> Any:
    """Refuse JSON nested deeper than MAX_NESTING (iteratively: no recursion to exhaust)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ValueError("nested too deeply")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value


Blocks = Annotated[list[dict[str, Any]], AfterValidator(_shallow)]  # blocks the bot sends back


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# --- the fields Bolt reads while routing any request ---------------------------------------------
class Ref(_Model):
    """`team`, `user`, `channel`, `enterprise` as Bolt reads them: an object with an id."""

    id: str | None = None


class ActionRef(_Model):
    action_id: str
    block_id: str | None = None


class EventRef(_Model):
    type: str | None = None
    bot_id: str | None = None


class ViewRef(_Model):
    type: str | None = None
    callback_id: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None


class Envelope(_Model):
    """What every body must fit: Bolt's routing indexes these before any listener runs."""

    type: str | None = None
    command: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    team: str | Ref | None = None
    user: str | Ref | None = None
    channel: str | Ref | None = None
    enterprise: str | Ref | None = None
    authorizations: list[dict[str, Any]] | None = None
    response_urls: list[dict[str, Any]] | None = None
    event: EventRef | None = None
    actions: Annotated[list[ActionRef], Field(min_length=1)] | None = None
    view: ViewRef | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    state: dict[str, Any] | None = None


# --- the kinds listeners read --------------------------------------------------------------------
class Team(_Model):
    id: SlackId | None = None  # null for org-wide installs: then user.team_id says


class User(_Model):
    id: SlackId
    team_id: SlackId | None = None


class Channel(_Model):
    id: SlackId


class Option(_Model):
    value: Annotated[str, StringConstraints(max_length=150)]


class Action(_Model):
    action_id: Name
    block_id: str | None = None
    type: str | None = None
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
    selected_option: Option | None = None
    action_ts: str | None = None


class ElementState(_Model):
    """One input's entry in a view's state.values."""

    type: str | None = None
    value: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: str | None = None
    selected_users: list[str] | None = None
    selected_date: str | None = None


class ViewState(_Model):
    values: dict[str, dict[str, ElementState]] = Field(default_factory=dict)


class View(_Model):
    id: SlackId
    type: str | None = None
    callback_id: Annotated[str, StringConstraints(max_length=255)] = ""
    hash: str | None = None
    private_metadata: Annotated[str, StringConstraints(max_length=3000)] = ""
    state: ViewState = Field(default_factory=ViewState)
    blocks: list[dict[str, Any]] = Field(default_factory=list)  # read, never sent back: no depth check


class Container(_Model):
    type: str | None = None
    channel_id: SlackId | None = None
    message_ts: str | None = None
    view_id: str | None = None


class Message(_Model):
    ts: str | None = None
    blocks: Blocks = Field(default_factory=list)  # a reminder click sends them back (chat.update)


class _Interaction(_Model):
    """A click or a submission: who did it, in which workspace."""

    team: Team | None = None
    user: User

    @model_validator(mode="after")
    def _has_team(self) -> _Interaction:
        if not self.team_id:
            raise ValueError("no team id in team.id or user.team_id")
        return self

    @property
    def team_id(self) -> str:
        return (self.team.id if self.team else None) or self.user.team_id or ""


class SlashCommand(_Model):
    command: Name
    text: str = ""
    team_id: SlackId
    user_id: SlackId
    channel_id: SlackId | None = None
    trigger_id: str | None = None
    response_url: str | None = None


class BlockActions(_Interaction):
    type: Literal["block_actions"]
    actions: Annotated[list[Action], Field(min_length=1)]
    container: Container | None = None
    channel: Channel | None = None
    message: Message | None = None
    view: View | None = None
    trigger_id: str | None = None
    response_url: str | None = None

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def channel_id(self) -> str | None:
        return (self.container.channel_id if self.container else None) or (
            self.channel.id if self.channel else None
        )

    @property
    def message_ts(self) -> str | None:
        return (self.container.message_ts if self.container else None) or (
            self.message.ts if self.message else None
        )


class ViewSubmission(_Interaction):
    type: Literal["view_submission"]
    view: View
    trigger_id: str | None = None


class AppHomeOpened(_Model):
    type: Literal["app_home_opened"]
    user: SlackId
    channel: SlackId | None = None
    tab: str | None = None


class MessageEvent(_Model):
    type: Literal["message"]
    channel: SlackId
    channel_type: str | None = None
    user: SlackId | None = None
    bot_id: str | None = None
    subtype: str | None = None
    text: str = ""
    ts: str | None = None


class AppUninstalled(_Model):
    type: Literal["app_uninstalled"]


class RevokedTokens(_Model):
    oauth: list[SlackId] = Field(default_factory=list)  # users whose user tokens were revoked
    bot: list[SlackId] = Field(default_factory=list)  # bot users whose bot tokens were revoked


class TokensRevoked(_Model):
    type: Literal["tokens_revoked"]
    tokens: RevokedTokens = Field(default_factory=RevokedTokens)


class OtherEvent(_Model):
    type: str


class Authorization(_Model):
    """Whom an event was delivered for: a workspace's installation, or an organisation's org-wide
    one (`is_enterprise_install`, no team)."""

    enterprise_id: SlackId | None = None
    team_id: SlackId | None = None
    is_enterprise_install: bool = False


_TYPED_EVENTS = {"app_home_opened", "message", "app_uninstalled", "tokens_revoked"}


def _event_kind(event: Any) -> str:
    kind = event.get("type") if isinstance(event, dict) else None
    return kind if kind in _TYPED_EVENTS else "other"


class EventCallback(_Model):
    type: Literal["event_callback"]
    team_id: SlackId
    enterprise_id: SlackId | None = None
    event_id: str | None = None
    authorizations: list[Authorization] = Field(default_factory=list)
    event: Annotated[
        Annotated[AppHomeOpened, Tag("app_home_opened")]
        | Annotated[MessageEvent, Tag("message")]
        | Annotated[AppUninstalled, Tag("app_uninstalled")]
        | Annotated[TokensRevoked, Tag("tokens_revoked")]
        | Annotated[OtherEvent, Tag("other")],
        Discriminator(_event_kind),
    ]

    @property
    def is_enterprise_install(self) -> bool:
        """Delivered for an organisation's org-wide installation (as Bolt reads it)."""
        return bool(self.authorizations and self.authorizations[0].is_enterprise_install)


Payload = Envelope | SlashCommand | BlockActions | ViewSubmission | EventCallback
_KINDS: dict[str, type[_Model]] = {
    "slash_command": SlashCommand,
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "event_callback": EventCallback,
}
_ENVELOPE = TypeAdapter(Envelope)


def kind_of(body: Any) -> str:
    """The request's kind, as Bolt routes it (a body with `command` is a slash command)."""
    if not isinstance(body, dict):
        return "unknown"
    if "command" in body:
        return "slash_command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and _SAFE_LOC.match(kind) else "unknown"


# --- refusals ------------------------------------------------------------------------------------
def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) if _SAFE_LOC.match(str(part)) else "…" for part in loc) or "body"


class Refused(Exception):
    """A payload that does not fit: `fields` names where (never what was there)."""

    def __init__(self, kind: str, fields: list[str]) -> None:
        super().__init__(f"{kind}: {', '.join(fields)}")
        self.kind = kind
        self.fields = fields

    @classmethod
    def from_error(cls, kind: str, error: ValidationError) -> Refused:
        return cls(kind, [f"{_where(e['loc'])} ({e['type']})" for e in error.errors(include_input=False)])

    def log(self) -> None:
        """The one line a refusal leaves in the log."""
        shown = ", ".join(self.fields[:_LOGGED_FIELDS])
        more = f" and {len(self.fields) - _LOGGED_FIELDS} more" if len(self.fields) > _LOGGED_FIELDS else ""
        logger.warning("refused a Slack payload (%s) that does not fit: %s%s", self.kind, shown, more)

    def response(self) -> BoltResponse:
        """The polite answer Slack shows: a message, a modal over the submission, or an empty ack."""
        if self.kind == "slash_command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", **refusal_message()})
        if self.kind == "view_submission":
            return BoltResponse(status=200, body={"response_action": "push", "view": refusal_modal()})
        return BoltResponse(status=200, body="")


def parse(body: Any) -> Payload:
    """The typed payload of a body Bolt parsed; raises Refused when it does not fit."""
    kind = kind_of(body)
    try:
        envelope = _ENVELOPE.validate_python(body)
        model = _KINDS.get(kind)
        return envelope if model is None else model.model_validate(body)  # type: ignore[return-value]
    except ValidationError as error:
        raise Refused.from_error(kind, error) from None


def refuse(kind: str, field: str) -> None:
    """Log the refusal of one field a listener could not use (e.g. a tampered button value)."""
    Refused(kind, [field]).log()


# --- for listeners -------------------------------------------------------------------------------
P = TypeVar("P", bound=_Model)


def payload_of(context: BoltContext, kind: type[P]) -> P:
    """The request's typed payload (set by handlers.http or `middleware` before any listener)."""
    payload = context.get(CONTEXT_KEY)
    if not isinstance(payload, kind):  # a listener registered for another kind: a bug, not input
        raise TypeError(f"expected a {kind.__name__} payload, got {type(payload).__name__}")
    return payload


def actor_of(context: BoltContext) -> tuple[str, str]:
    """(team id, user id) of whoever is acting, from the typed payload; ("", "") when unknown."""
    payload = context.get(CONTEXT_KEY)
    if isinstance(payload, SlashCommand):
        return payload.team_id, payload.user_id
    if isinstance(payload, BlockActions | ViewSubmission):
        return payload.team_id, payload.user.id
    if isinstance(payload, EventCallback):
        user = getattr(payload.event, "user", None)
        return payload.team_id, user if isinstance(user, str) else ""
    return "", ""


def event_of(context: BoltContext, kind: type[P]) -> tuple[str, P]:
    """The team id and typed event of an Events API request."""
    callback = payload_of(context, EventCallback)
    if not isinstance(callback.event, kind):
        raise TypeError(f"expected a {kind.__name__} event, got {type(callback.event).__name__}")
    return callback.team_id, callback.event


def middleware(context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:
    """Global Bolt middleware: parse the payload unless handlers.http already did (Socket Mode)."""
    if CONTEXT_KEY not in context:
        try:
            context[CONTEXT_KEY] = parse(body)
        except Refused as refused:
            refused.log()
            return refused.response()
    return next()
