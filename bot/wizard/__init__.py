"""The registration wizard.

- `flow`: opening, submissions and every write (registrations, checklist items, audit).
- `answers`: parsing and validating submitted view state; `mailbox`: the generic-mailbox rules.
- `read_model`: a registration as the wizard shows it; the picker and Edit updates.
- `runtime`: per-process state; `slack_calls`: the Slack calls made after an ack.
- `storage.wizard_rows`: the SQL.
"""

from bot.wizard.read_model import active_step, edit_step, load, platform_selected, snapshot, view_at
from bot.wizard.runtime import runtime
from bot.wizard.slack_calls import HashConflict, open_view, prefetch_profile, profile, send_dm, update_view
from storage.wizard_rows import (
    INSERT_AUDIT,
    ITEM_FIELDS,
    UPDATE_ITEM,
    UPDATE_REGISTRATION,
    one_writer,
    other_in_progress,
    read_rows,
    writing,
)

__all__ = [
    "INSERT_AUDIT",
    "ITEM_FIELDS",
    "UPDATE_ITEM",
    "UPDATE_REGISTRATION",
    "HashConflict",
    "active_step",
    "edit_step",
    "load",
    "one_writer",
    "open_view",
    "other_in_progress",
    "platform_selected",
    "prefetch_profile",
    "profile",
    "read_rows",
    "runtime",
    "send_dm",
    "snapshot",
    "update_view",
    "view_at",
    "writing",
]
