"""Messages for `status`: one line per registration, or one platform's whole checklist."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.approvals import views as approval_views
from bot.catalogue import Platform
from bot.codat.views import status_text as codat_status_text
from bot.expiry import views as expiry_views
from bot.governance.refusals import refusal_text
from bot.registrations import texts as t
from bot.registrations.cancel import CancelOutcome, CancelResult
from bot.registrations.progress import Progress
from bot.slack.blocks import context, header, message, section
from core.i18n import format_day
from storage.statuses import ItemStatus, RegistrationStatus


def status_line(progress: Progress) -> str:
    """One registration: its items done, and its status as stored (derived in storage, never here)."""
    if progress.status == RegistrationStatus.completed:
        state = t.STATUS_COMPLETE
    elif progress.status == RegistrationStatus.cancelled:
        state = t.STATUS_CANCELLED
    elif progress.next_item is not None:
        state = t.STATUS_NEXT.format(title=progress.next_item.title.lower())
    else:  # every item done, the wizard not yet at its summary
        state = t.STATUS_FINISH.format(platform=progress.platform.id, environment=progress.environment)
    line = t.STATUS_LINE.format(
        name=progress.platform.name,
        environment=progress.environment,
        done=progress.done,
        total=progress.total,
        state=state,
    )
    codat = codat_status_text(progress.codat, has_item=progress.has_codat_item)
    expiry = expiry_views.expiry_line(progress.expires_on, progress.today or date.today())
    extras = [text for text in (codat, approval_views.status_suffix(progress.pending), expiry) if text]
    return " · ".join([line, *extras])


def status_message(progresses: list[Progress]) -> dict[str, Any]:
    if not progresses:
        return message(t.STATUS_EMPTY, [section(t.STATUS_EMPTY)])
    lines = [status_line(progress) for progress in progresses]
    return message("\n".join(lines), [header(t.STATUS_HEADER), section("\n".join(lines))])


def checklist_message(progresses: list[Progress]) -> dict[str, Any]:
    """Every item of one platform's registrations, with owners and due dates."""
    blocks = []
    for progress in progresses:
        blocks.append(section(status_line(progress)))
        lines = [
            t.STATUS_ITEM.format(
                mark=t.STATUS_MARKS.get(item.status, "◻️"),
                title=item.title,
                owner=t.STATUS_OWNER.format(user=item.owner)
                if item.owner and item.status == ItemStatus.todo
                else "",
                due=t.STATUS_DUE.format(date=format_day(item.due_date)) if item.due_date else "",
            )
            for item in progress.items
        ]
        if lines:
            blocks.append(section("\n".join(lines)))
        if progress.stored_fields:
            blocks.append(context(t.STATUS_CREDENTIALS.format(fields=", ".join(progress.stored_fields))))
        if progress.pending:  # four eyes: who submitted what, when (never a value)
            waiting = approval_views.status_lines(progress.pending, progress.platform)
            blocks.append(context("\n".join(waiting)))
    return message(status_line(progresses[0]), blocks)


def cancel_message(result: CancelResult, platform: Platform) -> dict[str, Any]:
    """The answer to `cancel`: done, who can, or which registration."""
    registration = result.registration
    values = {"name": platform.name, "platform": platform.id}
    if result.outcome is CancelOutcome.cancelled and registration:
        text = t.CANCELLED.format(environment=registration.environment, **values)
    elif result.outcome is CancelOutcome.refused and result.decision:
        text = refusal_text(result.decision)
    elif result.outcome is CancelOutcome.ambiguous:
        text = t.CANCEL_AMBIGUOUS.format(**values)
    else:
        text = t.CANCEL_NONE.format(**values)
    return message(text, [section(text)])
