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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import Connection, bindparam, insert, select, update

from bot.catalogue import Platform
from bot.checklist import checklist_for, item_title
from bot.ids import BlockId, Metadata, Step
from bot.texts import wizard as t
from bot.views.wizard import ItemView, Snapshot, StoredView, default_environment, gone_view, picker_view
from bot.views.wizard_steps import step_view
from bot.wizard.answers import platform_answers
from bot.wizard.mailbox import ProfileCache, users_info_fetcher
from storage.db import Database
from storage.models import AuditEvent, ChecklistItem, Registration, SecretRef
from storage.repositories import TeamScope
from storage.vault.fingerprint import display

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
    """The newest platform picked in each open picker (by view id), so a late update never wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[float, str]] = {}

    def record(self, view_id: str, action_ts: str, platform_id: str) -> bool:
        """Remember a selection; False when a newer one for this view is already known."""
        try:
            ts = float(action_ts)
        except ValueError:
            ts = 0.0
        with self._lock:
            if view_id in self._latest and self._latest[view_id][0] > ts:
                return False
            if len(self._latest) >= _SELECTIONS_KEPT:  # forget the oldest picker
                self._latest.pop(next(iter(self._latest)))
            self._latest[view_id] = (ts, platform_id)
            return True

    def latest(self, view_id: str) -> str | None:
        with self._lock:
            return self._latest.get(view_id, (0.0, None))[1]


@dataclass
class WizardRuntime:
    """What the wizard keeps in memory: profiles, per-registration locks, picker selections."""

    profiles: ProfileCache
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    selections: Selections = field(default_factory=Selections)
    dm_channels: dict[str, str] = field(default_factory=dict)  # user id -> the app's DM with them


def runtime(deps: Deps) -> WizardRuntime:
    """The wizard's state for this process, created on first use."""
    with _runtime_lock:
        existing = deps.extras.get(_RUNTIME_KEY)
        if isinstance(existing, WizardRuntime):
            return existing
        fetch = users_info_fetcher(lambda: deps.client)
        created = WizardRuntime(ProfileCache(fetch, ttl=PROFILE_TTL_SECONDS))
        deps.extras[_RUNTIME_KEY] = created
        return created


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
        deps.client.views_update(view_id=view_id, view=view, **({"hash": view_hash} if view_hash else {}))
        return True
    except SlackApiError as error:
        code, messages = _slack_error(error)
        if code == "hash_conflict" and raise_conflict:
            raise HashConflict from None
        logger.error("views.update failed: %s %s", code, messages)
        return False


def send_dm(deps: Deps, user_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """conversations.open (once per person: the DM channel does not change) + chat.postMessage.

    Slack errors are logged, not raised.
    """
    assert deps.client is not None
    channels = runtime(deps).dm_channels
    try:
        if user_id not in channels:
            channels[user_id] = deps.client.conversations_open(users=user_id)["channel"]["id"]
        deps.client.chat_postMessage(channel=channels[user_id], text=text, blocks=blocks)
    except SlackApiError as error:
        channels.pop(user_id, None)
        code, messages = _slack_error(error)
        logger.error("confirmation DM to %s failed: %s %s", user_id, code, messages)


def prefetch_profile(deps: Deps, team_id: str, user_id: str) -> None:
    """Fill the profile cache when the wizard opens: the mailbox check at submission is then instant."""
    runtime(deps).profiles.refresh(team_id, user_id)


# --- reading a registration for display ---------------------------------------------------------------


_REGISTRATIONS, _ITEMS, _REFS = Registration.__table__, ChecklistItem.__table__, SecretRef.__table__
# The wizard's SQL, as Core statements built once: the ORM would cost more than the rest of a
# submission (the credentials step is benchmarked against a bare ack). Reads are below; the
# writes are executed by bot.wizard.flow only.
_BY_REGISTRATION = (bindparam("registration_id"), bindparam("team_id"))
ITEM_FIELDS = ("status", "owner_user_id", "due_date", "next_reminder_at", "completed_by", "completed_at")
# Only the columns the wizard uses: result processing is most of a small query's cost.
_COLUMNS = ("id", "team_id", "platform", "environment", "step", "status", "answers", "updated_at")
_READ_REGISTRATION = select(*(_REGISTRATIONS.c[name] for name in _COLUMNS)).where(
    _REGISTRATIONS.c.id == _BY_REGISTRATION[0], _REGISTRATIONS.c.team_id == _BY_REGISTRATION[1]
)
_READ_ITEMS = (
    select(*(_ITEMS.c[name] for name in ("id", "item_key", "updated_at", *ITEM_FIELDS)))
    .where(_ITEMS.c.registration_id == _BY_REGISTRATION[0], _ITEMS.c.team_id == _BY_REGISTRATION[1])
    .order_by(_ITEMS.c.position, _ITEMS.c.id)
)
_READ_REFS = (
    select(*(_REFS.c[name] for name in ("field", "fingerprint", "resource_name", "version", "backend")))
    .where(_REFS.c.registration_id == _BY_REGISTRATION[0], _REFS.c.team_id == _BY_REGISTRATION[1])
    .where(_REFS.c.superseded_at.is_(None))
    .order_by(_REFS.c.created_at, _REFS.c.id)
)
_LOCKED = (_READ_REGISTRATION.with_for_update(key_share=True), _READ_ITEMS.with_for_update(key_share=True))
# Guarded by updated_at: a row changed since it was read updates nothing, and the flow re-reads it.
UPDATE_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("b_id"), _ITEMS.c.updated_at == bindparam("b_seen"))
    .values({name: bindparam(f"b_{name}") for name in ITEM_FIELDS})
)
UPDATE_REGISTRATION = (
    update(_REGISTRATIONS)
    .where(_REGISTRATIONS.c.id == bindparam("b_id"), _REGISTRATIONS.c.updated_at == bindparam("b_seen"))
    .values(step=bindparam("b_step"), status=bindparam("b_status"), answers=bindparam("b_answers"))
)
INSERT_AUDIT = insert(AuditEvent.__table__)
_OTHER_IN_PROGRESS = select(_REGISTRATIONS.c.id).where(
    *(_REGISTRATIONS.c[name] == bindparam(name) for name in ("team_id", "platform", "environment")),
    _REGISTRATIONS.c.status == "in_progress",
)


