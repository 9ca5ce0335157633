"""Every text the registration wizard shows: modal titles, labels, hints, errors and the DM.

Titles, submit and close texts are at most 24 characters (Slack's limit); option texts at most 75.
"""

from __future__ import annotations

COMMAND = "/codat-register"

# --- modal chrome ------------------------------------------------------------------------------
TITLE_STEPS = {
    "platform": "1/5 Platform",
    "prerequisites": "2/5 Prerequisites",
    "registration": "3/5 Registration",
    "credentials": "4/5 Credentials",
    "summary": "5/5 Summary",
}
TITLE_LOADING = "Register a platform"
TITLE_GONE = "Registration closed"
SUBMIT_NEXT = "Next"
SUBMIT_SAVE = "Save"
SUBMIT_CREDENTIALS = "Save credentials"
CLOSE = "Close"
CLOSE_DONE = "Done"
LOADING = "Loading…"
HEADER = "{name} · {environment}"
STEP_CONTEXT = "Step {number} of 5 · your answers are saved at every step: close this any time and run `{command} start {platform}` to carry on."
EDIT_CONTEXT = "Editing a finished step: *Save* takes you back to the summary."
GONE = (
    "This registration is no longer open: it was cancelled or removed, or it belongs to another "
    f"workspace. Start again with `{COMMAND} start`."
)
OPEN_FAILED = "I couldn't open the registration form (Slack said `{error}`). Please run `{command}` again."

# --- slash command -------------------------------------------------------------------------------
UNKNOWN_ENVIRONMENT = "I don't know the environment `{word}`: use `sandbox` or `production`."
ENVIRONMENT_WORDS = {
    "sandbox": "sandbox",
    "test": "sandbox",
    "testing": "sandbox",
    "dev": "sandbox",
    "development": "sandbox",
    "production": "production",
    "prod": "production",
    "live": "production",
}

# --- step 1: platform and environment -------------------------------------------------------------
PICKER_INTRO = (
    "Pick the platform to register with Codat, and the environment. I save your progress at every "
    f"step: close this any time and run `{COMMAND} start <platform>` to carry on."
)
PLATFORM_LABEL = "Platform"
PLATFORM_PLACEHOLDER = "Choose a platform"
ENVIRONMENT_LABEL = "Environment"
ENVIRONMENT_HINT = "Sandbox and production keys are kept apart: each is its own registration."
ENVIRONMENT_OPTIONS = {"sandbox": "Sandbox (test keys)", "production": "Production (live keys)"}
PLATFORM_CREDENTIALS = "*Credentials you will collect:* {fields}"
PLATFORM_SECRET_MARK = " (secret)"
PLATFORM_NO_CREDENTIALS = "*No company-level credentials.* {reason}"
PLATFORM_HURDLES = "*Before you start*\n{lines}"
PLATFORM_SANDBOX = "*Sandbox / test option:* {text}"
PLATFORM_MAILBOX_REQUIRED = (
    "✉️ *{name} requires a generic team mailbox* (e.g. system-admins@yourcompany.com): "
    "not a personal or free-mail address."
)
PLATFORM_MAILBOX_RECOMMENDED = "✉️ Register with a generic team mailbox, not a personal one."
PLATFORM_DOCS = "*Docs:* {links}"
PLATFORM_RESUME = (
    "You already have this registration in progress (step {number} of 5): *Next* carries on from there."
)
ERROR_PLATFORM_REQUIRED = "Choose a platform."
ERROR_PLATFORM_UNKNOWN = "That platform is no longer in the catalogue: choose another one."
ERROR_ENVIRONMENT_REQUIRED = "Choose sandbox or production."

# --- step 2: prerequisites ----------------------------------------------------------------------
PREREQ_INTRO = (
    "Codat's three prerequisites. Answer what you know now: anything left open gets an owner, "
    "and I follow up with them."
)
AGREEMENTS_LABEL = "Do you already have an agreement or relationship with {name}?"
AGREEMENTS_OPTIONS = {"yes": "Yes", "no": "No", "unsure": "Not sure yet"}
AGREEMENTS_DETAILS_LABEL = "Details"
AGREEMENTS_DETAILS_HINT = (
    "e.g. an Open Banking agreement, an earlier direct integration, the mailbox the account uses."
)
RELATIONSHIP_OWNER_LABEL = "Owner of that relationship, or the system administrator"
CONTACTED_LABEL = "Contact"
CONTACTED_OPTION = "I have asked them what the agreement covers and how to reach the API keys"
VAULT_LABEL = "Vault for the credentials approved by data governance?"
VAULT_OPTIONS = {"approved": "Approved", "pending": "Pending"}
VAULT_WHERE_LABEL = "Where"
VAULT_WHERE_HINT = (
    "e.g. Google Cloud Secret Manager, project acme-prod. This bot stores credentials in: {location}"
)
ERROR_AGREEMENTS_REQUIRED = "Choose yes, no or not sure."
ERROR_VAULT_REQUIRED = "Choose approved or pending."

# --- owners and due dates (every step with items) ------------------------------------------------
OWNER_LABEL = "Owner of this step's open items"
OWNER_HINT = "I remind them until the items are done. Defaults to you."
DUE_LABEL = "Due date"
DUE_HINT = "Optional: reminders come sooner as it approaches."
ERROR_DUE_PAST = "Pick today or a later date."

