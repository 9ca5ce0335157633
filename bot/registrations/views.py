"""Messages for `status`: one line per registration, or one platform's whole checklist."""

from __future__ import annotations

from typing import Any

from bot.registrations import texts as t
from bot.registrations.progress import Progress
from bot.slack.blocks import context, header, message, section


def status_line(progress: Progress) -> str:
    if progress.status == "completed":
        state = t.STATUS_COMPLETE
    elif progress.status == "cancelled":
        state = t.STATUS_CANCELLED
    elif progress.next_item is not None:
        state = t.STATUS_NEXT.format(title=progress.next_item.title.lower())
    else:
        state = t.STATUS_COMPLETE
    return t.STATUS_LINE.format(
        name=progress.platform.name,
        environment=progress.environment,
        done=progress.done,
        total=progress.total,
        state=state,
    )


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
                owner=t.STATUS_OWNER.format(user=item.owner) if item.owner and item.status == "todo" else "",
                due=t.STATUS_DUE.format(date=item.due_date.isoformat()) if item.due_date else "",
            )
            for item in progress.items
        ]
        if lines:
            blocks.append(section("\n".join(lines)))
        if progress.stored_fields:
            blocks.append(context(t.STATUS_CREDENTIALS.format(fields=", ".join(progress.stored_fields))))
    return message(status_line(progresses[0]), blocks)
