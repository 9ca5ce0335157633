"""The reminder sweep: claim due items → group by owner → one DM digest per owner → advance.

State lives in the checklist rows (see storage.reminder_claims), so a missed or doubled tick, a
restart, or several replicas sweeping the same database change nothing: each due item is claimed by
one sweep, DMed once, and only advanced after Slack accepted the message. A failed send is logged
and its items released to a later sweep, never marked as sent. Every Slack call happens between
transactions: claim → commit → send → a short transaction to advance.

Shutdown (`deps.stopping`, set on SIGTERM): the sweep finishes the digest it is sending, then
releases the items it claimed but did not send (due again at once, for the next sweep anywhere)
instead of leaving them leased until the lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.approvals.sweep import ApprovalSweep, run_approval_sweep
from bot.deps import Deps
from bot.expiry.sweep import ExpirySweep, run_expiry_sweep
from bot.language.choice import language_of
from bot.registrations.checklist import item_title
from bot.reminders.policy import Decision, ReminderState, after_send, decide
from bot.reminders.views import DigestItem, digest_message, escalation_message
from bot.slack.gateway import Person, SlackCallError
from core import metrics
from core.i18n import use_language
from storage.reminder_claims import (
    ClaimedItem,
    Sent,
    claim_due,
    mark_escalated,
    mark_sent,
    release,
    still_claimed,
)

logger = logging.getLogger("codat_register.reminders")

MAX_ROUNDS = 20  # claims per sweep while batches come back full
LEASE_MARGIN = timedelta(seconds=30)  # don't start a send this close to the lease's end
RATE_LIMITED = "ratelimited"  # Slack's error once the client's own 429 retries are spent


class Pacer:
    """DM pacing: at least `channel_interval` seconds between posts to one channel, and a
    workspace-wide token bucket of `per_minute` posts (bursts of up to a tenth of that)."""

    def __init__(
        self,
        per_minute: int,
        channel_interval: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = 60.0 / per_minute if per_minute else 0.0
        self._tolerance = self._interval * max(0.0, per_minute / 10 - 1)
        self._channel_interval = channel_interval
        self._sleep, self._monotonic = sleep, monotonic
        self._lock = threading.Lock()
        self._theoretical_arrival = 0.0  # GCRA: when the bucket would be empty again
        self._channel_next: dict[str, float] = {}

    def wait(self, channel: str) -> float:
        """Block until a post to `channel` fits both limits; returns the seconds waited."""
        with self._lock:
            now = self._monotonic()
            at = max(now, self._theoretical_arrival - self._tolerance, self._channel_next.get(channel, 0.0))
            self._theoretical_arrival = max(at, self._theoretical_arrival) + self._interval
            self._channel_next[channel] = at + self._channel_interval
        if at > now:
            self._sleep(at - now)
        return at - now


_pacer_lock = threading.Lock()


def pacer_for(deps: Deps) -> Pacer:
    """The process's pacer (shared by the scheduled sweep and `run_sweep_now`)."""
    with _pacer_lock:
        pacer = deps.extras.get("reminder_pacer")
        if pacer is None:
            settings = deps.settings
            pacer = Pacer(settings.REMINDER_SENDS_PER_MINUTE, settings.REMINDER_CHANNEL_INTERVAL_SECONDS)
            deps.extras["reminder_pacer"] = pacer
        return pacer


@dataclass
class SweepResult:
    claimed: int = 0
    digests: int = 0  # DMs Slack accepted (one per owner)
    reminded: int = 0  # items those DMs carried
    deferred: int = 0  # outside working hours or snoozed: moved on, not counted
    failed: int = 0  # items whose send failed: released to a later sweep
    stopped: int = 0  # finished items or closed registrations, and items with nobody to tell
    released: int = 0  # claimed but not sent because the process is stopping: due again at once
    reassigned: int = 0
    escalations: int = 0
    errors: list[str] = field(default_factory=list)
    # Four eyes: the approvals' part of the sweep (reminders to approvers, expiry: bot.approvals).
    approvals: ApprovalSweep = field(default_factory=ApprovalSweep)
    # Credentials about to expire (bot.expiry): reminders before EXPIRY_REMINDER_DAYS, escalations.
    expiries: ExpirySweep = field(default_factory=ExpirySweep)


@dataclass
class _Group:
    team_id: str
    recipient: str
    person: Person
    items: list[ClaimedItem] = field(default_factory=list)
    left: dict[int, str] = field(default_factory=dict)  # item id -> the owner who left


