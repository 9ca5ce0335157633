"""Done and Snooze, from the digest's buttons and from the slash command, with one permission rule:
only the step's owner or the person who started the registration may change it.

Slack is only asked (users.info, for the owner's time zone) before a write transaction starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.catalogue import Platform
from bot.deps import Deps
from bot.registrations.checklist import checklist_for, item_title
from bot.reminders.policy import (
    ACTIVE_REGISTRATION,
    OPEN_STATUS,
    SnoozeError,
    next_working_moment,
    snooze_until,
    zone,
)
from bot.reminders.views import OpenItemLine
from bot.wizard.ids import Step
from storage.models import ChecklistItem
from storage.repositories import TeamScope


class Outcome(StrEnum):
    done = "done"
    snoozed = "snoozed"
    refused = "refused"  # neither the owner nor the registration's creator
    missing = "missing"  # no such item (in this workspace)
    already = "already"  # the item is no longer open
    closed = "closed"  # the registration was completed or cancelled
    bad_when = "bad_when"  # a snooze date that is not in the future
    no_registration = "no_registration"
    nothing_open = "nothing_open"
    unknown_item = "unknown_item"
    ambiguous = "ambiguous"


@dataclass(frozen=True)
class ItemRef:
    """One checklist item as the actions and their replies see it."""

    item_id: int
    item_key: str
    title: str
    platform_name: str
    environment: str
    status: str
    owner_user_id: str | None
    created_by: str
    registration_id: str
    registration_status: str

    @property
    def recipient(self) -> str:
        return self.owner_user_id or self.created_by


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome
    item: ItemRef | None = None
    until: datetime | None = None
    tz: ZoneInfo | None = None
    count: int = 0
    options: tuple[str, ...] = ()  # open item keys, for "which step?" replies


def may_change(user_id: str, owner_user_id: str | None, created_by: str) -> bool:
    """The permission rule for Done and Snooze."""
    return user_id in (owner_user_id, created_by)


def _ref(deps: Deps, item: ChecklistItem) -> ItemRef:
    registration = item.registration
    try:
        platform: Platform | None = deps.catalogue.get(registration.platform)
    except KeyError:
        platform = None
    return ItemRef(
        item_id=item.id,
        item_key=item.item_key,
        title=item_title(item.item_key, platform) if platform else item.item_key,
        platform_name=platform.name if platform else registration.platform,
        environment=registration.environment,
        status=item.status,
        owner_user_id=item.owner_user_id,
        created_by=registration.created_by,
        registration_id=registration.id,
        registration_status=registration.status,
    )


def load_item(deps: Deps, team_id: str, item_id: int) -> ItemRef | None:
    with deps.db.session() as session:
        item = TeamScope(session, team_id).item(item_id)
        return None if item is None else _ref(deps, item)


def checklist_target(deps: Deps, team_id: str, item_id: int) -> tuple[str, str | None] | None:
    """For "Open checklist": the item's registration id and the wizard step to open — the item's
    checklist phase when the registration has reached it, else None (its saved step)."""
    with deps.db.session() as session:
        item = TeamScope(session, team_id).item(item_id)
        if item is None:
            return None
        registration = item.registration
        try:
            definitions = checklist_for(deps.catalogue.get(registration.platform), registration.environment)
        except KeyError:
            definitions = []
        phase = next((d.phase.value for d in definitions if d.key == item.item_key), None)
        steps = [step.value for step in Step]
        if phase not in steps or registration.step not in steps:
            return registration.id, None
        reached = steps.index(phase) <= steps.index(registration.step)
        return registration.id, phase if reached else None


def _check(ref: ItemRef | None, user_id: str) -> ActionResult | None:
    """Why the action can't happen, or None when it can."""
    if ref is None:
        return ActionResult(Outcome.missing)
    if ref.registration_status != ACTIVE_REGISTRATION:
        return ActionResult(Outcome.closed, ref)
    if ref.status != OPEN_STATUS:
        return ActionResult(Outcome.already, ref)
    if not may_change(user_id, ref.owner_user_id, ref.created_by):
        return ActionResult(Outcome.refused, ref)
    return None


def mark_done(deps: Deps, *, team_id: str, user_id: str, item_id: int) -> ActionResult:
    """Mark an open item done; its reminders stop."""
    now = deps.clock.now()
    with deps.db.write_session() as session:
        scope = TeamScope(session, team_id)
        item = scope.item(item_id)
        ref = None if item is None else _ref(deps, item)
        problem = _check(ref, user_id)
        if problem is not None or item is None or ref is None:
            return problem or ActionResult(Outcome.missing)
        item.status, item.completed_by, item.completed_at = "done", user_id, now
        _end_reminders(item, next_reminder_at=None)
        scope.audit(user_id, "checklist.done", item.item_key, registration_id=ref.registration_id)
        return ActionResult(Outcome.done, ref)


def snooze_item(deps: Deps, *, team_id: str, user_id: str, item_id: int, choice: str | date) -> ActionResult:
    """Pause an item's reminders until `choice` (1d, 1w or a date), in its owner's working hours."""
    ref = load_item(deps, team_id, item_id)
    problem = _check(ref, user_id)
    if problem is not None or ref is None:
        return problem or ActionResult(Outcome.missing)
    tz = _owner_zone(deps, team_id, ref.recipient)
    try:
        until = snooze_until(deps.clock.now(), choice, tz, deps.settings)
    except SnoozeError:
        return ActionResult(Outcome.bad_when, ref)
    with deps.db.write_session() as session:
        scope = TeamScope(session, team_id)
        item = scope.item(item_id)
        fresh = None if item is None else _ref(deps, item)
        problem = _check(fresh, user_id)
        if problem is not None or item is None:
            return problem or ActionResult(Outcome.missing)
        item.snoozed_until = until
        _end_reminders(item, next_reminder_at=until)
        scope.audit(user_id, "reminder.snoozed", item.item_key, until=until.isoformat())
    return ActionResult(Outcome.snoozed, fresh, until=until, tz=tz)


