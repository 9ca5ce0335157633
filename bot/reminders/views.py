"""Follow-up DMs: the reminder digest with its buttons, the creator's heads-up, the in-place update
after a click, and the `remind` command's answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.reminders import texts as t
from bot.slack.blocks import Block, button, context, message, section
from core.i18n import format_day, format_short_moment

DIGEST_ITEMS_MAX = 20  # two blocks each, well inside a message's 50


class ActionId(StrEnum):
    """The digest's buttons; each button's value is the checklist item's id."""

    done = "reminder_done"
    snooze_day = "reminder_snooze_1d"
    snooze_week = "reminder_snooze_1w"
    open_checklist = "reminder_open_checklist"


SNOOZE_CHOICES = {ActionId.snooze_day: "1d", ActionId.snooze_week: "1w"}
ITEM_ID_MAX = 2**31 - 1  # checklist_items.id is an INTEGER


def _item_id(value: object) -> object:
    """Only what `ItemButton.dump` writes: ASCII digits (int() would also take " 7", "1_000", "٣")."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(ITEM_ID_MAX))):
            raise ValueError("not an item id")
        return int(value)
    return value


class ItemButton(BaseModel):
    """A digest button's value: the checklist item the button acts on."""

    model_config = ConfigDict(frozen=True, strict=True)

    item_id: Annotated[int, BeforeValidator(_item_id), Field(ge=1, le=ITEM_ID_MAX)]

    def dump(self) -> str:
        return str(self.item_id)

    @classmethod
    def load(cls, value: str | None) -> ItemButton | None:
        """The button `dump` wrote, or None for any other value ("abc", "1e309", 40 digits, "")."""
        try:
            return cls(item_id=value)  # type: ignore[arg-type]
        except ValidationError:
            return None


def item_block_id(item_id: int) -> str:
    return f"reminder_item:{item_id}"


def actions_block_id(item_id: int) -> str:
    return f"reminder_actions:{item_id}"


@dataclass(frozen=True)
class DigestItem:
    item_id: int
    title: str
    platform_name: str
    environment: str
    due_date: date | None = None


def when_text(moment: datetime, tz: ZoneInfo) -> str:
    """A time Slack shows in the reader's own zone; the fallback is in the owner's zone."""
    local = moment.astimezone(tz)
    fallback = f"{format_short_moment(local)} {local.tzname() or tz.key}"
    # The tokens are Slack's, filled in by Slack in the reader's language: not .format() fields.
    return f"<!date^{int(moment.timestamp())}^{t.WHEN_TOKENS}|{fallback}>"


def _item_line(item: DigestItem) -> str:
    due = t.DIGEST_DUE.format(date=format_day(item.due_date)) if item.due_date else ""
    return t.DIGEST_ITEM.format(
        title=item.title, platform=item.platform_name, environment=item.environment, due=due
    )


def item_blocks(item: DigestItem) -> list[Block]:
    value = ItemButton(item_id=item.item_id).dump()
    return [
        section(_item_line(item), block_id=item_block_id(item.item_id)),
        {
            "type": "actions",
            "block_id": actions_block_id(item.item_id),
            "elements": [
                button(t.BUTTON_DONE, ActionId.done, value, style="primary"),
                button(t.BUTTON_SNOOZE_DAY, ActionId.snooze_day, value),
                button(t.BUTTON_SNOOZE_WEEK, ActionId.snooze_week, value),
                button(t.BUTTON_OPEN, ActionId.open_checklist, value),
            ],
        },
    ]


def _items_section(items: Sequence[DigestItem]) -> list[Block]:
    blocks: list[Block] = []
    for item in items[:DIGEST_ITEMS_MAX]:
        blocks += item_blocks(item)
    if len(items) > DIGEST_ITEMS_MAX:
        blocks.append(context(t.DIGEST_MORE.format(count=len(items) - DIGEST_ITEMS_MAX)))
    return blocks


def digest_message(
    items: Sequence[DigestItem], *, next_at: datetime, tz: ZoneInfo, left_users: Sequence[str] = ()
) -> dict[str, Any]:
    """One DM per owner listing every due step, each with Done / Snooze / Open checklist."""
    count = len(items)
    intro, fallback = t.DIGEST_INTRO(count), t.DIGEST_FALLBACK(count)
    blocks: list[Block] = []
    if left_users:
        blocks.append(section(t.DIGEST_REASSIGNED.format(users=", ".join(f"<@{u}>" for u in left_users))))
    blocks.append(section(intro))
    blocks += _items_section(items)
    blocks.append(context(t.DIGEST_FOOTER.format(when=when_text(next_at, tz))))
    return message(fallback, blocks)


def escalation_message(owner_user_id: str, count: int, items: Sequence[DigestItem]) -> dict[str, Any]:
    """The registration creator's heads-up after K reminders to the owner (sent once)."""
    intro = t.ESCALATION_INTRO.format(owner=f"<@{owner_user_id}>", count=count)
    return message(t.ESCALATION_FALLBACK, [section(intro), *_items_section(items)])


def with_item_status(blocks: Sequence[Block], item_id: int, status: str) -> list[Block]:
    """The message's blocks with one item's buttons replaced by what happened ("done ✓ by …")."""
    result: list[Block] = []
    for block in blocks:
        block_id = block.get("block_id")
        if block_id == actions_block_id(item_id):
            result.append({**context(status), "block_id": actions_block_id(item_id)})
        else:
            result.append(block)
    return result


def updated_message(blocks: Sequence[Block], item_id: int, status: str) -> dict[str, Any]:
    """chat.update arguments for the in-place update of a digest."""
    return message(t.UPDATED_FALLBACK, with_item_status(blocks, item_id, status))


@dataclass(frozen=True)
class OpenItemLine:
    """One line of `remind`: a step and when the person next hears about it."""

    title: str
    platform_name: str
    environment: str
    due_date: date | None
    next_at: datetime | None
    snoozed_until: datetime | None


def remind_message(
    lines: Sequence[OpenItemLine],
    *,
    tz: ZoneInfo,
    start_hour: int,
    end_hour: int,
    repeat_days: int,
    keys: Sequence[str],
) -> dict[str, Any]:
    """`/codat-register remind`: your open steps, your next reminder for each, how to change it."""
    if not lines:
        return message(t.REMIND_NONE, [section(t.REMIND_NONE)])
    rows = []
    for line in lines:
        if line.snoozed_until is not None and line.next_at is not None:
            when = t.REMIND_SNOOZED.format(when=when_text(line.next_at, tz))
        elif line.next_at is not None:
            when = t.REMIND_NEXT.format(when=when_text(line.next_at, tz))
        else:
            when = t.REMIND_NOT_SCHEDULED
        due = t.DIGEST_DUE.format(date=format_day(line.due_date)) if line.due_date else ""
        rows.append(
            t.REMIND_ITEM.format(
                title=line.title,
                platform=line.platform_name,
                environment=line.environment,
                due=due,
                when=when,
            )
        )
    how = t.REMIND_HOW.format(
        start=start_hour,
        end=end_hour,
        tz=tz.key,
        repeat=repeat_days,
        keys=", ".join(f"`{key}`" for key in keys) or "—",
    )
    blocks = [section(f"*{t.REMIND_HEADER}*"), section("\n".join(rows)), context(how)]
    return message(t.REMIND_HEADER, blocks)
