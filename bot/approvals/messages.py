"""The approvals' DMs, each in its reader's language and time zone: a card to an approver (the
request, or a reminder), every approver's cards updated in place once someone decided, and the
submitter told. Slack failures are logged by the gateway and never undo a decision."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from bot.approvals import views
from bot.language.choice import language_of
from bot.slack.gateway import Person, SlackCallError
from core.i18n import use_language
from storage import approvals as store
from storage.approvals import Approval

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.approvals")


def card_for(deps: Deps, approval: Approval, person: Person, *, reminder: bool = False) -> dict[str, Any]:
    """The approver's card, in their language and time zone."""
    platform = views.platform_of(deps.catalogue, approval)
    with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):
        return views.card(
            approval,
            platform,
            tz=person.zone,
            expiry_days=deps.settings.APPROVAL_EXPIRY_DAYS,
            reminder=reminder,
        )


def send_card(
    deps: Deps,
    approval: Approval,
    person: Person,
    *,
    reminder: bool = False,
    before_send: Callable[[str], None] | None = None,
) -> tuple[str, str]:
    """DM the card; (channel, ts) of the message Slack accepted. Raises SlackCallError."""
    body = card_for(deps, approval, person, reminder=reminder)
    channel = deps.slack.dm_channel(approval.team_id, person.user_id)
    ts = deps.slack.dm(
        approval.team_id, person.user_id, body["text"], body["blocks"], before_send=before_send
    )
    return channel, ts


def refresh(deps: Deps, approval: Approval) -> int:
    """Re-render every approver's cards of `approval` as it is now (chat.update, in place); the
    number of messages updated."""
    updated = 0
    for recipient in store.recipients(deps.db, approval.id):
        if not recipient.messages:
            continue
        person = deps.slack.person(approval.team_id, recipient.user_id)
        if person is None:
            person = Person(recipient.user_id)  # English, UTC: still better than a stale card
        body = card_for(deps, approval, person)
        for channel, ts in recipient.messages:
            with suppress(SlackCallError):  # logged by the gateway (e.g. message_not_found)
                deps.slack.update_message(approval.team_id, channel, ts, body["text"], body["blocks"])
                updated += 1
    return updated


def tell_submitter(deps: Deps, approval: Approval) -> bool:
    """The submitter's DM once their credential was approved, rejected or expired."""
    person = deps.slack.person(approval.team_id, approval.submitted_by)
    if person is not None and person.deleted:
        return False
    platform = views.platform_of(deps.catalogue, approval)
    with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):
        body = views.submitter_message(approval, platform, expiry_days=deps.settings.APPROVAL_EXPIRY_DAYS)
    return _dm(deps, approval.team_id, approval.submitted_by, body)


def tell_no_approvers(deps: Deps, approval: Approval) -> bool:
    """The submitter's DM when nobody else can approve."""
    person = deps.slack.person(approval.team_id, approval.submitted_by)
    platform = views.platform_of(deps.catalogue, approval)
    with use_language(language_of(person, deps.settings.DEFAULT_LANGUAGE)[0]):
        body = views.no_approvers_message(approval, platform)
    return _dm(deps, approval.team_id, approval.submitted_by, body)


def _dm(deps: Deps, team_id: str, user_id: str, body: dict[str, Any]) -> bool:
    try:
        deps.slack.dm(team_id, user_id, body["text"], body["blocks"])
    except SlackCallError:  # logged by the gateway
        return False
    return True
