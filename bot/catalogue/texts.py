"""Texts of `help`, `list` and `info`, and of naming a platform. Short, for a person in a hurry."""

from __future__ import annotations

from bot.slack.texts import COMMAND

HELP_TITLE = "codat-register: get your platform credentials, keep them safe"
HELP_INTRO = (
    "I walk you through registering with each platform you connect through Codat "
    "(QuickBooks, Xero, Sage, NetSuite, Shopify, …), chase whoever owns an open step, "
    "and put the credentials straight into the vault — never in Slack or our database."
)
HELP_COMMANDS: tuple[tuple[str, str], ...] = (
    (
        f"{COMMAND} start [platform] [sandbox|production]",
        "register a platform, step by step (e.g. `start qbo sandbox`)",
    ),
    (f"{COMMAND} status [platform]", "this workspace's registrations and what is left (e.g. `status xero`)"),
    (
        f"{COMMAND} list [accounting|banking|bank-feeds|commerce]",
        "every platform, and which need credentials",
    ),
    (f"{COMMAND} info <platform>", "what a platform needs: fields, redirect URI, hurdles, links"),
    (f"{COMMAND} remind", "your open items and when I will next remind you"),
    (f"{COMMAND} snooze <platform> <1d|1w|until YYYY-MM-DD>", "pause reminders for a platform"),
    (f"{COMMAND} done <platform> <item>", "mark an item done (e.g. `done xero vault_approved`)"),
    (
        f"{COMMAND} cancel <platform> [sandbox|production]",
        "cancel a registration you started: its reminders stop, nothing is deleted",
    ),
    (f"{COMMAND} help", "this message"),
)
HELP_FOOTER = "Platforms can be named by key, name or a unique prefix: `qbo`, `xero`, `gbol`, `intacct`."
UNKNOWN_PLATFORM = "I don't know a platform called `{word}`."
AMBIGUOUS_PLATFORM = "`{word}` could be {options} — which one?"
PLATFORM_NEEDED = f"Which platform? e.g. `{COMMAND} info xero`. `{COMMAND} list` shows them all."
UNKNOWN_CATEGORY = "There is no `{word}` category. Pick one of: {options}."
LIST_HEADER = "Platforms you can register through Codat"
LIST_LEGEND = "🔑 needs credentials from you · 🧪 sandbox or test option · ✉️ generic mailbox required"
LIST_NO_CREDENTIALS = "no credentials needed"
INFO_FIELDS = "*Credentials to collect*"
INFO_NO_CREDENTIALS = "*No company-level credentials.* {reason}"
INFO_REDIRECT = "*Redirect URI to register:* `{uri}`"
INFO_SANDBOX_REDIRECT = "*Sandbox redirect URI:* `{uri}`"
INFO_SANDBOX = "*Sandbox / test:* {text}"
INFO_HURDLES = "*Before you start*"
INFO_WHERE = "*Where the keys go:* {path}"
INFO_DOCS = "*Docs:* {links}"
INFO_KEY = "Codat key `{key}`"
UNKNOWN = "unknown"
SECRET_MARK = "secret"
