"""After a credentials step saved versions pending: ask the approvers.

Runs after the ack (deps.background). For each new approval: find the approvers (the bot's admins
but the submitter), give each an `approval_recipients` row born claimed by this run (so a sweep
running meanwhile cannot send it too), DM each the card with Approve / Reject — at once, whatever
the hour: the submitter is waiting — and schedule their first reminder in their working hours
(bot.reminders.policy). A DM Slack refused is left due, for the sweep to retry. Nobody to ask:
the submitter is told. Cards of approvals a newer submission replaced are updated in place.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.approvals import messages
from bot.approvals.approvers import approvers_for
from bot.reminders.policy import next_reminder_after
from bot.slack.gateway import SlackCallError
from storage import approvals as store
from storage.audit import Surface
from storage.vault.base import StoredSecret, VaultError

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.approvals")

SEND_LEASE = timedelta(minutes=10)
LEFTOVER_ATTEMPTS = 5
LEFTOVER_TIMEOUT_SECONDS = 10.0


def new_approval_ids(
    deps: Deps, team_id: str, registration_id: str, stored: Sequence[StoredSecret]
) -> list[str]:
    """The approvals the save just recorded for the versions `stored` added pending."""
    added = {(s.resource_name, s.version) for s in stored if s.pending and s.created}
    if not added:
        return []
    undecided = store.undecided(deps.db, team_id, [registration_id])
    return [a.id for a in undecided if (a.resource_name, a.version) in added]


def after_save(deps: Deps, team_id: str, registration_id: str, stored: Sequence[StoredSecret]) -> None:
    """Schedule the approvers' DMs for what the save submitted (nothing when nothing waits)."""
    approval_ids = new_approval_ids(deps, team_id, registration_id, stored)
    if approval_ids:
        deps.background.submit(ask_approvers, deps, team_id, approval_ids)


def ask_approvers(
    deps: Deps, team_id: str, approval_ids: Sequence[str], surface: Surface = Surface.job
) -> int:
    """DM every approver of each approval; the number of DMs Slack accepted."""
    sent = 0
    for replaced in store.superseded_by(deps.db, team_id, approval_ids):
        messages.refresh(deps, replaced)
    for approval_id in approval_ids:
        approval = store.read(deps.db, team_id, approval_id)
        if approval is None or not approval.undecided:
            continue
        people = approvers_for(deps, team_id, approval.submitted_by)
        now = deps.clock.now()
        token = uuid.uuid4().hex
        rows = store.add_recipients(
            deps.db,
            approval,
            [p.user_id for p in people],
            now=now,
            lease=SEND_LEASE,
            token=token,
            surface=surface,
        )
        if not people:
            logger.warning("approval %s: no other admin to ask", approval.id)
            messages.tell_no_approvers(deps, approval)
            continue
        for person in people:
            row = rows.get(person.user_id)
            if row is None:  # asked already (an earlier run)
                continue
            try:
                where = messages.send_card(deps, approval, person)
            except SlackCallError as error:
                retry = now + timedelta(seconds=deps.settings.REMINDER_RETRY_SECONDS)
                logger.warning(
                    "approval %s: DM to %s failed (%s); the sweep retries",
                    approval.id,
                    person.user_id,
                    error.code,
                )
                store.release(deps.db, token, [row], next_reminder_at=retry)
                continue
            first_reminder = next_reminder_after(now, None, person.zone, deps.settings)
            store.mark_sent(
                deps.db, token, row, now=now, next_reminder_at=first_reminder, message=where, reminder=False
            )
            sent += 1
        decided = store.read(deps.db, team_id, approval_id)
        if decided is not None and not decided.undecided:  # decided while the DMs went out
            messages.refresh(deps, decided)
    return sent


def disable_leftover(deps: Deps, resource_name: str) -> bool:
    """A pending version the vault added but could not disable in time: keep trying (after the
    answer, with more time), so it is not left usable; an error line names it if all fail."""
    for attempt in range(LEFTOVER_ATTEMPTS):
        try:
            deps.vault.disable(resource_name, timeout=LEFTOVER_TIMEOUT_SECONDS)
        except VaultError as error:
            logger.warning(
                "disabling leftover %s failed (attempt %d): %s", resource_name, attempt + 1, error.code
            )
            if deps.stopping.wait(min(2.0**attempt, 10.0)):
                break
            continue
        logger.info("disabled leftover version %s", resource_name)
        return True
    logger.error("version %s is enabled without approval: disable it in Secret Manager", resource_name)
    return False
