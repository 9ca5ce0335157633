"""The expiry part of the follow-up sweep (bot.reminders.sweep runs it on every tick).

Due expiries are claimed with a lease exactly as checklist items are (storage.credential_expiries),
so two replicas never send the same reminder. For each, bot.expiry.schedule decides in the
owner's time zone: a reminder (EXPIRY_REMINDER_DAYS before), the one escalation on the expiry
day, or nothing yet. A reminder goes to the credential's owner — the person who stored it, or whom
the credentials step names — and to the bot's admins, each in their own language, paced like every
DM. It counts as sent once Slack accepted the owner's DM (or, with the owner gone, one admin's).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.expiry import schedule
from bot.expiry.views import reminder_message
from bot.governance.roles import bot_admins
from bot.language.choice import language_of
from bot.slack.gateway import Person, SlackCallError
from core.i18n import use_language
from storage import credential_expiries as store
from storage.audit import SYSTEM_ACTOR, Record, Surface
from storage.statuses import RegistrationStatus

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.expiry")

BATCH = 200


@dataclass
class ExpirySweep:
    reminded: int = 0  # reminders Slack accepted
    expired: int = 0  # expiries escalated
    deferred: int = 0  # not yet, or outside working hours
    failed: int = 0  # Slack refused: retried later
    stopped: int = 0  # cancelled registrations, nobody left to tell


def run_expiry_sweep(deps: Deps, pace: Callable[[str], None] | None = None) -> ExpirySweep:
    """One pass over the due expiries (`pace(channel)` before each DM)."""
    result = ExpirySweep()
    now, token = deps.clock.now(), uuid.uuid4().hex
    lease = timedelta(seconds=deps.settings.REMINDER_CLAIM_LEASE_SECONDS)
    claimed = store.claim_due(deps.db, now=now, lease=lease, token=token, limit=BATCH)
    for number, due in enumerate(claimed):
        if deps.stopping.is_set():  # hand the rest back: due again at once, for the next sweep anywhere
            for rest in claimed[number:]:
                store.release(deps.db, token, rest.expiry.registration_id, next_reminder_at=deps.clock.now())
            break
        _handle(deps, token, due, pace, result)
    if result.reminded or result.expired or result.failed:
        logger.info(
            "expiry sweep: reminded=%d expired=%d deferred=%d failed=%d stopped=%d",
            result.reminded,
            result.expired,
            result.deferred,
            result.failed,
            result.stopped,
        )
    return result


def _handle(
    deps: Deps, token: str, due: store.ClaimedExpiry, pace: Callable[[str], None] | None, result: ExpirySweep
) -> None:
    expiry, settings, now = due.expiry, deps.settings, deps.clock.now()
    registration_id = expiry.registration_id

    def later(at: datetime | None) -> None:
        store.release(deps.db, token, registration_id, next_reminder_at=at)

    if due.registration_status is RegistrationStatus.cancelled:
        later(None)
        result.stopped += 1
        return
    owner = deps.slack.person(expiry.team_id, expiry.owner_user_id)
    if owner is None:  # Slack cannot say: try again later
        later(now + timedelta(seconds=settings.REMINDER_RETRY_SECONDS))
        result.failed += 1
        return
    admins = [p for p in bot_admins(deps, expiry.team_id) if p.user_id != owner.user_id]
    recipients = ([] if owner.deleted else [owner]) + admins
    if not recipients:
        logger.warning("expiry of %s: its owner left and there is no admin to tell", registration_id)
        later(None)
        result.stopped += 1
        return
    tz = recipients[0].zone
    verdict = schedule.decide(expiry, now, tz, settings)
    if verdict.kind is schedule.Kind.wait:
        later(verdict.at)
        result.deferred += 1
        return
    if verdict.kind is schedule.Kind.stop:
        later(None)
        result.stopped += 1
        return
    if not store.still_claimed(deps.db, token, registration_id):  # a new date since the claim
        return
    if not _send(deps, due, recipients, pace):
        later(now + timedelta(seconds=settings.REMINDER_RETRY_SECONDS))
        result.failed += 1
        return
    if verdict.kind is schedule.Kind.expired:
        event = Record(
            SYSTEM_ACTOR,
            "credential.expiry_reached",
            registration_id,
            registration_id=registration_id,
            platform=due.platform,
            environment=due.environment,
            surface=Surface.job,
            details={"expires_on": expiry.expires_on.isoformat(), "told": [p.user_id for p in recipients]},
        )
        store.mark_expired(deps.db, token, registration_id, now=now, event=event)
        result.expired += 1
        return
    assert verdict.lead is not None
    today = now.astimezone(tz).date()
    next_at = schedule.after_reminder(expiry, verdict.lead, today, tz, settings)
    store.mark_reminded(deps.db, token, registration_id, lead=verdict.lead, now=now, next_reminder_at=next_at)
    result.reminded += 1


def _send(
    deps: Deps, due: store.ClaimedExpiry, recipients: list[Person], pace: Callable[[str], None] | None
) -> bool:
    """The DM to each recipient, in their language; True once the first (the owner) accepted it."""
    expiry = due.expiry
    try:
        name = deps.catalogue.get(due.platform).name
    except KeyError:  # a platform since removed from the catalogue: still remind, plainly
        name = due.platform
    delivered = False
    for number, person in enumerate(recipients):
        with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):
            today = deps.clock.now().astimezone(person.zone).date()
            body = reminder_message(
                registration_id=expiry.registration_id,
                name=name,
                environment=due.environment,
                expires_on=expiry.expires_on,
                today=today,
                owner=expiry.owner_user_id,
            )
        try:
            deps.slack.dm(expiry.team_id, person.user_id, body["text"], body["blocks"], before_send=pace)
        except SlackCallError as error:
            logger.warning("expiry reminder to %s failed: %s", person.user_id, error.code)
            if number == 0:
                return False  # the first recipient is the one that counts: retried later
            continue
        delivered = True
    return delivered
