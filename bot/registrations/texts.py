"""Texts of `status`: one line per registration, or one platform's whole checklist."""

from __future__ import annotations

from bot.slack.texts import COMMAND

STATUS_EMPTY = f"No registrations yet. Start one with `{COMMAND} start`."
STATUS_HEADER = "Registrations in this workspace"
STATUS_LINE = "*{name}* · {environment} · {done}/{total} done · {state}"
STATUS_NEXT = "next: {title}"
STATUS_COMPLETE = "complete ✓"
STATUS_CANCELLED = "cancelled"
STATUS_NONE_FOR_PLATFORM = "No {name} registration yet. Start one with `" + COMMAND + " start {query}`."
STATUS_ITEM = "{mark} {title}{owner}{due}"
STATUS_OWNER = " · <@{user}>"
STATUS_DUE = " · due {date}"
STATUS_MARKS = {"todo": "◻️", "done": "✅", "skipped": "⏭️", "n/a": "➖"}
STATUS_CREDENTIALS = "Stored: {fields}"
