"""The registration wizard's modal: shared pieces, the platform picker, loading and closed views.

Every view is built with `slack_sdk.models` (whose `to_dict()` enforces Slack's limits: title ≤ 24,
≤ 100 blocks, private_metadata ≤ 3000, option text ≤ 75, labels and hints ≤ 2000) plus the clips
below for texts that come from the catalogue. The steps after the picker live in wizard_steps.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.catalogue import UNKNOWN, Catalogue, Platform
from bot.registrations.checklist import Phase
from bot.slack.blocks import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    CHECKBOX_OPTIONS_MAX,
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    HINT_MAX,
    LABEL_MAX,
    METADATA_MAX,
    OPTION_TEXT_MAX,
    OPTION_VALUE_MAX,
    SECTION_TEXT_MAX,
    TITLE_MAX,
    clip,
)
from bot.wizard import texts as t
from bot.wizard.ids import ActionId, BlockId, CallbackId, Metadata, Step, due_block, owner_block

# --- what the flow hands the views -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    key: str
    title: str
    phase: Phase | None  # None: an item the checklist no longer defines
    status: str
    owner: str | None
    due: date | None


@dataclass(frozen=True)
class StoredView:
    field: str
    fingerprint: str
    resource_name: str
    version: str


@dataclass(frozen=True)
class Snapshot:
    """A registration as the wizard shows it. Holds no secret: only references to stored values."""

    registration_id: str
    team_id: str
    platform: Platform
    environment: str
    step: Step  # where the registration stands
    status: str
    user_id: str  # who is looking (default owner)
    vault_label: str
    vault_development_only: bool
    answers: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[ItemView, ...] = ()
    stored: tuple[StoredView, ...] = ()
    rows: Any = field(default=None, repr=False, compare=False)  # what it was read from (the flow saves)

    def items_of(self, phase: Phase) -> list[ItemView]:
        return [item for item in self.items if item.phase is phase]

    def keys_of(self, phase: Phase) -> tuple[str, ...]:
        return tuple(item.key for item in self.items if item.phase is phase)

    def item(self, key: str) -> ItemView | None:
        return next((item for item in self.items if item.key == key), None)

    def done(self, key: str) -> bool:
        item = self.item(key)
        return item is not None and item.status == "done"

    def stored_field(self, key: str) -> StoredView | None:
        return next((ref for ref in self.stored if ref.field == key), None)

    @property
    def stored_fields(self) -> frozenset[str]:
        return frozenset(ref.field for ref in self.stored)

    @property
    def open_items(self) -> list[ItemView]:
        return [item for item in self.items if item.status == "todo"]


# --- small builders ----------------------------------------------------------------------------------


def modal(
    *,
    title: str,
    blocks: Sequence[Block],
    metadata: Metadata | None = None,
    submit: str | None = None,
    close: str = t.CLOSE,
) -> dict[str, Any]:
    """A validated modal dict (raises SlackObjectFormationError when a limit is broken)."""
    if len(blocks) > BLOCKS_MAX:
        raise ValueError(f"{len(blocks)} blocks: a modal holds at most {BLOCKS_MAX}")
    view = View(
        type="modal",
        callback_id=CallbackId.wizard.value,
        title=clip(title, TITLE_MAX),
        submit=submit,
        close=close,
        blocks=list(blocks),
        private_metadata=metadata.dump() if metadata else None,
    )
    return view.to_dict()


def plain_modal(
    *, title: str, blocks: list[dict[str, Any]], metadata: Metadata, close: str
) -> dict[str, Any]:
    """A modal built as plain dicts, for the hot path (the summary acked after the vault write):
    the same limits slack_sdk enforces, checked here (and the tests run slack_sdk over it too)."""
    private_metadata = metadata.dump()
    if len(blocks) > BLOCKS_MAX or len(private_metadata) > METADATA_MAX:
        raise ValueError("a modal holds at most 100 blocks and 3000 characters of private_metadata")
    return {
        "type": "modal",
        "callback_id": CallbackId.wizard.value,
        "title": _plain(clip(title, TITLE_MAX)),
        "close": _plain(clip(close, TITLE_MAX)),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def plain_section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)},
    }
    if block_id:
        block["block_id"] = block_id
    return block


def plain_header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(clip(text, HEADER_TEXT_MAX))}


def plain_button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": _plain(clip(text, BUTTON_TEXT_MAX)),
        "action_id": action_id,
        "value": value,
    }


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, CONTEXT_TEXT_MAX))])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(text, HEADER_TEXT_MAX))


def option(value: str, text: str) -> Option:
    return Option(value=value[:OPTION_VALUE_MAX], label=clip(text, OPTION_TEXT_MAX))


def input_block(
    block_id: str, label: str, element: Any, *, hint: str | None = None, optional: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=clip(label, LABEL_MAX),
        element=element,
        hint=clip(hint, HINT_MAX) if hint else None,
        optional=optional,
    )


def radio(action_id: str, choices: Mapping[str, str], selected: str | None) -> RadioButtonsElement:
    options = [option(value, text) for value, text in choices.items()]
    initial = next((o for o in options if o.value == selected), None)
    return RadioButtonsElement(action_id=action_id, options=options, initial_option=initial)


def checkbox_blocks(
    block_id: str, action_id: str, label: str, choices: Sequence[tuple[str, str]], checked: set[str]
) -> list[Block]:
    """Optional checkboxes, split into blocks of 10 options (Slack's limit per element)."""
    blocks: list[Block] = []
    for start in range(0, len(choices), CHECKBOX_OPTIONS_MAX):
        chunk = [option(value, text) for value, text in choices[start : start + CHECKBOX_OPTIONS_MAX]]
        initial = [o for o in chunk if o.value in checked] or None
        element = CheckboxesElement(action_id=action_id, options=chunk, initial_options=initial)
        suffix = "" if start == 0 else f"_{start // CHECKBOX_OPTIONS_MAX + 1}"
        blocks.append(input_block(f"{block_id}{suffix}", label, element, optional=True))
    return blocks


def assignment_blocks(step: Step, owner: str | None, due: date | None) -> list[Block]:
    """Owner (default: the person registering) and optional due date for a step's open items."""
    return [
        input_block(
            owner_block(step),
            t.OWNER_LABEL,
            UserSelectElement(action_id=ActionId.owner.value, initial_user=owner),
            hint=t.OWNER_HINT,
            optional=True,
        ),
        input_block(
            due_block(step),
            t.DUE_LABEL,
            DatePickerElement(action_id=ActionId.due.value, initial_date=due.isoformat() if due else None),
            hint=t.DUE_HINT,
            optional=True,
        ),
    ]


def step_header(snapshot: Snapshot, step: Step, editing: bool) -> list[Block]:
    platform = snapshot.platform
    note = (
        t.EDIT_CONTEXT
        if editing
        else t.STEP_CONTEXT.format(number=step.number, command=t.COMMAND, platform=platform.id)
    )
    return [
        header(t.HEADER.format(name=platform.name, environment=snapshot.environment)),
        context(note),
    ]


# --- views without a registration ----------------------------------------------------------------------


def loading_view() -> dict[str, Any]:
    return modal(title=t.TITLE_LOADING, blocks=[section(t.LOADING, BlockId.notice)])


def gone_view() -> dict[str, Any]:
    """The registration in private_metadata no longer exists here, or was cancelled."""
    return modal(title=t.TITLE_GONE, blocks=[section(t.GONE, BlockId.notice)])


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


def default_environment(platform: Platform | None) -> str:
    """Sandbox when the platform offers one (or none is chosen yet), else production."""
    return "sandbox" if platform is None or platform.has_sandbox else "production"


def picker_view(
    catalogue: Catalogue,
    *,
    platform: Platform | None = None,
    environment: str | None = None,
    resume_step: Step | None = None,
) -> dict[str, Any]:
    """Step 1: the catalogue grouped by category; with a platform chosen, its summary below."""
    groups = [
        OptionGroup(
            label=clip(category.title, OPTION_TEXT_MAX),
            options=[option(p.id, p.name) for p in platforms],
        )
        for category, platforms in catalogue.by_category().items()
        if platforms
    ]
    initial = option(platform.id, platform.name) if platform and platform.id in catalogue else None
    select = StaticSelectElement(
        action_id=ActionId.platform_select.value,
        placeholder=t.PLATFORM_PLACEHOLDER,
        option_groups=groups,
        initial_option=initial,
    )
    platform_input = input_block(BlockId.platform, t.PLATFORM_LABEL, select)
    platform_input.dispatch_action = True
    env = environment or default_environment(platform)
    blocks: list[Block] = [
        section(t.PICKER_INTRO),
        platform_input,
        input_block(
            BlockId.environment,
            t.ENVIRONMENT_LABEL,
            radio(ActionId.environment.value, t.ENVIRONMENT_OPTIONS, env),
            hint=t.ENVIRONMENT_HINT,
        ),
    ]
    if platform is not None:
        lines = platform_lines(platform)
        blocks += [DividerBlock(), section(lines[0], BlockId.platform_summary)]
        blocks += [section(line) for line in lines[1:]]
        if resume_step is not None:
            blocks.append(context(t.PLATFORM_RESUME.format(number=resume_step.number)))
    return modal(
        title=t.TITLE_STEPS[Step.platform],
        blocks=blocks,
        metadata=Metadata(Step.platform),
        submit=t.SUBMIT_NEXT,
    )
