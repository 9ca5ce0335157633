"""Done and Snooze, from the digest's buttons and from the slash command. Who may: the policy's
`done_or_snooze` (the step's owner, the registration's creator, an admin), asked again on the row
read under lock; a refusal is recorded in the audit trail after the transaction.

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
from bot.governance import refusals
from bot.governance.policy import Action, Decision, Target, decide
from bot.governance.roles import Caller, caller_of
from bot.registrations.checklist import ENABLED_IN_CODAT, checklist_for, item_title
from bot.reminders.policy import SnoozeError, next_working_moment, snooze_until, zone
from bot.reminders.views import OpenItemLine
from bot.wizard.ids import Step
from storage.audit import Surface
from storage.repositories import ItemRow, Registrations
from storage.statuses import ItemStatus, RegistrationStatus


class Outcome(StrEnum):
    done = "done"
    snoozed = "snoozed"
    refused = "refused"  # the policy said no: `decision` says who can
    missing = "missing"  # no such item (in this workspace)
    already = "already"  # the item is no longer open
    closed = "closed"  # the registration was completed or cancelled
    bad_when = "bad_when"  # a snooze date that is not in the future
    no_registration = "no_registration"
    nothing_open = "nothing_open"
    unknown_item = "unknown_item"
    ambiguous = "ambiguous"
    automatic = "automatic"  # "Enabled in Codat" while Codat is configured: it ticks itself


@dataclass(frozen=True)
class ItemRef:
    """One checklist item as the actions and their replies see it."""

    item_id: int
    item_key: str
    title: str
    platform_name: str
    environment: str
    status: ItemStatus
    owner_user_id: str | None
    created_by: str
    registration_id: str
    registration_status: RegistrationStatus
    platform_id: str = ""

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
    # The registration's status after the change (completed once its last open item is done).
    registration_status: RegistrationStatus | None = None
    decision: Decision | None = None  # a refusal's: who can

    @property
    def completed_registration(self) -> bool:
        """Whether this change completed the item's registration (its last open item is done)."""
        return self.outcome is Outcome.done and self.registration_status == RegistrationStatus.completed


def target_of(refs: Sequence[ItemRef]) -> Target:
    """What Done / Snooze is about: the items' registration (one creator) and their owners."""
    first = refs[0]
    creators = {ref.created_by for ref in refs}
    return Target(
        registration_id=first.registration_id if len({r.registration_id for r in refs}) == 1 else None,
        created_by=first.created_by if len(creators) == 1 else None,
        platform=first.platform_id,
        platform_name=first.platform_name,
        environment=first.environment if len({r.environment for r in refs}) == 1 else None,
        owners=frozenset(ref.recipient for ref in refs),
    )


def _decide(caller: Caller, ref: ItemRef) -> Decision:
    return decide(caller, Action.done_or_snooze, target_of([ref]))


def _ref(deps: Deps, row: ItemRow) -> ItemRef:
    try:
        platform: Platform | None = deps.catalogue.get(row.platform)
    except KeyError:
        platform = None
    return ItemRef(
        item_id=row.id,
        item_key=row.item_key,
        title=item_title(row.item_key, platform) if platform else row.item_key,
        platform_name=platform.name if platform else row.platform,
        environment=row.environment,
        status=row.status,
        owner_user_id=row.owner_user_id,
        created_by=row.created_by,
        registration_id=row.registration_id,
        registration_status=row.registration_status,
        platform_id=row.platform,
    )


def load_item(deps: Deps, team_id: str, item_id: int) -> ItemRef | None:
    row = Registrations(deps.db, team_id).item(item_id)
    return None if row is None else _ref(deps, row)


def checklist_target(deps: Deps, team_id: str, item_id: int) -> tuple[str, str | None] | None:
    """For "Open checklist": the item's registration id and the wizard step to open — the item's
    checklist phase when the registration has reached it, else None (its saved step)."""
    row = Registrations(deps.db, team_id).item(item_id)
    if row is None:
        return None
    try:
        definitions = checklist_for(deps.catalogue.get(row.platform), row.environment)
    except KeyError:
        definitions = []
    phase = next((d.phase.value for d in definitions if d.key == row.item_key), None)
    steps = [step.value for step in Step]
    if phase not in steps or row.registration_step not in steps:
        return row.registration_id, None
    reached = steps.index(phase) <= steps.index(row.registration_step)
    return row.registration_id, phase if reached else None


def _check(ref: ItemRef | None, caller: Caller) -> ActionResult | None:
    """Why the action can't happen, or None when it can."""
    if ref is None:
        return ActionResult(Outcome.missing)
    if ref.status != ItemStatus.todo:  # before `closed`: the last item done also completed its registration
        return ActionResult(Outcome.already, ref)
    if ref.registration_status != RegistrationStatus.in_progress:
        return ActionResult(Outcome.closed, ref)
    decision = _decide(caller, ref)
    if not decision.allowed:
        return ActionResult(Outcome.refused, ref, decision=decision)
    return None


def _told(deps: Deps, result: ActionResult, surface: Surface | None) -> ActionResult:
    """A refusal goes into the audit trail (outside any write transaction)."""
    if result.outcome is Outcome.refused and result.decision is not None:
        refusals.record(deps, result.decision, surface)
    return result