def run_sweep(deps: Deps) -> SweepResult:
    """Claim and remind until no due item is left (bounded by MAX_ROUNDS claims) or the process
    is stopping."""
    result = SweepResult()
    for _ in range(MAX_ROUNDS):
        if deps.stopping.is_set() or _sweep_once(deps, result) < deps.settings.REMINDER_SWEEP_BATCH:
            break
    if not deps.stopping.is_set():  # approvers are reminded by the same sweep, paced alike
        pacer = pacer_for(deps)

        def paced(channel: str) -> None:
            pacer.wait(channel)

        result.approvals = run_approval_sweep(deps, paced)
        result.expiries = run_expiry_sweep(deps, paced)
    if result.claimed:
        logger.info(
            "reminder sweep: claimed=%d digests=%d reminded=%d deferred=%d failed=%d stopped=%d "
            "reassigned=%d escalations=%d",
            result.claimed,
            result.digests,
            result.reminded,
            result.deferred,
            result.failed,
            result.stopped,
            result.reassigned,
            result.escalations,
        )
    return result


def _sweep_once(deps: Deps, result: SweepResult) -> int:
    settings = deps.settings
    now = deps.clock.now()
    token = uuid.uuid4().hex
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    claimed = claim_due(deps.db, now=now, lease=lease, token=token, limit=settings.REMINDER_SWEEP_BATCH)
    result.claimed += len(claimed)
    if not claimed:
        return 0
    lease_end = now + lease
    escalate: list[tuple[ClaimedItem, str, int]] = []
    groups = _groups(deps, token, claimed, result)
    for number, group in enumerate(groups):
        if deps.stopping.is_set():  # between owners: hand the rest back rather than keep the lease
            _release_unsent(deps, token, groups[number:], result)
            return len(claimed)
        escalate += _remind(deps, token, group, lease_end, result)
    _escalate(deps, escalate, result)
    return len(claimed)


def _release_unsent(deps: Deps, token: str, groups: list[_Group], result: SweepResult) -> None:
    ids = [item.id for group in groups for item in group.items]
    release(deps.db, token, ids, next_reminder_at=deps.clock.now())
    result.released += len(ids)
    logger.info("reminder sweep stopping: released %d unsent item(s) to the next sweep", len(ids))


def _groups(deps: Deps, token: str, claimed: list[ClaimedItem], result: SweepResult) -> list[_Group]:
    """One group per person to DM; an owner who left is replaced by the registration's creator."""
    groups: dict[tuple[str, str], _Group] = {}
    known: dict[tuple[str, str], Person | None] = {}

    def person(team_id: str, user_id: str) -> Person | None:
        if (team_id, user_id) not in known:
            known[team_id, user_id] = deps.slack.person(team_id, user_id)
        return known[team_id, user_id]

    unknown, orphaned = [], []
    for item in claimed:
        recipient, left_owner = item.recipient, None
        target = person(item.team_id, recipient)
        if target is not None and target.deleted:
            left_owner, recipient = recipient, item.created_by
            target = person(item.team_id, recipient) if recipient != left_owner else target
            if target is not None and target.deleted:  # nobody left to tell
                orphaned.append(item.id)
                continue
        if target is None:
            unknown.append(item.id)
            continue
        group = groups.setdefault((item.team_id, recipient), _Group(item.team_id, recipient, target))
        group.items.append(item)
        if left_owner:
            group.left[item.id] = left_owner
    if unknown:  # users.info unavailable and nothing cached: try again later
        _retry_later(deps, token, unknown, result, "users.info unavailable")
    if orphaned:
        logger.warning("reminders stopped for %d item(s): owner and creator both left", len(orphaned))
        release(deps.db, token, orphaned, next_reminder_at=None)
        result.stopped += len(orphaned)
    return list(groups.values())