def read_rows(
    connection: Connection, team_id: str, registration_id: str, *, lock: bool = False
) -> tuple[Any, ...]:
    """(registration, items, current secret refs) of this workspace; (None, [], []) when absent.

    With `lock`, the registration and its items are locked for the transaction (PostgreSQL;
    SQLite's writers hold the database's write lock from BEGIN IMMEDIATE).
    """
    params = {"registration_id": registration_id, "team_id": team_id}
    locked = lock and connection.dialect.name != "sqlite"
    registration = connection.execute(_LOCKED[0] if locked else _READ_REGISTRATION, params).first()
    if registration is None:
        return None, [], []
    items = connection.execute(_LOCKED[1] if locked else _READ_ITEMS, params).all()
    return registration, items, connection.execute(_READ_REFS, params).all()


def other_in_progress(connection: Connection, registration: Any) -> bool:
    """Whether another registration of this platform and environment is in progress."""
    params = {k: getattr(registration, k) for k in ("team_id", "platform", "environment")}
    return connection.execute(_OTHER_IN_PROGRESS, params).first() is not None


_sqlite_writers: dict[str, threading.RLock] = {}


@contextmanager
def one_writer(db: Database) -> Iterator[None]:
    """On SQLite, the wizard's writers (the vault write, the step's transaction) take turns on a
    process lock: SQLite has one writer, and its busy handler sleeps in steps of up to 100 ms,
    which under concurrent submissions costs far more than queueing. No-op on PostgreSQL."""
    if db.dialect != "sqlite":
        yield
        return
    with _runtime_lock:
        lock = _sqlite_writers.setdefault(db.url, threading.RLock())
    with lock:
        yield


@contextmanager
def writing(db: Database) -> Iterator[Connection]:
    """A transaction holding the write lock from its start (SQLite: BEGIN IMMEDIATE)."""
    with one_writer(db), db.engine.connect() as connection:
        if db.dialect == "sqlite":
            connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            yield connection


def snapshot_of(
    registration: Any,
    items: Sequence[Any],
    references: Sequence[Any],
    *,
    platform: Platform,
    user_id: str,
    vault: Any,
) -> Snapshot:
    """The view model of a registration row, its item rows and its current secret references."""
    phases = {item.key: item.phase for item in checklist_for(platform, registration.environment)}
    views = tuple(
        ItemView(i.item_key, item_title(i.item_key, platform), phases.get(i.item_key), i.status,
                 i.owner_user_id, i.due_date)
        for i in items
    )  # fmt: skip
    stored = tuple(
        StoredView(ref.field, display(ref.fingerprint), ref.resource_name, ref.version)
        for ref in references
        if getattr(ref, "superseded_at", None) is None and ref.backend == vault.backend
    )
    return Snapshot(
        registration_id=registration.id,
        team_id=registration.team_id,
        platform=platform,
        environment=registration.environment,
        step=Step.saved(registration.step),
        status=registration.status,
        user_id=user_id,
        vault_label=vault.location_label,
        vault_development_only=vault.development_only,
        answers=dict(registration.answers or {}),
        items=views,
        stored=stored,
    )


def snapshot(
    deps: Deps, registration: Any, items: Sequence[Any], refs: Sequence[Any], user_id: str
) -> Snapshot | None:
    """The view model, or None for a registration that is gone, cancelled or off the catalogue."""
    if registration is None or registration.status == "cancelled":
        return None
    if registration.platform not in deps.catalogue:  # removed from the catalogue since
        return None
    platform = deps.catalogue.get(registration.platform)
    view = snapshot_of(registration, items, refs, platform=platform, user_id=user_id, vault=deps.vault)
    return replace(view, rows=(registration, items, refs))


def load(deps: Deps, team_id: str, registration_id: str, user_id: str) -> Snapshot | None:
    """The registration as the wizard shows it; None when gone, cancelled or of another workspace."""
    with deps.db.engine.connect() as connection:
        return snapshot(deps, *read_rows(connection, team_id, registration_id), user_id)


def active_step(deps: Deps, team_id: str, platform_id: str, environment: str) -> Step | None:
    """The saved step of the registration in progress for this platform and environment, if any."""
    with deps.db.session() as session:
        registration = TeamScope(session, team_id).active_registration(platform_id, environment)
        return None if registration is None else Step.saved(registration.step)


def view_at(snapshot: Snapshot | None, step: str | None = None) -> dict[str, Any]:
    """The modal at the registration's saved step, or at an earlier `step` to edit it."""
    if snapshot is None:
        return gone_view()
    wanted = Step(step) if step in Step.__members__ and step != Step.platform else snapshot.step
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
