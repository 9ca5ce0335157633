"""Texts of `/codat-register audit`, its CSV export and the App Home's recent activity."""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    "USAGE": N_("Usage: `/codat-register audit [platform] [since YYYY-MM-DD]`."),
    "BAD_SINCE": N_(
        "`{word}` is not a date I can read: write it as YYYY-MM-DD, e.g. "
        "`/codat-register audit since {example}`."
    ),
    "SINCE_NEEDS_DATE": N_(
        "Since when? Put one date after `since`, e.g. `/codat-register audit since {example}`."
    ),
    "ADMINS_ONLY": N_("Sorry — only the bot's admins can read the audit trail."),
    # The summary (ephemeral)
    "TITLE": N_("*Audit trail* · {scope} · {period}"),
    "SCOPE_ALL": N_("every platform"),
    "PERIOD_SINCE": N_("since {day}"),
    "PERIOD_ALL": N_("from the start"),
    "EVENTS": NP_("{count} event", "{count} events"),
    "NO_EVENTS": N_("No audit events in this period."),
    "BY_ACTION": N_("*By action*"),
    "COUNT_LINE": N_("• {label} (`{action}`): {count}"),
    "OTHER_ACTIONS": NP_("…and {count} other action", "…and {count} other actions"),
    "LATEST": N_("*Latest*"),
    "EVENT_LINE": N_("• {when} — {actor} {label}{where}"),
    "WHERE": N_(" · *{platform}* · {environment}"),
    "EXPORTING": N_("I'm sending you the whole trail for this period as a CSV file, in a DM."),
    # The DM that carries the CSV file
    "FILE_TITLE": N_("codat-register audit trail"),
    "EXPORT_COMMENT": N_("The audit trail you asked for: {events}, {scope}, {period}."),
    "CHAIN_INTACT": NP_(
        "✅ The workspace's hash chain is intact ({count} row checked).",
        "✅ The workspace's hash chain is intact ({count} rows checked).",
    ),
    "CHAIN_BROKEN": N_(
        "⚠️ The workspace's hash chain is broken at row {sequence}: a row was changed, deleted or "
        "reordered. Whoever runs the bot can see where with `python app.py audit verify`."
    ),
    "EXPORT_FAILED": N_(
        "Sorry — I couldn't send you the audit trail file (Slack said `{code}`). Please try again."
    ),
    # App Home
    "HOME_ACTIVITY": N_("*Recent activity*"),
    "HOME_NO_ACTIVITY": N_("Nothing has happened yet."),
    "HOME_ACTIVITY_HINT": N_("`/codat-register audit` sends you the whole trail as a CSV file."),
    # What each action reads as, after the person who did it ("Alice *stored credentials*").
    "ACTIONS": {
        "registration.created": N_("started a registration"),
        "registration.completed": N_("completed a registration"),
        "registration.reopened": N_("reopened a registration"),
        "registration.cancelled": N_("cancelled a registration"),
        "wizard.resumed": N_("opened a registration"),
        "wizard.step_saved": N_("saved a step"),
        "wizard.mailbox_warned": N_("was warned about the mailbox"),
        "checklist.done": N_("marked an item done"),
        "checklist.owner_changed": N_("gave items another owner"),
        "reminder.snoozed": N_("snoozed an item"),
        "reminder.reassigned": N_("gave an item to the creator (its owner left)"),
        "credentials.stored": N_("stored credentials"),
        "credentials.store_failed": N_("could not store credentials"),
        "access.refused": N_("was refused an action"),
        "audit.exported": N_("exported the audit trail"),
    },
}

__getattr__ = translated_texts(_TEXTS)