def _remind(
    deps: Deps, token: str, group: _Group, lease_end: datetime, result: SweepResult
) -> list[tuple[ClaimedItem, str, int]]:
    """Send one group's digest; returns (item, owner, count) for items whose creator must be told."""
    settings, db = deps.settings, deps.db
    now = deps.clock.now()  # paced sends take time: judge working hours when this one goes out
    tz = group.person.zone
    due: list[ClaimedItem] = []
    later: dict[datetime | None, list[int]] = defaultdict(list)  # not sent: due again then (None: never)
    for item in group.items:
        verdict = decide(_state(item, now), now, tz, settings)
        if verdict.decision is Decision.send:
            due.append(item)
        else:
            later[verdict.at if verdict.decision is Decision.defer else None].append(item.id)
    for at, ids in later.items():
        release(db, token, ids, next_reminder_at=at)
        if at is None:
            result.stopped += len(ids)
        else:
            result.deferred += len(ids)
    if not due:
        return []
    if now >= lease_end - LEASE_MARGIN:  # too late to send safely: due again right away
        release(db, token, [item.id for item in due], next_reminder_at=now)
        return []
    held = still_claimed(db, token, [item.id for item in due])
    due = [item for item in due if item.id in held]  # e.g. marked done since the claim
    if not due:
        return []
    advances = {item.id: after_send(_state(item, now), now, tz, settings) for item in due}
    next_at = min(advance.next_reminder_at for advance in advances.values())
    left_users = sorted({group.left[item.id] for item in due if item.id in group.left})
    with use_language(language_of(group.person, settings.DEFAULT_LANGUAGE)[0]):  # the recipient's
        body = digest_message(_digest_items(deps, due), next_at=next_at, tz=tz, left_users=left_users)
    error = _post(deps, group.team_id, group.recipient, body)
    if error is not None:
        _retry_later(deps, token, [item.id for item in due], result, error)
        return []
    sent = [
        Sent(item.id, advances[item.id].next_reminder_at, group.recipient if item.id in group.left else None)
        for item in due
    ]
    mark_sent(db, token, sent, now)
    metrics.reminders.labels("sent").inc(len(due))
    result.digests += 1
    result.reminded += len(due)
    result.reassigned += sum(1 for item in due if item.id in group.left)
    return [
        (item, group.recipient, advances[item.id].reminder_count)
        for item in due
        if advances[item.id].escalate and item.id not in group.left and item.created_by != group.recipient
    ]


def _escalate(deps: Deps, escalate: list[tuple[ClaimedItem, str, int]], result: SweepResult) -> None:
    """Tell each creator once about items still open after K reminders, one DM per creator and owner
    (not while stopping: escalated_at stays empty, so the items' next reminder escalates)."""
    if deps.stopping.is_set():
        return
    by_creator: dict[tuple[str, str, str], list[tuple[ClaimedItem, int]]] = defaultdict(list)
    for item, owner, count in escalate:
        by_creator[item.team_id, item.created_by, owner].append((item, count))
    for (team_id, creator, owner), entries in by_creator.items():
        person = deps.slack.person(team_id, creator)
        if person is None or person.deleted:
            continue
        items = [item for item, _ in entries]
        with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):  # the creator's
            body = escalation_message(owner, max(count for _, count in entries), _digest_items(deps, items))
        error = _post(deps, team_id, creator, body)
        if error is not None:  # escalated_at stays empty: the next reminder of these items retries
            result.errors.append(error)
            continue
        mark_escalated(deps.db, [item.id for item in items], deps.clock.now())
        result.escalations += 1


def _post(deps: Deps, team_id: str, user_id: str, body: dict) -> str | None:
    """conversations.open + chat.postMessage, paced; None when Slack accepted it, else the error."""
    pacer = pacer_for(deps)

    def paced(channel: str) -> None:
        pacer.wait(channel)

    try:  # 429s were already retried inside the client (RateLimitErrorRetryHandler)
        deps.slack.dm(team_id, user_id, body["text"], body.get("blocks"), before_send=paced)
    except SlackCallError as error:
        logger.warning("reminder DM to %s failed: %s", user_id, error.code)
        return error.code
    return None


def _retry_later(deps: Deps, token: str, ids: Sequence[int], result: SweepResult, error: str) -> None:
    retry_at = deps.clock.now() + timedelta(seconds=deps.settings.REMINDER_RETRY_SECONDS)
    release(deps.db, token, ids, next_reminder_at=retry_at)
    metrics.reminders.labels("rate_limited" if error == RATE_LIMITED else "failed").inc(len(ids))
    result.failed += len(ids)
    result.errors.append(error)


def _state(item: ClaimedItem, now: datetime) -> ReminderState:
    # A claimed item is due (its next_reminder_at now holds the lease end).
    return ReminderState(
        status=item.status,
        registration_status=item.registration_status,
        next_reminder_at=now,
        snoozed_until=item.snoozed_until,
        reminder_count=item.reminder_count,
        escalated_at=item.escalated_at,
        due_date=item.due_date,
    )


def _digest_items(deps: Deps, items: Sequence[ClaimedItem]) -> list[DigestItem]:
    result = []
    for item in items:
        try:
            platform = deps.catalogue.get(item.platform)
            title, name = item_title(item.item_key, platform), platform.name
        except KeyError:  # a platform since removed from the catalogue: still remind, plainly
            title, name = item.item_key.replace("_", " ").capitalize(), item.platform
        result.append(DigestItem(item.id, title, name, item.environment, item.due_date))
    return result