# --- step 3: registration ---------------------------------------------------------------------------
REGISTRATION_INTRO = "Register with {name}'s developer portal, then tick what is done."
REGISTRATION_NOT_NEEDED = "{name} needs no developer registration from you: just review the requirements."
MAILBOX_LABEL = "Mailbox used to register with {name}"
MAILBOX_HINT_REQUIRED = (
    "{name} requires a generic team mailbox, e.g. system-admins@yourcompany.com: not your own "
    "address, and not a free-mail one."
)
MAILBOX_HINT = "A shared team mailbox (e.g. system-admins@yourcompany.com) keeps access when people leave."
MAILBOX_PLACEHOLDER = "system-admins@yourcompany.com"
REDIRECT_URI = "*Redirect URI to register ({environment})* — copy it into {name}'s app settings:\n```{uri}```"
REDIRECT_URI_UNKNOWN = (
    "*Redirect URI ({environment}):* Codat's docs don't give it. Ask your Codat implementation specialist."
)
REGISTRATION_CHECKS_LABEL = "Done so far"
CHECK_REVIEWED = "Partnership requirements reviewed"
CHECK_SPECIALIST = "Codat implementation specialist engaged"
CHECK_PORTAL = "Developer-portal account created"
ERROR_MAILBOX_REQUIRED = "Enter the mailbox you registered with (a shared team mailbox)."
MAILBOX_MALFORMED = "That isn't an email address: use the form name@yourcompany.com."
MAILBOX_OWN_REJECTED = (
    "That is your own Slack address. This platform requires a shared team mailbox, "
    "e.g. system-admins@yourcompany.com."
)
MAILBOX_FREE_REJECTED = (
    "{domain} is a free-mail domain. This platform requires a team mailbox on your company's domain."
)
MAILBOX_PERSONAL_WARNING = (
    "This looks like a personal address — if it is a shared team mailbox, press Next again to confirm."
)
MAILBOX_OWN_WARNING = (
    "That is your own Slack address — a shared team mailbox is safer. To keep it anyway, press Next again."
)
MAILBOX_FREE_WARNING = (
    "{domain} is a free-mail domain — a team mailbox on your company's domain is safer. "
    "To keep it anyway, press Next again."
)

# --- step 4: credentials ----------------------------------------------------------------------------
CREDENTIALS_INTRO = (
    "Paste the {environment} values from {name}'s developer portal. They go straight to "
    "{location}: never into a Slack message or our database, and I never show them again."
)
CREDENTIALS_DEV_VAULT = "⚠️ This is a development vault: use test credentials only."
CREDENTIALS_SECRET_SUFFIX = " (secret)"
CREDENTIALS_STORED_HINT = "Stored ✓ {fingerprint} — leave empty to keep."
CREDENTIALS_CODAT_FIELD = "Goes in Codat's “{codat_field}” box."
CREDENTIALS_NONE = "*No company-level credentials for {name}.* {reason}"
CREDENTIALS_CHECKS_LABEL = "Done so far"
CHECK_FOUND_OUT = "I have found out which credentials are needed"
ERROR_CREDENTIAL_REQUIRED = "Paste the {label}."
ERROR_CREDENTIAL_ALL_OR_NONE = (
    "To replace the stored credentials, fill in every required field — or leave them all empty to keep them."
)
ERROR_VAULT = "Nothing was saved — press Submit again."

# --- step 5: summary -------------------------------------------------------------------------------
SUMMARY_COMPLETE = "✅ *{name}* ({environment}) is registered: every item is done."
SUMMARY_OPEN = "*{name}* ({environment}) is saved. {open}: I'll follow up with their owners."
SUMMARY_STORED = "*Stored in {location}*\n{lines}"
SUMMARY_STORED_LINE = "• {fields} · `{fingerprint}` · `{resource}` (version {version})"
SUMMARY_NOTHING_STORED = "*No credentials stored yet.*"
SUMMARY_NO_CREDENTIALS = "*No company-level credentials.* {reason}"
SUMMARY_REMAINING = "*Still to do*\n{lines}"
SUMMARY_REMAINING_LINE = "◻️ {title} · <@{owner}>{due}"
SUMMARY_DUE = " · due {date}"
SUMMARY_ALL_DONE = "*Still to do:* nothing ✅"
SUMMARY_NEXT = "*Next:* enter these credentials in {path}"
SUMMARY_NEXT_NO_CREDENTIALS = "*Next:* turn the integration on in {path}"
SUMMARY_PORTAL_LINK = "<{url}|Open the Codat Portal>"
EDIT_BUTTONS = {
    "prerequisites": "Edit prerequisites",
    "registration": "Edit registration",
    "credentials": "Edit credentials",
}

# --- the DM at the end --------------------------------------------------------------------------------
DM_TEXT = "{name} ({environment}): registration saved. {state}"
DM_COMPLETE = "Every item is done ✅"
DM_OPEN = "{open}: I'll follow up with their owners."


def items_open(count: int) -> str:
    """ "1 item is still open" / "3 items are still open"."""
    return "1 item is still open" if count == 1 else f"{count} items are still open"
