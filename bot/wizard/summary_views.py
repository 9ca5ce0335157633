"""Step 5 of the registration wizard, the summary, and the closing DM: what was stored where (never
a value, and what still waits for approval), what is left, and where the keys go in Codat."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.approvals import views as approval_views
from bot.codat.views import read_back_text, then_verify_text
from bot.expiry import views as expiry_views
from bot.registrations.checklist import ENABLED_IN_CODAT
from bot.slack.blocks import actions, button, header, section
from bot.wizard import texts as t
from bot.wizard.credentials import JSON_FIELD
from bot.wizard.ids import EDITABLE_STEPS, ActionId, BlockId, Metadata, Step
from bot.wizard.snapshot import Snapshot
from bot.wizard.views import modal
from core.i18n import format_day


def stored_names(snapshot: Snapshot, field: str) -> str:
    """What a stored reference holds, in the platform's words (never the value)."""
    platform = snapshot.platform
    if field == JSON_FIELD and platform.store_as_json:
        return " + ".join(f.label for f in platform.credential_fields)
    try:
        return platform.label_for(field)
    except KeyError:
        return field


def summary_text(snapshot: Snapshot) -> str:
    platform, environment = snapshot.platform, snapshot.environment
    if not snapshot.open_items:
        return t.SUMMARY_COMPLETE.format(name=platform.name, environment=environment)
    return t.SUMMARY_OPEN.format(
        name=platform.name, environment=environment, open=t.ITEMS_OPEN(len(snapshot.open_items))
    )


def stored_text(snapshot: Snapshot) -> str:
    platform = snapshot.platform
    if not platform.credentials_required:
        return t.SUMMARY_NO_CREDENTIALS.format(reason=platform.no_credentials_reason or "")
    parts = [_current_text(snapshot), *_approval_texts(snapshot)]
    return "\n\n".join(part for part in parts if part)


def _current_text(snapshot: Snapshot) -> str | None:
    if not snapshot.stored:
        return None if snapshot.pending else t.SUMMARY_NOTHING_STORED
    lines = "\n".join(
        t.SUMMARY_STORED_LINE.format(
            fields=stored_names(snapshot, ref.field),
            fingerprint=ref.fingerprint,
            resource=ref.resource_name,
            version=ref.version,
        )
        for ref in snapshot.stored
    )
    expiry = expiry_views.expiry_line(snapshot.expires_on, snapshot.today or date.today())
    if expiry:
        lines += "\n" + expiry
    # The label of a development vault says "development only" itself.
    return t.SUMMARY_STORED.format(location=snapshot.vault_label, lines=lines)


def _approval_texts(snapshot: Snapshot) -> list[str]:
    """Four eyes: versions waiting for approval (who submitted them, when), or that approvals
    are off for this production registration (PRODUCTION_APPROVALS=0)."""
    texts = []
    if snapshot.pending:
        lines = [
            approval_views.pending_line(
                fields=stored_names(snapshot, pending.field),
                fingerprint=pending.fingerprint,
                resource=pending.resource_name,
                version=pending.version,
                submitter=pending.submitted_by,
                submitted_at=pending.submitted_at,
                approvals=pending.approvals,
                required=pending.required,
            )
            for pending in snapshot.pending
        ]
        texts.append(approval_views.summary_pending(lines))
    if snapshot.approvals_required == 0:
        texts.append(approval_views.approvals_off())
    return texts


def remaining_text(snapshot: Snapshot) -> str:
    if not snapshot.open_items:
        return t.SUMMARY_ALL_DONE
    lines = "\n".join(
        t.SUMMARY_REMAINING_LINE.format(
            title=item.title,
            owner=item.owner or snapshot.user_id,
            due=t.SUMMARY_DUE.format(date=format_day(item.due)) if item.due else "",
        )
        for item in snapshot.open_items
    )
    return t.SUMMARY_REMAINING.format(lines=lines)


def next_text(snapshot: Snapshot) -> str:
    """Where the keys go (the Codat Portal's page), how a person with the accessor role reads them
    (the bot never does), and that "Enabled in Codat" then ticks itself."""
    platform = snapshot.platform
    template = t.SUMMARY_NEXT if platform.credentials_required else t.SUMMARY_NEXT_NO_CREDENTIALS
    text = template.format(path=platform.portal_path)
    if platform.portal_link:
        text += "\n" + t.SUMMARY_PORTAL_LINK.format(url=platform.portal_link)
    read_back = read_back_text([ref.resource_name for ref in snapshot.stored])
    if platform.credentials_required and read_back:
        text += "\n" + read_back
    if snapshot.item(ENABLED_IN_CODAT) is not None:
        text += "\n" + then_verify_text(platform, snapshot.environment)
    return text


def summary_view(snapshot: Snapshot) -> dict[str, Any]:
    """Step 5: where everything went and what is left, with an Edit button per step."""
    platform = snapshot.platform
    buttons = [
        button(t.EDIT_BUTTONS[step.value], f"{ActionId.edit_step}_{step.value}", step.value)
        for step in EDITABLE_STEPS
    ]
    blocks = [
        header(t.HEADER.format(name=platform.name, environment=snapshot.environment)),
        section(summary_text(snapshot), block_id=BlockId.notice),
        section(stored_text(snapshot), block_id=BlockId.stored),
        section(remaining_text(snapshot), block_id=BlockId.remaining),
        section(next_text(snapshot), block_id=BlockId.next_action),
        actions(BlockId.edit, buttons),
    ]
    metadata = Metadata(Step.summary, snapshot.registration_id)
    return modal(title=t.TITLE_STEPS[Step.summary], blocks=blocks, metadata=metadata, close=t.CLOSE_DONE)


def dm_message(snapshot: Snapshot) -> tuple[str, list[dict[str, Any]]]:
    """The confirmation DM at the end: state, what was stored where (never a value), next action."""
    platform = snapshot.platform
    count = len(snapshot.open_items)
    state = t.DM_COMPLETE if not count else t.DM_OPEN.format(open=t.ITEMS_OPEN(count))
    text = t.DM_TEXT.format(name=platform.name, environment=snapshot.environment, state=state)
    texts = (summary_text(snapshot), stored_text(snapshot), remaining_text(snapshot), next_text(snapshot))
    blocks = [section(text) for text in texts]
    return text, blocks
