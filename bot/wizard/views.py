"""The registration wizard's modal: its shared pieces, the platform picker, the loading and closed views.

Views only render what the domain decided. Every block comes from bot.slack.blocks (plain dicts,
clipped or checked against Slack's limits). Steps 2–4 are in step_views.py, the summary in summary_views.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.catalogue import UNKNOWN, Catalogue, Platform
from bot.slack.blocks import (
    CHECKBOX_OPTIONS_MAX,
    Block,
    checkboxes,
    context,
    date_picker,
    divider,
    header,
    input_block,
    option,
    option_group,
    radio_buttons,
    section,
    static_select,
    users_select,
)
from bot.slack.blocks import modal as slack_modal
from bot.wizard import texts as t
from bot.wizard.ids import ActionId, BlockId, CallbackId, Metadata, Step, due_block, owner_block
from bot.wizard.snapshot import default_environment

if TYPE_CHECKING:
    from bot.wizard.snapshot import Snapshot

# --- shared pieces -----------------------------------------------------------------------------------


def modal(
    *,
    title: str,
    blocks: Sequence[Block],
    metadata: Metadata | None = None,
    submit: str | None = None,
    close: str = t.CLOSE,
) -> dict[str, Any]:
    """A wizard modal (ValueError past Slack's block and private_metadata limits)."""
    return slack_modal(
        callback_id=CallbackId.wizard,
        title=title,
        blocks=blocks,
        close=close,
        submit=submit,
        private_metadata=metadata.dump() if metadata else None,
    )


def radio(action_id: str, choices: Mapping[str, str], selected: str | None) -> Block:
    options = [option(value, text) for value, text in choices.items()]
    initial = next((o for o in options if o["value"] == selected), None)
    return radio_buttons(action_id, options, initial)


def checkbox_blocks(
    block_id: str, action_id: str, label: str, choices: Sequence[tuple[str, str]], checked: set[str]
) -> list[Block]:
    """Optional checkboxes, split into blocks of 10 options (Slack's limit per element)."""
    blocks: list[Block] = []
    for start in range(0, len(choices), CHECKBOX_OPTIONS_MAX):
        chunk = [option(value, text) for value, text in choices[start : start + CHECKBOX_OPTIONS_MAX]]
        element = checkboxes(action_id, chunk, [o for o in chunk if o["value"] in checked])
        suffix = "" if start == 0 else f"_{start // CHECKBOX_OPTIONS_MAX + 1}"
        blocks.append(input_block(f"{block_id}{suffix}", label, element, optional=True))
    return blocks


def assignment_blocks(step: Step, owner: str | None, due: date | None) -> list[Block]:
    """Owner (default: the person registering) and optional due date for a step's open items."""
    return [
        input_block(
            owner_block(step),
            t.OWNER_LABEL,
            users_select(ActionId.owner, owner),
            hint=t.OWNER_HINT,
            optional=True,
        ),
        input_block(
            due_block(step), t.DUE_LABEL, date_picker(ActionId.due, due), hint=t.DUE_HINT, optional=True
        ),
    ]


def step_header(snapshot: Snapshot, step: Step, editing: bool) -> list[Block]:
    platform = snapshot.platform
    note = (
        t.EDIT_CONTEXT
        if editing
        else t.STEP_CONTEXT.format(number=step.number, command=t.COMMAND, platform=platform.id)
    )
    return [header(t.HEADER.format(name=platform.name, environment=snapshot.environment)), context(note)]


# --- views without a registration ----------------------------------------------------------------------


def loading_view() -> dict[str, Any]:
    return modal(title=t.TITLE_LOADING, blocks=[section(t.LOADING, block_id=BlockId.notice)])


def gone_view() -> dict[str, Any]:
    """The registration in private_metadata no longer exists here, or was cancelled."""
    return modal(title=t.TITLE_GONE, blocks=[section(t.GONE, block_id=BlockId.notice)])


def platform_lines(platform: Platform) -> list[str]:
    """What registering takes: credentials, mailbox rule, sandbox, hurdles, links (one text each)."""
    lines = []
    if platform.credentials_required:
        fields = ", ".join(
            f.label + (t.PLATFORM_SECRET_MARK if f.secret else "") for f in platform.credential_fields
        )
        lines.append(t.PLATFORM_CREDENTIALS.format(fields=fields))
    else:
        lines.append(t.PLATFORM_NO_CREDENTIALS.format(reason=platform.no_credentials_reason or ""))
    if platform.requires_generic_mailbox:
        lines.append(t.PLATFORM_MAILBOX_REQUIRED.format(name=platform.name))
    elif platform.developer_registration is not False:
        lines.append(t.PLATFORM_MAILBOX_RECOMMENDED)
    if platform.sandbox and platform.sandbox != UNKNOWN:
        lines.append(t.PLATFORM_SANDBOX.format(text=platform.sandbox))
    if platform.hurdles:
        hurdles = "\n".join(f"• {hurdle.text}" for hurdle in platform.hurdles)
        lines.append(t.PLATFORM_HURDLES.format(lines=hurdles))
    if platform.docs:
        links = " · ".join(f"<{link.url}|{link.title}>" for link in platform.docs)
        lines.append(t.PLATFORM_DOCS.format(links=links))
    return lines


def picker_view(
    catalogue: Catalogue,
    *,
    platform: Platform | None = None,
    environment: str | None = None,
    resume_step: Step | None = None,
) -> dict[str, Any]:
    """Step 1: the catalogue grouped by category; with a platform chosen, its summary below."""
    groups = [
        option_group(category.title, [option(p.id, p.name) for p in platforms])
        for category, platforms in catalogue.by_category().items()
        if platforms
    ]
    initial = option(platform.id, platform.name) if platform and platform.id in catalogue else None
    select = static_select(
        ActionId.platform_select,
        placeholder=t.PLATFORM_PLACEHOLDER,
        option_groups=groups,
        initial_option=initial,
    )
    env = environment or default_environment(platform)
    blocks: list[Block] = [
        section(t.PICKER_INTRO),
        input_block(BlockId.platform, t.PLATFORM_LABEL, select, dispatch_action=True),
        input_block(
            BlockId.environment,
            t.ENVIRONMENT_LABEL,
            radio(ActionId.environment, t.ENVIRONMENT_OPTIONS, env),
            hint=t.ENVIRONMENT_HINT,
        ),
    ]
    if platform is not None:
        lines = platform_lines(platform)
        blocks += [divider(), section(lines[0], block_id=BlockId.platform_summary)]
        blocks += [section(line) for line in lines[1:]]
        if resume_step is not None:
            blocks.append(context(t.PLATFORM_RESUME.format(number=resume_step.number)))
    return modal(
        title=t.TITLE_STEPS[Step.platform],
        blocks=blocks,
        metadata=Metadata(Step.platform),
        submit=t.SUBMIT_NEXT,
    )
