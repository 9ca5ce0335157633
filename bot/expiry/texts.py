"""Every text about credential expiry: the credentials step's date picker, what the summary, `status`
and the App Home say, and the reminder DMs with their buttons.

Labels and buttons stay within Slack's limits (75 characters for buttons), in French too.
"""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    # --- the credentials step ---------------------------------------------------------------------
    "PICKER_LABEL": N_("When does this secret expire?"),
    "PICKER_HINT": N_(
        "Optional. I remind you and the admins before that date; leave it empty if it never expires."
    ),
    "PICKER_HINT_RULE": N_("Pre-filled from {name}'s rule: {rule}"),
    "RULE_CHOSEN": NP_(
        "you choose the expiry when you create the secret, at most {count} day ahead.",
        "you choose the expiry when you create the secret, at most {count} days ahead.",
    ),
    "RULE_ROTATE": NP_(
        "the secret must be rotated every {count} day.",
        "the secret must be rotated every {count} days.",
    ),
    "ERROR_INVALID": N_("Pick a date with the date picker."),
    "ERROR_PAST": N_(
        "That date has passed: a secret that has expired won't work in Codat. Pick a later date."
    ),
    "ERROR_TOO_FAR": NP_(
        "{name} secrets last at most {count} day: pick a date up to {last}.",
        "{name} secrets last at most {count} days: pick a date up to {last}.",
    ),
    # --- what the bot shows about a credential's expiry --------------------------------------------
    "LINE_FUTURE": NP_(
        "⏳ Expires on {date} (in {count} day)",
        "⏳ Expires on {date} (in {count} days)",
    ),
    "LINE_TODAY": N_("⚠️ Expires today, {date}"),
    "LINE_EXPIRED": N_("❌ Expired on {date}: rotate it"),
    # --- reminders (DM to the credential's owner and the admins) ---------------------------------------
    "REMINDER_FALLBACK": NP_(
        "{name} · {environment}: the credentials expire in {count} day",
        "{name} · {environment}: the credentials expire in {count} days",
    ),
    "REMINDER_TEXT": NP_(
        "⏳ The *{environment}* credentials of *{name}* expire on *{date}*, in {count} day. Create a new "
        "secret in the platform's portal, then store it with *Rotate now*: the reminders start again "
        "with the new date.",
        "⏳ The *{environment}* credentials of *{name}* expire on *{date}*, in {count} days. Create a "
        "new secret in the platform's portal, then store it with *Rotate now*: the reminders start again "
        "with the new date.",
    ),
    "EXPIRED_FALLBACK": N_("{name} · {environment}: the credentials have expired"),
    "EXPIRED_TEXT": N_(
        "❌ The *{environment}* credentials of *{name}* expired on *{date}*: Codat's calls with them fail "
        "from now on. Create a new secret in the platform's portal and store it with *Rotate now*."
    ),
    "OWNER_LINE": N_("Owner: <@{owner}>. I tell the admins too."),
    "BUTTON_ROTATE": N_("Rotate now"),
    "BUTTON_SNOOZE": N_("Snooze a week"),
    # --- the buttons' answers (ephemeral) ---------------------------------------------------------------
    "SNOOZED": N_("Snoozed: I'll remind you again {when}."),
    "GONE": N_(
        "That credential no longer has an expiry date here (a new one was stored, or the registration is gone)."
    ),
    "CANT_OPEN": N_("I couldn't open the credentials step; run `/codat-register start {platform}`."),
}

__getattr__ = translated_texts(_TEXTS)
