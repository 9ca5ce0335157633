"""What the bot shows about a credential's expiry: the credentials step's date picker, the one line
the summary, `status` and the App Home share, and the reminder DMs (with Rotate now / Snooze)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.expiry import rules
from bot.expiry import texts as t
from bot.expiry.ids import ActionId, ExpiryButton, actions_block_id
from bot.slack.blocks import Block, actions, button, context, date_picker, input_block, message, section
from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.ids import BlockId
from core.i18n import format_long_day

if TYPE_CHECKING:
    from bot.wizard.snapshot import Snapshot


def picker_block(snapshot: Snapshot) -> Block:
    """The credentials step's "when does this secret expire?": the stored date, else the rule's."""
    today = snapshot.today or date.today()
    initial = rules.suggested(snapshot.platform, today, snapshot.expires_on)
    hint = rules.rule_text(snapshot.platform) or t.PICKER_HINT
    element = date_picker(WizardAction.credential_expiry, initial)
    return input_block(BlockId.credential_expiry, t.PICKER_LABEL, element, hint=hint, optional=True)


def expiry_line(expires_on: date | None, today: date) -> str | None:
    """ "⏳ Expires on 30 June 2027 (in 211 days)", "❌ Expired on …"; None without a date."""
    if expires_on is None:
        return None
    days, when = (expires_on - today).days, format_long_day(expires_on)
    if days < 0:
        return str(t.LINE_EXPIRED.format(date=when))
    if days == 0:
        return str(t.LINE_TODAY.format(date=when))
    return str(t.LINE_FUTURE(days, date=when))


def reminder_message(
    *, registration_id: str, name: str, environment: str, expires_on: date, today: date, owner: str
) -> dict[str, Any]:
    """The DM before the expiry (or once expired): what expires when, who owns it, and the buttons.
    On the expiry day itself it is the escalation: the credential counts as expired."""
    days, when = (expires_on - today).days, format_long_day(expires_on)
    if expires_on <= today:
        fallback = t.EXPIRED_FALLBACK.format(name=name, environment=environment)
        text = t.EXPIRED_TEXT.format(name=name, environment=environment, date=when)
    else:
        fallback = t.REMINDER_FALLBACK(days, name=name, environment=environment)
        text = t.REMINDER_TEXT(days, name=name, environment=environment, date=when)
    value = ExpiryButton(registration_id=registration_id).dump()
    blocks = [
        section(text),
        context(t.OWNER_LINE.format(owner=owner)),
        actions(
            actions_block_id(registration_id),
            [
                button(t.BUTTON_ROTATE, ActionId.rotate, value, style="primary"),
                button(t.BUTTON_SNOOZE, ActionId.snooze, value),
            ],
        ),
    ]
    return message(fallback, blocks)
