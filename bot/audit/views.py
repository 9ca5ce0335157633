"""How the audit trail reads in Slack: the command's summary, the DM's comment, the App Home lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.audit import texts as t
from bot.audit.query import AuditQuery
from bot.catalogue import Catalogue
from bot.slack.blocks import Block, context, message, section
from bot.slack.mrkdwn import escape
from core.i18n import format_datetime, format_day
from storage.audit_trail import AuditRow
from storage.audit_verify import Report

if TYPE_CHECKING:
    from bot.audit.trail import Summary

COUNT_LINES = 12  # actions listed by count; the rest are summed up in one line


def action_label(action: str) -> str:
    """What an action reads as after the person's name; its code when it has no text (yet)."""
    labels = t.ACTIONS
    return labels[action] if action in labels else f"`{escape(action)}`"


def _actor(actor: str) -> str:
    # Slack user ids become mentions; the bot's own events name it.
    return f"<@{actor}>" if actor[:1] in ("U", "W") and actor.isalnum() else escape(actor)


def event_line(row: AuditRow, zone: ZoneInfo, catalogue: Catalogue) -> str:
    """ "• Tuesday 1 December, 09:00 — @alice stored credentials · *Xero* · sandbox"."""
    where = ""
    if row.platform:
        name = catalogue.get(row.platform).name if row.platform in catalogue else escape(row.platform)
        where = t.WHERE.format(platform=name, environment=row.environment or "—")
    return t.EVENT_LINE.format(
        when=format_datetime(row.created_at.astimezone(zone)),
        actor=_actor(row.actor),
        label=action_label(row.action),
        where=where,
    )


def _scope(query: AuditQuery) -> str:
    return query.platform.name if query.platform else t.SCOPE_ALL


def _period(query: AuditQuery) -> str:
    return t.PERIOD_SINCE.format(day=format_day(query.since)) if query.since else t.PERIOD_ALL


def summary_message(summary: Summary, zone: ZoneInfo, catalogue: Catalogue) -> dict[str, Any]:
    """The ephemeral answer to `audit`: counts by action for the period, the latest events, and
    that the whole trail is on its way to the person's DM."""
    query = summary.query
    title = t.TITLE.format(scope=_scope(query), period=_period(query))
    blocks: list[Block] = [section(f"{title}\n{t.EVENTS(summary.total)}")]
    if not summary.total:
        blocks.append(section(t.NO_EVENTS))
    else:
        counts = list(summary.counts.items())
        lines = [
            t.COUNT_LINE.format(label=action_label(action), action=escape(action), count=count)
            for action, count in counts[:COUNT_LINES]
        ]
        if len(counts) > COUNT_LINES:
            lines.append(t.OTHER_ACTIONS(len(counts) - COUNT_LINES))
        blocks.append(section(t.BY_ACTION + "\n" + "\n".join(lines)))
        latest = [event_line(row, zone, catalogue) for row in summary.latest]
        blocks.append(section(t.LATEST + "\n" + "\n".join(latest)))
    blocks.append(context(t.EXPORTING))
    return message(f"{title}: {t.EVENTS(summary.total)}", blocks)


def export_comment(rows: int, query: AuditQuery, report: Report) -> str:
    """The DM's text above the CSV file: what it holds, and whether the hash chain holds."""
    text = t.EXPORT_COMMENT.format(events=t.EVENTS(rows), scope=_scope(query), period=_period(query))
    if report.intact:
        return f"{text}\n{t.CHAIN_INTACT(report.rows)}"
    return f"{text}\n{t.CHAIN_BROKEN.format(sequence=report.breaks[0].sequence)}"


def file_title() -> str:
    return str(t.FILE_TITLE)


def export_failed(code: str) -> dict[str, Any]:
    text = t.EXPORT_FAILED.format(code=escape(code))
    return message(text, [section(text)])


def admins_only() -> dict[str, Any]:
    text = str(t.ADMINS_ONLY)
    return message(text, [section(text)])


def problem(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def activity_blocks(rows: Sequence[AuditRow], zone: ZoneInfo, catalogue: Catalogue) -> list[Block]:
    """The App Home's recent activity, for admins: one short line per event, newest first."""
    lines = "\n".join(event_line(row, zone, catalogue) for row in rows) or t.HOME_NO_ACTIVITY
    return [section(f"{t.HOME_ACTIVITY}\n{lines}"), context(t.HOME_ACTIVITY_HINT)]
