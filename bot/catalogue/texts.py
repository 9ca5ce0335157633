"""Texts of `help`, `list` and `info`, and of naming a platform. Short, for a person in a hurry."""

from __future__ import annotations

from core.i18n import N_, translated_texts

_TEXTS = {
    "HELP_TITLE": N_("codat-register: get your platform credentials, keep them safe"),
    "HELP_INTRO": N_(
        "I walk you through registering with each platform you connect through Codat (QuickBooks, "
        "Xero, Sage, NetSuite, Shopify, …), chase whoever owns an open step, and put the credentials "
        "straight into the vault — never in Slack or our database."
    ),
    "HELP_COMMANDS": (
        (
            N_("/codat-register start [platform] [sandbox|production]"),
            N_("register a platform, step by step (e.g. `start qbo sandbox`)"),
        ),
        (
            N_("/codat-register status [platform]"),
            N_("this workspace's registrations and what is left (e.g. `status xero`)"),
        ),
        (
            N_("/codat-register list [accounting|banking|bank-feeds|commerce]"),
            N_("every platform, and which need credentials"),
        ),
        (
            N_("/codat-register info <platform>"),
            N_("what a platform needs: fields, redirect URI, hurdles, links"),
        ),
        (
            N_("/codat-register remind"),
            N_("your open items and when I will next remind you"),
        ),
        (
            N_("/codat-register snooze <platform> <1d|1w|until YYYY-MM-DD>"),
            N_("pause reminders for a platform"),
        ),
        (
            N_("/codat-register done <platform> <item>"),
            N_("mark an item done (e.g. `done xero vault_approved`)"),
        ),
        (
            N_("/codat-register verify <platform> [sandbox|production]"),
            N_("ask Codat now whether the integration is enabled; I also check once a day"),
        ),
        (
            N_("/codat-register cancel <platform> [sandbox|production]"),
            N_("cancel a registration you started: its reminders stop, nothing is deleted"),
        ),
        (
            N_("/codat-register audit [platform] [since YYYY-MM-DD]"),
            N_("admins: what happened, and the whole audit trail as a CSV file in a DM"),
        ),
        (
            N_("/codat-register help"),
            N_("this message"),
        ),
    ),
    "HELP_FOOTER": N_(
        "Platforms can be named by key, name or a unique prefix: `qbo`, `xero`, `gbol`, `intacct`."
    ),
    "UNKNOWN_PLATFORM": N_("I don't know a platform called `{word}`."),
    "AMBIGUOUS_PLATFORM": N_("`{word}` could be {options} — which one?"),
    "PLATFORM_NEEDED": N_(
        "Which platform? e.g. `/codat-register info xero`. `/codat-register list` shows them all."
    ),
    "UNKNOWN_CATEGORY": N_("There is no `{word}` category. Pick one of: {options}."),
    "LIST_HEADER": N_("Platforms you can register through Codat"),
    "LIST_LEGEND": N_(
        "🔑 needs credentials from you · 🧪 sandbox or test option · ✉️ generic mailbox required"
    ),
    "LIST_NO_CREDENTIALS": N_("no credentials needed"),
    "INFO_FIELDS": N_("*Credentials to collect*"),
    "INFO_NO_CREDENTIALS": N_("*No company-level credentials.* {reason}"),
    "INFO_REDIRECT": N_("*Redirect URI to register:* `{uri}`"),
    "INFO_SANDBOX_REDIRECT": N_("*Sandbox redirect URI:* `{uri}`"),
    "INFO_SANDBOX": N_("*Sandbox / test:* {text}"),
    "INFO_HURDLES": N_("*Before you start*"),
    "INFO_WHERE": N_("*Where the keys go:* {path}"),
    "INFO_DOCS": N_("*Docs:* {links}"),
    "INFO_KEY": N_("Codat key `{key}`"),
    "UNKNOWN": N_("unknown"),
    "SECRET_MARK": N_("secret"),
    "INFO_CODAT_FIELD": N_(" → Codat field “{field}”"),
}

__getattr__ = translated_texts(_TEXTS)
