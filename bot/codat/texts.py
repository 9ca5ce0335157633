"""Texts of the Codat verification: the "Enabled in Codat" item, `verify`, the Codat line of
`status`, and where the keys go (the wizard's summary)."""

from __future__ import annotations

from core.i18n import N_, translated_texts

_TEXTS = {
    # --- the checklist item (bot/registrations/checklist.py) -----------------------------------------
    "ITEM_TITLE": N_("Enabled in Codat"),
    "ITEM_HELP": N_(
        "Enter the credentials in {path} and switch the integration on. This item ticks itself once "
        "Codat says it is enabled: `/codat-register verify {platform}` checks now."
    ),
    "ITEM_HELP_NO_CREDENTIALS": N_(
        "Switch the integration on in {path}. This item ticks itself once Codat says it is enabled: "
        "`/codat-register verify {platform}` checks now."
    ),
    # --- status ---------------------------------------------------------------------------------------
    "STATUS_ENABLED": N_("Codat: enabled"),
    "STATUS_NOT_ENABLED": N_("Codat: not enabled"),
    "STATUS_NOT_CHECKED": N_("Codat: not checked"),
    "STATUS_FAILED": N_("Codat: not checked — {reason}"),
    "STATUS_CHECKED": N_("{state} · checked {when}"),
    # --- why a check gave no answer -------------------------------------------------------------------
    "REASON_KEY_REFUSED": N_("CODAT_API_KEY was refused"),
    "REASON_UNKNOWN_PLATFORM": N_("Codat has no integration with the key `{key}`"),
    "REASON_RATE_LIMITED": N_("Codat's rate limit was reached; next check after {when}"),
    "REASON_RATE_LIMITED_NO_WHEN": N_("Codat's rate limit was reached"),
    "REASON_UNREACHABLE": N_("Codat could not be reached"),
    "REASON_HTTP": N_("Codat answered HTTP {status}"),
    "REASON_BAD_ANSWER": N_("Codat's answer could not be read"),
    "UTC_MOMENT": N_("{moment} UTC"),
    # --- /codat-register verify -----------------------------------------------------------------------
    "VERIFY_USAGE": N_(
        "Usage: `/codat-register verify <platform> [sandbox|production]`, e.g. `/codat-register verify "
        "xero sandbox`."
    ),
    "VERIFY_NOT_CONFIGURED": N_(
        "I can't ask Codat: the `CODAT_API_KEY` setting is not set. Whoever runs the bot creates a key "
        "in the Codat Portal (Developers > API keys) and sets it as `CODAT_API_KEY`. Until then, "
        "mark *Enabled in Codat* done by hand once the integration is on: `/codat-register done "
        "{platform} enabled_in_codat`."
    ),
    "VERIFY_NO_CODAT_KEY": N_(
        "Codat's platform key for {name} is not known, so I can't check it: see {path}."
    ),
    "VERIFY_NO_REGISTRATION": N_(
        "There is no {name} registration to check. Start one with `/codat-register start {platform}`."
    ),
    "VERIFY_AMBIGUOUS": N_(
        "{name} has registrations in both sandbox and production: add `sandbox` or `production`, e.g. "
        "`/codat-register verify {platform} sandbox`."
    ),
    "VERIFY_CHECKING": N_("Asking Codat whether *{name}* · {environment} is enabled…"),
    "VERIFY_TICKED": N_("✅ Codat says *{name}* · {environment} is enabled: I ticked *Enabled in Codat*."),
    "VERIFY_COMPLETED": N_(" It was the last open item: the registration is complete."),
    "VERIFY_ENABLED": N_("✅ Codat says *{name}* · {environment} is enabled."),
    "VERIFY_NOT_ENABLED": N_(
        "Codat says *{name}* · {environment} is not enabled yet. Enter the credentials in {path} and "
        "switch it on, then run `/codat-register verify {platform} {environment}` again. I also check "
        "once a day."
    ),
    "VERIFY_KEY_REFUSED": N_(
        "I could not check *{name}* · {environment}: CODAT_API_KEY was refused. Whoever runs the bot "
        "must set `CODAT_API_KEY` to a valid Codat API key (Codat Portal > Developers > API keys). "
        "*Enabled in Codat* stays open."
    ),
    "VERIFY_FAILED": N_(
        "I could not check *{name}* · {environment}: {reason}. *Enabled in Codat* stays open; I'll "
        "try again once a day, or run `/codat-register verify {platform} {environment}` later."
    ),
    "VERIFY_WAIT": N_(
        "Codat asked me to slow down: I can check *{name}* · {environment} again after {when}. "
        "*Enabled in Codat* stays open."
    ),
    "VERIFY_GONE": N_("That registration is gone: `/codat-register status {platform}` shows what is left."),
    # --- Done on the item while Codat is configured ---------------------------------------------------
    "DONE_AUTOMATIC": N_(
        "*Enabled in Codat* ticks itself once Codat says *{name}* · {environment} is enabled: run "
        "`/codat-register verify {platform} {environment}` to check now."
    ),
    # --- where the keys go (the wizard's summary and closing DM) --------------------------------------
    "KEYS_READ": N_(
        "Someone with the Secret Manager Secret Accessor role (`roles/secretmanager.secretAccessor`) "
        "reads each value with the command below, then pastes it there. I never read it back."
    ),
    "KEYS_DEVELOPMENT_VAULT": N_(
        "They are in the development vault (test values only): there is no gcloud command to read them."
    ),
    "KEYS_THEN_VERIFY": N_(
        "Once it is switched on, *Enabled in Codat* ticks itself: `/codat-register verify {platform} "
        "{environment}` checks now."
    ),
}

__getattr__ = translated_texts(_TEXTS)
