"""Every text the follow-ups show: DM digests, escalations, buttons, and the remind/snooze/done commands."""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    # --- the DM digest ----------------------------------------------------------------------------
    "DIGEST_FALLBACK": NP_(
        "Reminder: {count} Codat registration step is waiting on you",
        "Reminder: {count} Codat registration steps are waiting on you",
    ),
    "DIGEST_INTRO": NP_(
        "👋 One step of a Codat registration is still waiting on you:",
        "👋 {count} steps of your Codat registrations are still waiting on you:",
    ),
    "DIGEST_REASSIGNED": N_(
        "{users} left the workspace, so their open steps are yours now (you started these registrations)."
    ),
    "DIGEST_ITEM": N_("*{title}*\n{platform} · {environment}{due}"),
    "DIGEST_DUE": N_(" · due {date}"),
    "DIGEST_MORE": N_("…and {count} more: `/codat-register remind` lists them all."),
    "DIGEST_FOOTER": N_(
        "Next reminder {when} (your working hours). Mark steps done or snooze them here, or with "
        "`/codat-register done` / `/codat-register snooze`."
    ),
    # Slack's date tokens (filled in by Slack, in the reader's language), around the literal words.
    "WHEN_TOKENS": N_("{date_short_pretty} at {time}"),
    "BUTTON_DONE": N_("Done"),
    "BUTTON_SNOOZE_DAY": N_("Snooze 1 day"),
    "BUTTON_SNOOZE_WEEK": N_("Snooze 1 week"),
    "BUTTON_OPEN": N_("Open checklist"),
    # --- the in-place update after a click ----------------------------------------------------------
    "ITEM_DONE": N_("done ✓ by <@{user}>"),
    "ITEM_DONE_COMPLETED": N_(" · that was the last step: the registration is complete ✓"),
    "ITEM_SNOOZED": N_("snoozed until {when} by <@{user}>"),
    "ITEM_ALREADY_CLOSED": N_("already {status} ✓"),
    "ITEM_REGISTRATION_CLOSED": N_("registration {status}: no more reminders"),
    "UPDATED_FALLBACK": N_("Reminder updated"),
    # --- telling the registration's creator ---------------------------------------------------------
    "ESCALATION_FALLBACK": N_("Some registration steps are still open after several reminders"),
    "ESCALATION_INTRO": N_(
        "Heads-up: I've reminded {owner} {count} times and these steps of a registration you started "
        "are still open. You can mark them done or snooze them here too:"
    ),
    # --- refusals and problems (ephemeral) ------------------------------------------------------------
    "ITEM_GONE": N_("That step no longer exists — the registration may have been removed."),
    "OPEN_UNAVAILABLE": N_("The checklist can't be opened right now. `/codat-register status` shows it too."),
    # --- /codat-register remind -----------------------------------------------------------------------
    "REMIND_NONE": N_(
        "Nothing is waiting on you — no reminders coming. `/codat-register status` shows every registration."
    ),
    "REMIND_HEADER": N_("Your open registration steps"),
    "REMIND_ITEM": N_("*{title}* · {platform} · {environment}{due} — {when}"),
    "REMIND_NEXT": N_("next reminder {when}"),
    "REMIND_SNOOZED": N_("snoozed until {when}"),
    "REMIND_NOT_SCHEDULED": N_("no reminder scheduled"),
    "REMIND_HOW": N_(
        "I remind you on working days, {start:02d}:00–{end:02d}:00 in your Slack time zone ({tz}), "
        "every {repeat} business days while a step is open.\n• `/codat-register snooze <platform> 1d` "
        "/ `1w` / `until YYYY-MM-DD` pauses a platform's reminders\n• `/codat-register done "
        "<platform> <step>` marks a step done (step keys: {keys})"
    ),
    # --- /codat-register snooze and done -------------------------------------------------------------
    "SNOOZE_USAGE": N_(
        "Usage: `/codat-register snooze <platform> <1d|1w|until YYYY-MM-DD>`, e.g. `/codat-register "
        "snooze xero 1w`."
    ),
    "SNOOZE_BAD_WHEN": N_(
        "I can't snooze until `{when}`: use `1d`, `1w` or `until YYYY-MM-DD` with a future date."
    ),
    "SNOOZED_PLATFORM": NP_(
        "Snoozed {count} open {platform} step until {when}. I'll remind you then.",
        "Snoozed {count} open {platform} steps until {when}. I'll remind you then.",
    ),
    "DONE_USAGE": N_(
        "Usage: `/codat-register done <platform> <step>`, e.g. `/codat-register done xero vault_approved`."
    ),
    "DONE_MARKED": N_("Marked *{title}* ({platform}, {environment}) done ✓. No more reminders for it."),
    "DONE_COMPLETED": N_(
        " That was the last open step: the {platform} {environment} registration is complete ✓."
    ),
    "DONE_ALREADY": N_("*{title}* ({platform}) is already {status}."),
    "DONE_UNKNOWN_ITEM": N_("{platform} has no open step called `{word}`. Open steps: {keys}."),
    "DONE_AMBIGUOUS": N_(
        "`{word}` is open in more than one {platform} registration: add `sandbox` or `production`."
    ),
    "NO_REGISTRATION": N_(
        "There is no {platform} registration in progress. `/codat-register status` shows them all."
    ),
    "NOTHING_OPEN": N_("Every {platform} step is already done — nothing to snooze."),
}

__getattr__ = translated_texts(_TEXTS)
