"""What the approvals look like: the approvers' DM (with Approve / Reject, or what was decided), the
submitter's DMs, the admins' App Home section, and the lines the summary and `status` show about a
credential waiting. Renders only: never a value — field names, the keyed fingerprint, where the
version went, who submitted it and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.approvals import texts as t
from bot.approvals.ids import ActionId, ApprovalButton, actions_block_id, block_id
from bot.catalogue import Catalogue, Platform
from bot.reminders.views import when_text
from bot.slack.blocks import Block, actions, button, context, header, message, section
from bot.wizard.credentials import JSON_FIELD
from core.i18n import format_list
from storage.approvals import Approval
from storage.statuses import ApprovalStatus

UTC_ZONE = ZoneInfo("UTC")
HOME_MAX = 10  # approvals shown on the App Home (three blocks each)


def field_names(platform: Platform | None, field: str) -> str:
    """What a stored version holds, in the platform's words: "Client ID + Client secret"."""
    if platform is None:
        return field
    if field == JSON_FIELD and platform.store_as_json:
        return " + ".join(f.label for f in platform.credential_fields)
    try:
        return platform.label_for(field)
    except KeyError:
        return field


def platform_of(catalogue: Catalogue, approval: Approval) -> Platform | None:
    try:
        return catalogue.get(approval.platform)
    except KeyError:  # removed from the catalogue since: still shown, by its id
        return None


def _name(platform: Platform | None, approval: Approval) -> str:
    return platform.name if platform is not None else approval.platform


def _mentions(users: Sequence[str]) -> str:
    return format_list([f"<@{user}>" for user in users])


def _details(approval: Approval, platform: Platform | None, tz: ZoneInfo) -> str:
    return t.DETAILS.format(
        fields=field_names(platform, approval.field),
        fingerprint=approval.short_fingerprint,
        resource=approval.resource_name,
        version=approval.version,
        when=when_text(approval.submitted_at, tz),
        submitter=approval.submitted_by,
    )


def state_text(approval: Approval, tz: ZoneInfo, *, expiry_days: int) -> str | None:
    """What was decided, for a closed approval (None while it waits)."""
    when = when_text(approval.decided_at, tz) if approval.decided_at else ""
    match approval.status:
        case ApprovalStatus.approved:
            return t.STATE_APPROVED.format(approvers=_mentions(approval.approved_by), when=when,
                                           version=approval.version)  # fmt: skip
        case ApprovalStatus.rejected:
            return t.STATE_REJECTED.format(user=approval.decided_by or "", when=when)
        case ApprovalStatus.expired:
            return t.STATE_EXPIRED(expiry_days, when=when)
        case ApprovalStatus.superseded:
            return t.STATE_SUPERSEDED
        case ApprovalStatus.approving:
            return t.STATE_APPROVING.format(approvers=_mentions(approval.approved_by))
    return None


def decision_buttons(approval: Approval) -> Block:
    value = ApprovalButton(approval_id=approval.id).dump()
    return actions(
        actions_block_id(approval.id),
        [
            button(t.BUTTON_APPROVE, ActionId.approve, value, style="primary"),
            button(t.BUTTON_REJECT, ActionId.reject, value, style="danger"),
        ],
    )


def card(
    approval: Approval,
    platform: Platform | None,
    *,
    tz: ZoneInfo,
    expiry_days: int,
    reminder: bool = False,
) -> dict[str, Any]:
    """The approvers' DM: what waits (never the value) with Approve / Reject while it is pending,
    else what was decided. The same message is re-rendered for every update in place."""
    name, environment = _name(platform, approval), approval.environment
    blocks: list[Block] = [header(t.REQUEST_HEADER.format(name=name, environment=environment))]
    if reminder and approval.status is ApprovalStatus.pending:
        blocks.append(context(t.REMINDER_INTRO))
    intro = t.REQUEST_INTRO.format(submitter=approval.submitted_by, name=name, environment=environment)
    blocks += [
        section(intro),
        section(_details(approval, platform, tz), block_id=block_id(approval.id)),
    ]
    decided = state_text(approval, tz, expiry_days=expiry_days)
    if decided is not None:
        blocks.append({**context(decided), "block_id": actions_block_id(approval.id)})
        return message(t.UPDATED_FALLBACK.format(name=name, environment=environment), blocks)
    progress = t.PROGRESS(
        len(approval.approved_by), required=approval.required, expires=when_text(approval.expires_at, tz)
    )
    if approval.approved_by:
        progress += " · " + t.APPROVED_SO_FAR.format(approvers=_mentions(approval.approved_by))
    blocks += [context(progress), decision_buttons(approval)]
    return message(t.REQUEST_FALLBACK.format(name=name, environment=environment), blocks)


