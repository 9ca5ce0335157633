"""The App Home tab: what is waiting on this person, and the workspace's registrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.home import texts as t
from bot.registrations.progress import Progress
from bot.registrations.views import status_line
from bot.slack.blocks import Block, context, divider, header, message, section
from core.i18n import format_day
from storage.statuses import ItemStatus, RegistrationStatus

MAX_LINES = 40


def home_view(
    progresses: list[Progress],
    user_id: str,
    vault_location: str,
    *,
    activity: Sequence[Block] = (),
    approvals: Sequence[Block] = (),
) -> dict[str, Any]:
    """The tab; `activity` (the recent audit events, bot.audit.views) and `approvals` (credentials
    waiting for a decision, with Approve / Reject: bot.approvals.views) are shown to admins only."""
    mine = [
        t.ITEM_LINE.format(
            title=item.title,
            platform=progress.platform.name,
            environment=progress.environment,
            due=t.ITEM_DUE.format(date=format_day(item.due_date)) if item.due_date else "",
        )
        for progress in progresses
        if progress.status == RegistrationStatus.in_progress
        for item in progress.items
        if item.status == ItemStatus.todo and item.owner == user_id
    ]
    registrations = [status_line(progress) for progress in progresses]
    blocks = [
        header(t.HEADER),
        section(t.INTRO),
        context(t.START_HINT),
        divider(),
        section(t.YOUR_ITEMS + "\n" + ("\n".join(mine[:MAX_LINES]) or t.NO_ITEMS)),
        section(t.REGISTRATIONS + "\n" + ("\n".join(registrations[:MAX_LINES]) or t.NO_REGISTRATIONS)),
        context(t.VAULT.format(location=vault_location)),
    ]
    if approvals:
        blocks += [divider(), *approvals]
    if activity:
        blocks += [divider(), *activity]
    return {"type": "home", "blocks": blocks}


def dm_pointer_message() -> dict[str, Any]:
    """The short reply to someone who writes to the bot in its Messages tab."""
    return message(t.DM_POINTER, [section(t.DM_POINTER)])
