"""Every text the follow-ups show: DM digests, escalations, buttons, and the remind/snooze/done commands."""

from __future__ import annotations

from bot.slack.texts import COMMAND

# --- the DM digest ----------------------------------------------------------------------------
DIGEST_FALLBACK_ONE = "Reminder: 1 Codat registration step is waiting on you"
DIGEST_FALLBACK_MANY = "Reminder: {count} Codat registration steps are waiting on you"
DIGEST_INTRO_ONE = "👋 One step of a Codat registration is still waiting on you:"
DIGEST_INTRO_MANY = "👋 {count} steps of your Codat registrations are still waiting on you:"
DIGEST_REASSIGNED = (
    "{users} left the workspace, so their open steps are yours now (you started these registrations)."
)
DIGEST_ITEM = "*{title}*\n{platform} · {environment}{due}"
DIGEST_DUE = " · due {date}"
DIGEST_MORE = f"…and {{count}} more: `{COMMAND} remind` lists them all."
DIGEST_FOOTER = (
    f"Next reminder {{when}} (your working hours). Mark steps done or snooze them here, "
    f"or with `{COMMAND} done` / `{COMMAND} snooze`."
)

BUTTON_DONE = "Done"
BUTTON_SNOOZE_DAY = "Snooze 1 day"
BUTTON_SNOOZE_WEEK = "Snooze 1 week"
BUTTON_OPEN = "Open checklist"

# --- the in-place update after a click ----------------------------------------------------------
ITEM_DONE = "done ✓ by <@{user}>"
ITEM_DONE_COMPLETED = " · that was the last step: the registration is complete ✓"
ITEM_SNOOZED = "snoozed until {when} by <@{user}>"
ITEM_ALREADY_CLOSED = "already {status} ✓"
ITEM_REGISTRATION_CLOSED = "registration {status}: no more reminders"
UPDATED_FALLBACK = "Reminder updated"

# --- telling the registration's creator ---------------------------------------------------------
ESCALATION_FALLBACK = "Some registration steps are still open after several reminders"
ESCALATION_INTRO = (
    "Heads-up: I've reminded {owner} {count} times and these steps of a registration you started "
    "are still open. You can mark them done or snooze them here too:"
)

# --- refusals and problems (ephemeral) ------------------------------------------------------------
REFUSAL = (
    "Sorry — only the step's owner ({owner}) or the person who started the registration "
    "({creator}) can mark it done or snooze it. You could ask them in a message."
)
REFUSAL_PLATFORM = (
    "Sorry — none of the open {platform} steps are yours, and you didn't start that registration, "
    "so I can't change their reminders. Their owners or the person who started it can."
)
ITEM_GONE = "That step no longer exists — the registration may have been removed."
NO_OWNER = "nobody yet"
OPEN_UNAVAILABLE = f"The checklist can't be opened right now. `{COMMAND} status` shows it too."

# --- /codat-register remind -----------------------------------------------------------------------
REMIND_NONE = f"Nothing is waiting on you — no reminders coming. `{COMMAND} status` shows every registration."
REMIND_HEADER = "Your open registration steps"
REMIND_ITEM = "*{title}* · {platform} · {environment}{due} — {when}"
REMIND_NEXT = "next reminder {when}"
REMIND_SNOOZED = "snoozed until {when}"
REMIND_NOT_SCHEDULED = "no reminder scheduled"
REMIND_HOW = (
    "I remind you on working days, {start:02d}:00–{end:02d}:00 in your Slack time zone ({tz}), "
    "every {repeat} business days while a step is open.\n"
    f"• `{COMMAND} snooze <platform> 1d` / `1w` / `until YYYY-MM-DD` pauses a platform's reminders\n"
    f"• `{COMMAND} done <platform> <step>` marks a step done (step keys: {{keys}})"
)

# --- /codat-register snooze and done -------------------------------------------------------------
SNOOZE_USAGE = (
    f"Usage: `{COMMAND} snooze <platform> <1d|1w|until YYYY-MM-DD>`, e.g. `{COMMAND} snooze xero 1w`."
)
SNOOZE_BAD_WHEN = "I can't snooze until `{when}`: use `1d`, `1w` or `until YYYY-MM-DD` with a future date."
SNOOZED_PLATFORM = "Snoozed {count} open {platform} step(s) until {when}. I'll remind you then."
DONE_USAGE = f"Usage: `{COMMAND} done <platform> <step>`, e.g. `{COMMAND} done xero vault_approved`."
DONE_MARKED = "Marked *{title}* ({platform}, {environment}) done ✓. No more reminders for it."
DONE_COMPLETED = " That was the last open step: the {platform} {environment} registration is complete ✓."
DONE_ALREADY = "*{title}* ({platform}) is already {status}."
DONE_UNKNOWN_ITEM = "{platform} has no open step called `{word}`. Open steps: {keys}."
DONE_AMBIGUOUS = "`{word}` is open in more than one {platform} registration: add `sandbox` or `production`."
NO_REGISTRATION = f"There is no {{platform}} registration in progress. `{COMMAND} status` shows them all."
NOTHING_OPEN = "Every {platform} step is already done — nothing to snooze."