def snooze_platform(
    deps: Deps, *, team_id: str, user_id: str, platform: Platform, choice: str | date
) -> ActionResult:
    """Snooze every open step of a platform's registrations that the person may change."""
    refs = _platform_items(deps, team_id, platform.id)
    if not refs:
        return ActionResult(Outcome.no_registration)
    open_refs = [ref for ref in refs if ref.status == OPEN_STATUS]
    if not open_refs:
        return ActionResult(Outcome.nothing_open)
    mine = [ref for ref in open_refs if may_change(user_id, ref.owner_user_id, ref.created_by)]
    if not mine:
        return ActionResult(Outcome.refused)
    now, zones = deps.clock.now(), {}
    try:
        for ref in mine:
            if ref.recipient not in zones:
                zones[ref.recipient] = _owner_zone(deps, team_id, ref.recipient)
        until = {ref.item_id: snooze_until(now, choice, zones[ref.recipient], deps.settings) for ref in mine}
    except SnoozeError:
        return ActionResult(Outcome.bad_when)
    with deps.db.write_session() as session:
        scope = TeamScope(session, team_id)
        for ref in mine:
            item = scope.item(ref.item_id)
            if item is None or item.status != OPEN_STATUS:
                continue
            item.snoozed_until = until[ref.item_id]
            _end_reminders(item, next_reminder_at=until[ref.item_id])
            scope.audit(user_id, "reminder.snoozed", item.item_key, until=until[ref.item_id].isoformat())
    first = min(until.values())
    return ActionResult(Outcome.snoozed, mine[0], until=first, tz=zones[mine[0].recipient], count=len(mine))


def done_by_word(
    deps: Deps, *, team_id: str, user_id: str, platform: Platform, word: str, environment: str | None
) -> ActionResult:
    """`done <platform> <step>`: the step by key, unique key prefix or title prefix."""
    refs = [ref for ref in _platform_items(deps, team_id, platform.id) if ref.status == OPEN_STATUS]
    if environment:
        refs = [ref for ref in refs if ref.environment == environment]
    if not refs:
        has_any = bool(_platform_items(deps, team_id, platform.id))
        return ActionResult(Outcome.nothing_open if has_any else Outcome.no_registration)
    matches = _match(refs, word)
    options = tuple(sorted({ref.item_key for ref in refs}))
    if not matches:
        return ActionResult(Outcome.unknown_item, options=options)
    if len(matches) > 1:
        return ActionResult(Outcome.ambiguous, matches[0], options=options)
    return mark_done(deps, team_id=team_id, user_id=user_id, item_id=matches[0].item_id)


def _match(refs: Sequence[ItemRef], word: str) -> list[ItemRef]:
    """The first non-empty match of: exact key, key prefix, title prefix (more than one: ambiguous)."""
    wanted = _normal(word)
    for test in (
        lambda ref: ref.item_key == wanted,
        lambda ref: ref.item_key.startswith(wanted),
        lambda ref: _normal(ref.title).startswith(wanted),
    ):
        found = [ref for ref in refs if test(ref)]
        if found:
            return found
    return []


def _normal(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").replace("_", " ").split())


def _platform_items(deps: Deps, team_id: str, platform_id: str) -> list[ItemRef]:
    with deps.db.session() as session:
        registrations = TeamScope(session, team_id).registrations_for_platform(platform_id)
        return [
            _ref(deps, item)
            for registration in registrations
            if registration.status == ACTIVE_REGISTRATION
            for item in registration.items
        ]


def open_items(deps: Deps, *, team_id: str, user_id: str) -> tuple[list[OpenItemLine], list[str], ZoneInfo]:
    """`remind`: the person's open steps, when they next hear about each, their keys, their zone."""
    tz = _owner_zone(deps, team_id, user_id)
    now = deps.clock.now()
    lines, keys = [], []
    with deps.db.session() as session:
        for item in TeamScope(session, team_id).open_items_owned_by(user_id):
            ref = _ref(deps, item)
            lines.append(
                OpenItemLine(
                    title=ref.title,
                    platform_name=ref.platform_name,
                    environment=ref.environment,
                    due_date=item.due_date,
                    next_at=_effective(item.next_reminder_at, now, tz, deps),
                    snoozed_until=item.snoozed_until,
                )
            )
            keys.append(ref.item_key)
    return lines, list(dict.fromkeys(keys)), tz


def _effective(at: datetime | None, now: datetime, tz: ZoneInfo, deps: Deps) -> datetime | None:
    """When the sweep will actually send: never in the past, always in working hours."""
    return None if at is None else next_working_moment(max(at, now), tz, deps.settings)


def _owner_zone(deps: Deps, team_id: str, user_id: str) -> ZoneInfo:
    person = deps.slack.person(team_id, user_id)
    return person.zone if person is not None else zone(None)


def _end_reminders(item: ChecklistItem, *, next_reminder_at: datetime | None) -> None:
    """Set the next reminder and drop any sweep's lease, so an in-flight send can't overwrite it."""
    item.next_reminder_at = next_reminder_at
    item.claimed_until = None
    item.claim_token = None