def mark_done(
    deps: Deps, *, team_id: str, user_id: str, item_id: int, surface: Surface | None = None
) -> ActionResult:
    """Mark an open item done: its reminders stop, and its registration completes with its last item
    (audited as coming through `surface`)."""
    if deps.codat is not None:  # Codat answers for "Enabled in Codat": a person's Done does not
        ref = load_item(deps, team_id, item_id)
        if ref is not None and ref.item_key == ENABLED_IN_CODAT and ref.status == ItemStatus.todo:
            return ActionResult(Outcome.automatic, ref)
    caller = caller_of(deps, team_id, user_id)

    def allowed(row: ItemRow) -> bool:
        return _check(_ref(deps, row), caller) is None

    written = Registrations(deps.db, team_id).mark_done(
        item_id, actor=user_id, now=deps.clock.now(), allowed=allowed, surface=surface
    )
    ref = None if written.row is None else _ref(deps, written.row)
    if not written.applied:
        return _told(deps, _check(ref, caller) or ActionResult(Outcome.missing), surface)
    return ActionResult(Outcome.done, ref, registration_status=written.registration_status)


def snooze_item(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    item_id: int,
    choice: str | date,
    surface: Surface | None = None,
) -> ActionResult:
    """Pause an item's reminders until `choice` (1d, 1w or a date), in its owner's working hours."""
    caller = caller_of(deps, team_id, user_id)
    ref = load_item(deps, team_id, item_id)
    problem = _check(ref, caller)
    if problem is not None or ref is None:
        return _told(deps, problem or ActionResult(Outcome.missing), surface)
    tz = _owner_zone(deps, team_id, ref.recipient)
    try:
        until = snooze_until(deps.clock.now(), choice, tz, deps.settings)
    except SnoozeError:
        return ActionResult(Outcome.bad_when, ref)

    def allowed(row: ItemRow) -> bool:
        return _check(_ref(deps, row), caller) is None

    (written,) = Registrations(deps.db, team_id).snooze(
        {item_id: until}, actor=user_id, allowed=allowed, surface=surface
    )
    fresh = None if written.row is None else _ref(deps, written.row)
    if not written.applied:
        return _told(deps, _check(fresh, caller) or ActionResult(Outcome.missing), surface)
    return ActionResult(Outcome.snoozed, fresh, until=until, tz=tz)


def snooze_platform(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    platform: Platform,
    choice: str | date,
    surface: Surface | None = None,
) -> ActionResult:
    """Snooze the person's open steps of a platform (those they own or whose registration they
    started; when none is theirs, every open step), each as far as the policy lets them."""
    refs = _platform_items(deps, team_id, platform.id)
    if not refs:
        return ActionResult(Outcome.no_registration)
    open_refs = [ref for ref in refs if ref.status == ItemStatus.todo]
    if not open_refs:
        return ActionResult(Outcome.nothing_open)
    caller = caller_of(deps, team_id, user_id)
    # "Your reminders" first: an admin pausing their own steps does not pause everyone's.
    asked = [ref for ref in open_refs if user_id in (ref.recipient, ref.created_by)] or open_refs
    mine = [ref for ref in asked if _decide(caller, ref).allowed]
    if not mine:
        refused = decide(caller, Action.done_or_snooze, target_of(asked))
        return _told(deps, ActionResult(Outcome.refused, decision=refused), surface)
    now, zones = deps.clock.now(), {}
    try:
        for ref in mine:
            if ref.recipient not in zones:
                zones[ref.recipient] = _owner_zone(deps, team_id, ref.recipient)
        until = {ref.item_id: snooze_until(now, choice, zones[ref.recipient], deps.settings) for ref in mine}
    except SnoozeError:
        return ActionResult(Outcome.bad_when)

    def allowed(row: ItemRow) -> bool:  # still open, in progress, and theirs to change
        return _check(_ref(deps, row), caller) is None

    Registrations(deps.db, team_id).snooze(until, actor=user_id, allowed=allowed, surface=surface)
    first = min(until.values())
    return ActionResult(Outcome.snoozed, mine[0], until=first, tz=zones[mine[0].recipient], count=len(mine))


def done_by_word(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    platform: Platform,
    word: str,
    environment: str | None,
    surface: Surface | None = None,
) -> ActionResult:
    """`done <platform> <step>`: the step by key, unique key prefix or title prefix."""
    every = _platform_items(deps, team_id, platform.id)
    refs = [ref for ref in every if ref.status == ItemStatus.todo]
    if environment:
        refs = [ref for ref in refs if ref.environment == environment]
    if not refs:
        return ActionResult(Outcome.nothing_open if every else Outcome.no_registration)
    matches = _match(refs, word)
    options = tuple(sorted({ref.item_key for ref in refs}))
    if not matches:
        return ActionResult(Outcome.unknown_item, options=options)
    if len(matches) > 1:
        return ActionResult(Outcome.ambiguous, matches[0], options=options)
    return mark_done(deps, team_id=team_id, user_id=user_id, item_id=matches[0].item_id, surface=surface)


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
    """Every item of the platform's registrations in progress."""
    return [_ref(deps, row) for row in Registrations(deps.db, team_id).platform_items(platform_id)]


def open_items(deps: Deps, *, team_id: str, user_id: str) -> tuple[list[OpenItemLine], list[str], ZoneInfo]:
    """`remind`: the person's open steps, when they next hear about each, their keys, their zone."""
    tz = _owner_zone(deps, team_id, user_id)
    now = deps.clock.now()
    lines, keys = [], []
    for row in Registrations(deps.db, team_id).open_items_owned_by(user_id):
        ref = _ref(deps, row)
        lines.append(
            OpenItemLine(
                title=ref.title,
                platform_name=ref.platform_name,
                environment=ref.environment,
                due_date=row.due_date,
                next_at=_effective(row.next_reminder_at, now, tz, deps),
                snoozed_until=row.snoozed_until,
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
