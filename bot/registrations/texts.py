"""Texts of `status`: one line per registration, or one platform's whole checklist."""

from __future__ import annotations

from core.i18n import N_, translated_texts
from storage.statuses import ItemStatus

STATUS_MARKS = {ItemStatus.todo: "◻️", ItemStatus.done: "✅", ItemStatus.not_applicable: "➖"}

_TEXTS = {
    "STATUS_EMPTY": N_("No registrations yet. Start one with `/codat-register start`."),
    "STATUS_HEADER": N_("Registrations in this workspace"),
    "STATUS_LINE": N_("*{name}* · {environment} · {done}/{total} done · {state}"),
    "STATUS_NEXT": N_("next: {title}"),
    "STATUS_COMPLETE": N_("complete ✓"),
    "STATUS_CANCELLED": N_("cancelled"),
    "STATUS_FINISH": N_("next: the summary, in `/codat-register start {platform} {environment}`"),
    "STATUS_NONE_FOR_PLATFORM": N_(
        "No {name} registration yet. Start one with `/codat-register start {query}`."
    ),
    "STATUS_ITEM": N_("{mark} {title}{owner}{due}"),
    "STATUS_OWNER": N_(" · <@{user}>"),
    "STATUS_DUE": N_(" · due {date}"),
    "STATUS_CREDENTIALS": N_("Stored: {fields}"),
    # --- /codat-register cancel ----------------------------------------------------------------------
    "CANCEL_USAGE": N_(
        "Usage: `/codat-register cancel <platform> [sandbox|production]`, e.g. `/codat-register "
        "cancel xero sandbox`."
    ),
    "CANCELLED": N_(
        "Cancelled the *{name}* · {environment} registration: its reminders have stopped. Nothing "
        "was deleted — `/codat-register status {platform}` still shows it, and `/codat-register "
        "start {platform} {environment}` begins a new one."
    ),
    "CANCEL_NONE": N_(
        "There is no {name} registration in progress to cancel. `/codat-register status {platform}` "
        "shows its registrations."
    ),
    "CANCEL_AMBIGUOUS": N_(
        "{name} has a registration in progress in both sandbox and production: add `sandbox` or "
        "`production`, e.g. `/codat-register cancel {platform} sandbox`."
    ),
    # --- the checklist (bot/registrations/checklist.py) ------------------------------------------
    "CHECKLIST_FIND_OUT_CREDENTIALS": N_("Find out which credentials are needed"),
    "CHECKLIST_CONFIRM_NO_CREDENTIALS": N_("Confirm no credentials are needed"),
    "CHECKLIST_AGREEMENTS_HELP": N_(
        "Look for relationships you already have with {name}, such as Open Banking agreements or "
        "earlier direct integrations. Existing accounts are often registered to a generic team mailbox."
    ),
    "CHECKLIST_REQUIREMENTS_HELP": N_(
        "Read {name}'s registration and partnership requirements (complexity, partner programme, "
        "connection limits) in Codat's integration overview tables."
    ),
    "CHECKLIST_MAILBOX_HELP": N_(
        "Register with {name} using a generic mailbox (e.g. system-admins@yourorg.com), "
        "not a personal one, so access is shared and controlled."
    ),
    "CHECKLIST_MAILBOX_REQUIRED": N_("{name} requires it."),
    "CHECKLIST_MAILBOX_UNKNOWN": N_(
        "Codat's docs don't say whether a registration is needed: mark n/a if not."
    ),
    "CHECKLIST_CREDENTIALS_HELP": N_("Get the {fields} from {name}."),
    "CHECKLIST_TEST_OPTION": N_("Test option: {text}"),
    "CHECKLIST_USE_SANDBOX": N_("Use sandbox companies for testing where the platform offers them."),
}

__getattr__ = translated_texts(_TEXTS)
