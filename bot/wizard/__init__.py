"""The registration wizard.

- `flow`: opening, submissions and every write (registrations, checklist items, audit).
- `answers`: parsing and validating submitted view state; `mailbox`: the generic-mailbox rules.
- this module: the wizard's per-process state (WizardRuntime: profiles, locks, picker
  selections), reading a registration for display, and the Slack calls made after an ack —
  each logs Slack's error code and messages, never a payload.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ids import BlockId, Metadata, Step
from bot.texts import wizard as t
from bot.views.wizard import Snapshot, default_environment, gone_view, picker_view, snapshot_of
from bot.views.wizard_steps import step_view
from bot.wizard.answers import platform_answers
from bot.wizard.mailbox import Profile, ProfileCache
from storage.repositories import TeamScope

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

PROFILE_TTL_SECONDS = 600.0
_SELECTIONS_KEPT = 1000
_RUNTIME_KEY = "wizard"
_runtime_lock = threading.Lock()


class KeyedLocks:
    """One lock per key (a registration id), dropped when nobody holds or waits for it.

    Serialises submissions of the same registration in this process, so a double click stores
    one secret version and applies one step.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    self._locks.pop(key, None)


class Selections:
    """The latest platform picked in each open picker (by view id), newest action wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def record(self, view_id: str, action_ts: str, platform_id: str) -> bool:
        """Remember a selection; False when a newer one for this view is already known."""
        with self._lock:
            known = self._latest.get(view_id)
            if known is not None and _ts(known[0]) > _ts(action_ts):
                return False
            self._latest[view_id] = (action_ts, platform_id)
            self._latest.move_to_end(view_id)
            while len(self._latest) > _SELECTIONS_KEPT:
                self._latest.popitem(last=False)
            return True

    def latest(self, view_id: str) -> str | None:
        with self._lock:
            known = self._latest.get(view_id)
            return known[1] if known else None


def _ts(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


@dataclass
class WizardRuntime:
    """What the wizard keeps in memory: profiles, per-registration locks, picker selections."""

    profiles: ProfileCache
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    selections: Selections = field(default_factory=Selections)


def runtime(deps: Deps) -> WizardRuntime:
    """The wizard's state for this process, created on first use."""
    with _runtime_lock:
        existing = deps.extras.get(_RUNTIME_KEY)
        if isinstance(existing, WizardRuntime):
            return existing
        created = WizardRuntime(ProfileCache(_profile_fetcher(deps), ttl=PROFILE_TTL_SECONDS))
        deps.extras[_RUNTIME_KEY] = created
        return created


def _profile_fetcher(deps: Deps):  # type: ignore[no-untyped-def]
    """users.info through a client of its own: the caller's timeout, and no retries."""
    clients: dict[float, WebClient] = {}

    def fetch(team_id: str, user_id: str, timeout: float) -> Profile | None:
        main = deps.client
        if main is None:
            return None
        client = clients.get(timeout)
        if client is None:
            # urllib takes a float timeout, whatever WebClient's annotation says.
            client = WebClient(token=main.token, base_url=main.base_url, timeout=timeout)  # type: ignore[arg-type]
            client.retry_handlers = []
            clients[timeout] = client
        try:
            user = client.users_info(user=user_id)["user"] or {}
        except SlackApiError as error:
            logger.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return None
        except Exception as error:  # timeouts, connection errors: skip the rule rather than fail
            logger.warning("users.info for %s failed: %s", user_id, type(error).__name__)
            return None
        profile = user.get("profile") or {}
        names = (
            profile.get("real_name"),
            profile.get("display_name"),
            user.get("real_name"),
            user.get("name"),
        )
        return Profile(
            email=profile.get("email") or None,
            names=tuple(name for name in names if name),
            tz=user.get("tz") or None,
        )

    return fetch


# --- Slack calls the wizard makes after an ack ------------------------------------------------------


class HashConflict(Exception):
    """views.update was given a stale hash: the view changed since it was rendered."""


def _slack_error(error: SlackApiError) -> tuple[str, list[str]]:
    response = error.response
    metadata = response.get("response_metadata") or {}
    return str(response.get("error") or "unknown"), list(metadata.get("messages") or [])


def open_view(
    deps: Deps, trigger_id: str | None, view: dict[str, Any], *, user_id: str, channel_id: str | None
) -> dict[str, Any] | None:
    """views.open; on failure log Slack's error (never the payload), tell the person, return None."""
    assert deps.client is not None
    try:
        return deps.client.views_open(trigger_id=trigger_id or "", view=view)["view"]
    except SlackApiError as error:
        code, messages = _slack_error(error)
        logger.error("views.open failed: %s %s", code, messages)
        if channel_id:
            text = t.OPEN_FAILED.format(error=code, command=f"{t.COMMAND} start")
            try:
                deps.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
            except SlackApiError as again:
                logger.error("chat.postEphemeral failed: %s", _slack_error(again)[0])
        return None


