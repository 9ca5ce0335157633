"""Texts of the App Home tab."""

from __future__ import annotations

from core.i18n import N_, translated_texts

_TEXTS = {
    "HEADER": N_("codat-register"),
    "INTRO": N_(
        "Register each platform you connect through Codat, step by step; credentials go straight to "
        "the vault."
    ),
    "START_HINT": N_(
        "Type `/codat-register start` anywhere to register a platform, or `/codat-register help`."
    ),
    "YOUR_ITEMS": N_("*Waiting on you*"),
    "NO_ITEMS": N_("Nothing is waiting on you. 🎉"),
    "ITEM_LINE": N_("◻️ {title} — *{platform}* · {environment}{due}"),
    "ITEM_DUE": N_(" · due {date}"),
    "REGISTRATIONS": N_("*This workspace*"),
    "NO_REGISTRATIONS": N_("No registrations yet."),
    "VAULT": N_("Credentials are stored in: {location}"),
    # The answer to a direct message (the Messages tab is open: reminders arrive there).
    "DM_POINTER": N_(
        "👋 I don't read messages here: I work through `/codat-register`. Try `/codat-register help` "
        "for everything I can do, `/codat-register start` to register a platform, or "
        "`/codat-register remind` for what is waiting on you. Your reminders keep arriving here."
    ),
}

__getattr__ = translated_texts(_TEXTS)
