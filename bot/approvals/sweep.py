"""The approvals' part of the follow-up sweep (bot.reminders.sweep runs it on every tick):

1. **expiry** — pending approvals past APPROVAL_EXPIRY_DAYS become expired (treated as rejected:
   the version stays disabled); each approver's card is updated and the submitter told, by
   whichever replica expired it (storage.approvals.expire_due locks and conditions the rows);
2. **unfinished approvals** — a last approval whose process died while applying it (its lease ran
   out) is finished: the version enabled, its reference made current;
3. **reminders** — due approver rows are claimed with a lease exactly as checklist items are, so
   two replicas never send the same one; each is sent only in its approver's working hours (the
   same policy as the digests: bot.reminders.policy), paced like them, then advanced by the
   repeat interval; outside working hours it waits for the next working-hours start, uncounted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.approvals import decisions, messages
from bot.governance.roles import Account, account_of, is_bot_admin
from bot.reminders.policy import is_working_time, next_reminder_after, next_working_moment
from bot.slack.gateway import SlackCallError
from storage import approvals as store
from storage.audit import Surface
from storage.statuses import ApprovalStatus, RegistrationStatus

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.approvals")

BATCH = 200


@dataclass
class ApprovalSweep:
    expired: int = 0
    finished: int = 0  # unfinished approvals applied
    reminded: int = 0  # reminder DMs Slack accepted
    deferred: int = 0  # outside the approver's working hours: later, not counted
    failed: int = 0  # DMs Slack refused: retried later
    stopped: int = 0  # the approver is no admin any more, left, or the registration was cancelled


def run_approval_sweep(deps: Deps, pace: Callable[[str], None] | None = None) -> ApprovalSweep:
    """One pass: expiry, unfinished approvals, then reminders (`pace(channel)` before each DM)."""
    result = ApprovalSweep()
    settings = deps.settings
    now = deps.clock.now()
    for approval in store.expire_due(deps.db, now=now, limit=BATCH):
        result.expired += 1
        messages.refresh(deps, approval)
        messages.tell_submitter(deps, approval)
    token = uuid.uuid4().hex
    for approval in store.stale_applying(
        deps.db, now=now, lease=decisions.APPLY_LEASE, token=token, limit=BATCH
    ):
        applied = decisions.apply(deps, approval, token, Surface.job)
        if applied.approval is not None:
            messages.refresh(deps, applied.approval)
            if applied.error is None and applied.approval.status is ApprovalStatus.approved:
                messages.tell_submitter(deps, applied.approval)
                result.finished += 1
    lease = timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    claimed = store.claim_due_recipients(deps.db, now=now, lease=lease, token=token, limit=BATCH)
    for number, due in enumerate(claimed):
        if deps.stopping.is_set():  # hand the rest back: due again at once, for the next sweep anywhere
            store.release(deps.db, token, [c.id for c in claimed[number:]], next_reminder_at=deps.clock.now())
            break
        _remind(deps, token, due, pace, result)
    if result.expired or result.finished or result.reminded or result.failed:
        logger.info(
            "approval sweep: expired=%d finished=%d reminded=%d deferred=%d failed=%d stopped=%d",
            result.expired,
            result.finished,
            result.reminded,
            result.deferred,
            result.failed,
            result.stopped,
        )
    return result


def _remind(
    deps: Deps,
    token: str,
    due: store.ClaimedRecipient,
    pace: Callable[[str], None] | None,
    result: ApprovalSweep,
) -> None:
    settings, approval = deps.settings, due.approval
    now = deps.clock.now()
    if approval.registration_status is RegistrationStatus.cancelled:
        store.release(deps.db, token, [due.id], next_reminder_at=None)
        result.stopped += 1
        return
    person = deps.slack.person(approval.team_id, due.user_id)
    if person is None:  # Slack cannot say: try again later
        retry = now + timedelta(seconds=settings.REMINDER_RETRY_SECONDS)
        store.release(deps.db, token, [due.id], next_reminder_at=retry)
        result.failed += 1
        return
    still_admin = account_of(person) is Account.member and is_bot_admin(
        deps, approval.team_id, due.user_id, person
    )
    if not still_admin:  # left, or no longer one of the bot's admins
        store.release(deps.db, token, [due.id], next_reminder_at=None)
        result.stopped += 1
        return
    tz = person.zone
    if not is_working_time(now, tz, settings):
        store.release(deps.db, token, [due.id], next_reminder_at=next_working_moment(now, tz, settings))
        result.deferred += 1
        return
    if not store.still_claimed(deps.db, token, due.id):  # decided (or expired) since the claim
        return
    try:
        where = messages.send_card(deps, approval, person, reminder=True, before_send=pace)
    except SlackCallError as error:
        logger.warning("approval reminder to %s failed: %s", due.user_id, error.code)
        retry = now + timedelta(seconds=settings.REMINDER_RETRY_SECONDS)
        store.release(deps.db, token, [due.id], next_reminder_at=retry)
        result.failed += 1
        return
    next_at = next_reminder_after(now, None, tz, settings)
    store.mark_sent(deps.db, token, due.id, now=now, next_reminder_at=next_at, message=where, reminder=True)
    result.reminded += 1