def update_view(
    deps: Deps, view_id: str, view: dict[str, Any], view_hash: str | None, *, raise_conflict: bool = False
) -> bool:
    """views.update by view id (with the hash when given); logs Slack's error, never the payload."""
    assert deps.client is not None
    try:
        if view_hash:
            deps.client.views_update(view_id=view_id, view=view, hash=view_hash)
        else:
            deps.client.views_update(view_id=view_id, view=view)
        return True
    except SlackApiError as error:
        code, messages = _slack_error(error)
        if code == "hash_conflict" and raise_conflict:
            raise HashConflict from None
        logger.error("views.update failed: %s %s", code, messages)
        return False


def send_dm(deps: Deps, user_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """conversations.open + chat.postMessage; Slack errors are logged, not raised."""
    assert deps.client is not None
    try:
        channel = deps.client.conversations_open(users=user_id)["channel"]["id"]
        deps.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as error:
        code, messages = _slack_error(error)
        logger.error("confirmation DM to %s failed: %s %s", user_id, code, messages)


def prefetch_profile(deps: Deps, team_id: str, user_id: str) -> None:
    """Fill the profile cache when the wizard opens, so the mailbox check at submission is instant."""
    runtime(deps).profiles.refresh(team_id, user_id)


# --- reading a registration for display ---------------------------------------------------------------


def load(deps: Deps, team_id: str, registration_id: str, user_id: str) -> Snapshot | None:
    """The registration as the wizard shows it; None when gone, cancelled or of another workspace."""
    with deps.db.session() as session:
        scope = TeamScope(session, team_id)
        registration = scope.registration(registration_id)
        if registration is None or registration.status == "cancelled":
            return None
        if registration.platform not in deps.catalogue:
            return None
        return snapshot_of(
            registration,
            scope.secret_refs(registration.id),
            platform=deps.catalogue.get(registration.platform),
            user_id=user_id,
            vault_backend=deps.vault.backend,
            vault_label=deps.vault.location_label,
            vault_development_only=deps.vault.development_only,
        )


def active_step(deps: Deps, team_id: str, platform_id: str, environment: str) -> Step | None:
    """The saved step of the registration in progress for this platform and environment, if any."""
    with deps.db.session() as session:
        registration = TeamScope(session, team_id).active_registration(platform_id, environment)
        if registration is None:
            return None
        step = Step(registration.step) if registration.step in Step.__members__ else Step.prerequisites
        return Step.prerequisites if step is Step.platform else step


def view_at(snapshot: Snapshot | None, step: str | None = None) -> dict[str, Any]:
    """The modal at the registration's saved step, or at an earlier `step` to edit it."""
    if snapshot is None:
        return gone_view()
    wanted = Step(step) if step in Step.__members__ else snapshot.step
    if wanted is Step.platform:
        wanted = snapshot.step
    return step_view(snapshot, wanted, editing=wanted.passed(snapshot.step))


# --- changes inside an open modal (after the ack) ---------------------------------------------------------


def platform_selected(
    deps: Deps, *, team_id: str, view: dict[str, Any], platform_id: str, action_ts: str
) -> None:
    """Show the chosen platform's summary in place: views.update with the view's hash."""
    selections = runtime(deps).selections
    if not view.get("id") or not selections.record(view["id"], action_ts, platform_id):
        return  # a newer selection is on its way
    rendered = _picker(deps, team_id, view, platform_id)
    try:
        update_view(deps, view["id"], rendered, view.get("hash"), raise_conflict=True)
    except HashConflict:  # the view changed meanwhile: render the latest selection over it
        latest = selections.latest(view["id"]) or platform_id
        update_view(deps, view["id"], _picker(deps, team_id, view, latest), None)


def _picker(deps: Deps, team_id: str, view: dict[str, Any], platform_id: str) -> dict[str, Any]:
    if platform_id not in deps.catalogue:
        return picker_view(deps.catalogue)
    platform = deps.catalogue.get(platform_id)
    # Keep an environment the person picked themselves; otherwise the platform's default.
    chosen = platform_answers((view.get("state") or {}).get("values") or {}).environment
    rendered = None
    for block in view.get("blocks") or []:
        if block.get("block_id") == BlockId.environment:
            rendered = ((block.get("element") or {}).get("initial_option") or {}).get("value")
    environment = chosen if chosen and chosen != rendered else default_environment(platform)
    resume = active_step(deps, team_id, platform.id, environment)
    return picker_view(deps.catalogue, platform=platform, environment=environment, resume_step=resume)


def edit_step(deps: Deps, *, team_id: str, user_id: str, view: dict[str, Any], step: str) -> None:
    """A summary's Edit button: show that step again (its Save returns to the summary)."""
    meta = Metadata.load(view.get("private_metadata"))
    snapshot = load(deps, team_id, meta.registration_id, user_id) if meta and meta.registration_id else None
    update_view(deps, view["id"], view_at(snapshot, step), view.get("hash"))
