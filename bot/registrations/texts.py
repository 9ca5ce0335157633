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
    "CANCEL_REFUSED": N_(
        "Sorry — only the person who started the *{name}* · {environment} registration can cancel "
        "it: ask the creator, <@{creator}>."
    ),
    "CANCEL_NONE": N_(
        "There is no {name} registration in progress to cancel. `/codat-register status {platform}` "
        "shows its registrations."
    ),
    "CANCEL_AMBIGUOUS": N_(
        "{name} has a registration in progress in both sandbox and production: add `sandbox` or "
        "`production`, e.g. `/codat-register cancel {platform} sandbox`."
    ),
}

__getattr__ = translated_texts(_TEXTS)