def submitter_message(approval: Approval, platform: Platform | None, *, expiry_days: int) -> dict[str, Any]:
    """The submitter's DM once their credential was approved, rejected or expired."""
    values = {
        "name": _name(platform, approval),
        "environment": approval.environment,
        "platform": approval.platform,
        "fingerprint": approval.short_fingerprint,
        "version": approval.version,
    }
    if approval.status is ApprovalStatus.approved:
        text = t.SUBMITTER_APPROVED.format(approvers=_mentions(approval.approved_by), **values)
    elif approval.status is ApprovalStatus.rejected:
        text = t.SUBMITTER_REJECTED.format(user=approval.decided_by or "", **values)
    else:
        text = t.SUBMITTER_EXPIRED(expiry_days, **values)
    return message(text, [section(text)])


def no_approvers_message(approval: Approval, platform: Platform | None) -> dict[str, Any]:
    text = t.SUBMITTER_NO_APPROVERS.format(name=_name(platform, approval), environment=approval.environment)
    return message(text, [section(text)])


def reply(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


# --- the summary, `status` and the App Home ---------------------------------------------------------


def pending_line(
    *,
    fields: str,
    fingerprint: str,
    resource: str,
    version: str,
    submitter: str,
    submitted_at: datetime,
    approvals: int,
    required: int,
) -> str:
    """One version waiting, as the summary lists it."""
    return t.PENDING_LINE.format(
        fields=fields,
        fingerprint=fingerprint,
        resource=resource,
        version=version,
        submitter=submitter,
        when=when_text(submitted_at, UTC_ZONE),
        given=approvals,
        required=required,
    )


def summary_pending(lines: Sequence[str]) -> str:
    return t.SUMMARY_PENDING.format(lines="\n".join(lines))


def approvals_off() -> str:
    return t.SUMMARY_APPROVALS_OFF


def status_suffix(pending: Sequence[Approval]) -> str | None:
    """What `status` and the App Home add to a registration's line while a credential waits."""
    return t.STATUS_PENDING if pending else None


def status_lines(pending: Sequence[Approval], platform: Platform | None) -> list[str]:
    """One platform's checklist (`status <platform>`): each credential waiting, who, when."""
    return [
        t.STATUS_PENDING_LINE.format(
            fields=field_names(platform, approval.field),
            fingerprint=approval.short_fingerprint,
            submitter=approval.submitted_by,
            when=when_text(approval.submitted_at, UTC_ZONE),
        )
        for approval in pending
    ]


def home_blocks(pending: Sequence[Approval], catalogue: Catalogue, viewer: str, tz: ZoneInfo) -> list[Block]:
    """The admins' App Home section: every credential waiting, with Approve / Reject (none on the
    viewer's own submissions)."""
    waiting = [approval for approval in pending if approval.status is ApprovalStatus.pending]
    if not waiting:
        return [section(t.HOME_HEADER + "\n" + t.HOME_NONE)]
    blocks: list[Block] = [section(t.HOME_HEADER)]
    for approval in waiting[:HOME_MAX]:
        platform = platform_of(catalogue, approval)
        line = t.HOME_LINE.format(
            name=_name(platform, approval),
            environment=approval.environment,
            fields=field_names(platform, approval.field),
            fingerprint=approval.short_fingerprint,
            submitter=approval.submitted_by,
            when=when_text(approval.submitted_at, tz),
            given=len(approval.approved_by),
            required=approval.required,
        )
        blocks.append(section(line, block_id=block_id(approval.id)))
        if approval.submitted_by == viewer:
            blocks.append({**context(t.HOME_OWN), "block_id": actions_block_id(approval.id)})
        else:
            blocks.append(decision_buttons(approval))
    if len(waiting) > HOME_MAX:
        blocks.append(context(t.HOME_MORE.format(count=len(waiting) - HOME_MAX)))
    return blocks
