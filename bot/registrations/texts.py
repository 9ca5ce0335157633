"""Texts of `status`: one line per registration, or one platform's whole checklist."""

from __future__ import annotations

from bot.slack.texts import COMMAND
from storage.statuses import ItemStatus

STATUS_EMPTY = f"No registrations yet. Start one with `{COMMAND} start`."
STATUS_HEADER = "Registrations in this workspace"
STATUS_LINE = "*{name}* · {environment} · {done}/{total} done · {state}"
STATUS_NEXT = "next: {title}"
STATUS_COMPLETE = "complete ✓"
STATUS_CANCELLED = "cancelled"
STATUS_FINISH = f"next: the summary, in `{COMMAND} start {{platform}} {{environment}}`"
STATUS_NONE_FOR_PLATFORM = "No {name} registration yet. Start one with `" + COMMAND + " start {query}`."
STATUS_ITEM = "{mark} {title}{owner}{due}"
STATUS_OWNER = " · <@{user}>"
STATUS_DUE = " · due {date}"
STATUS_MARKS = {ItemStatus.todo: "◻️", ItemStatus.done: "✅", ItemStatus.not_applicable: "➖"}
STATUS_CREDENTIALS = "Stored: {fields}"

# --- /codat-register cancel ----------------------------------------------------------------------
CANCEL_USAGE = (
    f"Usage: `{COMMAND} cancel <platform> [sandbox|production]`, e.g. `{COMMAND} cancel xero sandbox`."
)
CANCELLED = (
    "Cancelled the *{name}* · {environment} registration: its reminders have stopped. Nothing was "
    f"deleted — `{COMMAND} status {{platform}}` still shows it, and `{COMMAND} start {{platform}} "
    "{environment}` begins a new one."
)
CANCEL_REFUSED = (
    "Sorry — only the person who started the *{name}* · {environment} registration can cancel it: "
    "ask the creator, <@{creator}>."
)
CANCEL_NONE = (
    "There is no {name} registration in progress to cancel. "
    f"`{COMMAND} status {{platform}}` shows its registrations."
)
CANCEL_AMBIGUOUS = (
    "{name} has a registration in progress in both sandbox and production: add `sandbox` or "
    f"`production`, e.g. `{COMMAND} cancel {{platform}} sandbox`."
)
