"""Every text the registration wizard shows: modal titles, labels, hints, errors and the DM.

Titles, submit and close texts are at most 24 characters (Slack's limit); option texts at most 75.
"""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

COMMAND = "/codat-register"
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

_TEXTS = {
    # --- modal chrome ------------------------------------------------------------------------------
    "TITLE_STEPS": {
        "platform": N_("1/5 Platform"),
        "prerequisites": N_("2/5 Prerequisites"),
        "registration": N_("3/5 Registration"),
        "credentials": N_("4/5 Credentials"),
        "summary": N_("5/5 Summary"),
    },
    "TITLE_LOADING": N_("Register a platform"),
    "TITLE_GONE": N_("Registration closed"),
    "SUBMIT_NEXT": N_("Next"),
    "SUBMIT_SAVE": N_("Save"),
    "SUBMIT_CREDENTIALS": N_("Save credentials"),
    "CLOSE": N_("Close"),
    "CLOSE_DONE": N_("Done"),
    "LOADING": N_("Loading…"),
    "HEADER": N_("{name} · {environment}"),
    "STEP_CONTEXT": N_(
        "Step {number} of 5 · your answers are saved at every step: close this any time and run "
        "`{command} start {platform}` to carry on."
    ),
    "EDIT_CONTEXT": N_("Editing a finished step: *Save* takes you back to the summary."),
    "GONE": N_(
        "This registration is no longer open: it was cancelled or removed, or it belongs to another "
        "workspace. Start again with `/codat-register start`."
    ),
    "OPEN_FAILED": N_(
        "I couldn't open the registration form (Slack said `{error}`). Please run `{command}` again."
    ),
    # --- slash command -------------------------------------------------------------------------------
    "UNKNOWN_ENVIRONMENT": N_("I don't know the environment `{word}`: use `sandbox` or `production`."),
    # --- step 1: platform and environment -------------------------------------------------------------
    "PICKER_INTRO": N_(
        "Pick the platform to register with Codat, and the environment. I save your progress at "
        "every step: close this any time and run `/codat-register start <platform>` to carry on."
    ),
    "PLATFORM_LABEL": N_("Platform"),
    "PLATFORM_PLACEHOLDER": N_("Choose a platform"),
    "ENVIRONMENT_LABEL": N_("Environment"),
    "ENVIRONMENT_HINT": N_("Sandbox and production keys are kept apart: each is its own registration."),
    "ENVIRONMENT_OPTIONS": {
        "sandbox": N_("Sandbox (test keys)"),
        "production": N_("Production (live keys)"),
    },
    "PLATFORM_CREDENTIALS": N_("*Credentials you will collect:* {fields}"),
    "PLATFORM_SECRET_MARK": N_(" (secret)"),
    "PLATFORM_NO_CREDENTIALS": N_("*No company-level credentials.* {reason}"),
    "PLATFORM_HURDLES": N_("*Before you start*\n{lines}"),
    "PLATFORM_SANDBOX": N_("*Sandbox / test option:* {text}"),
    "PLATFORM_MAILBOX_REQUIRED": N_(
        "✉️ *{name} requires a generic team mailbox* (e.g. system-admins@yourcompany.com): not a "
        "personal or free-mail address."
    ),
    "PLATFORM_MAILBOX_RECOMMENDED": N_("✉️ Register with a generic team mailbox, not a personal one."),
    "PLATFORM_DOCS": N_("*Docs:* {links}"),
    "PLATFORM_RESUME": N_(
        "You already have this registration in progress (step {number} of 5): *Next* carries on from there."
    ),
    "ERROR_PLATFORM_REQUIRED": N_("Choose a platform."),
    "ERROR_PLATFORM_UNKNOWN": N_("That platform is no longer in the catalogue: choose another one."),
    "ERROR_ENVIRONMENT_REQUIRED": N_("Choose sandbox or production."),
    # --- step 2: prerequisites ----------------------------------------------------------------------
    "PREREQ_INTRO": N_(
        "Codat's three prerequisites. Answer what you know now: anything left open gets an owner, "
        "and I follow up with them."
    ),
    "AGREEMENTS_LABEL": N_("Do you already have an agreement or relationship with {name}?"),
    "AGREEMENTS_OPTIONS": {
        "yes": N_("Yes"),
        "no": N_("No"),
        "unsure": N_("Not sure yet"),
    },
    "AGREEMENTS_DETAILS_LABEL": N_("Details"),
    "AGREEMENTS_DETAILS_HINT": N_(
        "e.g. an Open Banking agreement, an earlier direct integration, the mailbox the account uses."
    ),
    "RELATIONSHIP_OWNER_LABEL": N_("Owner of that relationship, or the system administrator"),
    "CONTACTED_LABEL": N_("Contact"),
    "CONTACTED_OPTION": N_("I have asked them what the agreement covers and how to reach the API keys"),
    "VAULT_LABEL": N_("Vault for the credentials approved by data governance?"),
    "VAULT_OPTIONS": {
        "approved": N_("Approved"),
        "pending": N_("Pending"),
    },
    "VAULT_WHERE_LABEL": N_("Where"),
    "VAULT_WHERE_HINT": N_(
        "e.g. Google Cloud Secret Manager, project acme-prod. This bot stores credentials in: {location}"
    ),
    "ERROR_AGREEMENTS_REQUIRED": N_("Choose yes, no or not sure."),
    "ERROR_VAULT_REQUIRED": N_("Choose approved or pending."),
    # --- owners and due dates (every step with items) ------------------------------------------------
    "OWNER_LABEL": N_("Owner of this step's open items"),
    "OWNER_HINT": N_("I remind them until the items are done. Defaults to you."),
    "DUE_LABEL": N_("Due date"),
    "DUE_HINT": N_("Optional: reminders come sooner as it approaches."),
    "ERROR_DUE_PAST": N_("Pick today or a later date."),
    # --- step 3: registration ---------------------------------------------------------------------------
    "REGISTRATION_INTRO": N_("Register with {name}'s developer portal, then tick what is done."),
    "REGISTRATION_NOT_NEEDED": N_(
        "{name} needs no developer registration from you: just review the requirements."
    ),
    "MAILBOX_LABEL": N_("Mailbox used to register with {name}"),
    "MAILBOX_HINT_REQUIRED": N_(
        "{name} requires a generic team mailbox, e.g. system-admins@yourcompany.com: not your own "
        "address, and not a free-mail one."
    ),
    "MAILBOX_HINT": N_(
        "A shared team mailbox (e.g. system-admins@yourcompany.com) keeps access when people leave."
    ),
    "MAILBOX_PLACEHOLDER": N_("system-admins@yourcompany.com"),
    "REDIRECT_URI": N_(
        "*Redirect URI to register ({environment})* — copy it into {name}'s app settings:\n```{uri}```"
    ),
    "REDIRECT_URI_UNKNOWN": N_(
        "*Redirect URI ({environment}):* Codat's docs don't give it. Ask your Codat implementation "
        "specialist."
    ),
    "REGISTRATION_CHECKS_LABEL": N_("Done so far"),
    "CHECK_REVIEWED": N_("Partnership requirements reviewed"),
    "CHECK_SPECIALIST": N_("Codat implementation specialist engaged"),
    "CHECK_PORTAL": N_("Developer-portal account created"),
    "ERROR_MAILBOX_REQUIRED": N_("Enter the mailbox you registered with (a shared team mailbox)."),
    "MAILBOX_MALFORMED": N_("That isn't an email address: use the form name@yourcompany.com."),
    "MAILBOX_OWN_REJECTED": N_(
        "That is your own Slack address. This platform requires a shared team mailbox, e.g. "
        "system-admins@yourcompany.com."
    ),
    "MAILBOX_FREE_REJECTED": N_(
        "{domain} is a free-mail domain. This platform requires a team mailbox on your company's domain."
    ),
    "MAILBOX_PERSONAL_WARNING": N_(
        "This looks like a personal address — if it is a shared team mailbox, press Next again to confirm."
    ),
    "MAILBOX_OWN_WARNING": N_(
        "That is your own Slack address — a shared team mailbox is safer. To keep it anyway, press "
        "Next again."
    ),
    "MAILBOX_FREE_WARNING": N_(
        "{domain} is a free-mail domain — a team mailbox on your company's domain is safer. To keep "
        "it anyway, press Next again."
    ),
    # --- step 4: credentials ----------------------------------------------------------------------------
    "CREDENTIALS_INTRO": N_(
        "Paste the {environment} values from {name}'s developer portal. They go straight to "
        "{location}: never into a Slack message or our database, and I never show them again."
    ),
    "CREDENTIALS_DEV_VAULT": N_("⚠️ This is a development vault: use test credentials only."),
    "CREDENTIALS_SECRET_SUFFIX": N_(" (secret)"),
    "CREDENTIALS_STORED_HINT": N_("Stored ✓ {fingerprint} — leave empty to keep."),
    "CREDENTIALS_CODAT_FIELD": N_("Goes in Codat's “{codat_field}” box."),
    "CREDENTIALS_NONE": N_("*No company-level credentials for {name}.* {reason}"),
    "CREDENTIALS_CHECKS_LABEL": N_("Done so far"),
    "CHECK_FOUND_OUT": N_("I have found out which credentials are needed"),
    "ERROR_CREDENTIAL_REQUIRED": N_("Paste the {label}."),
    "ERROR_CREDENTIAL_ALL_OR_NONE": N_(
        "To replace the stored credentials, fill in every required field — or leave them all empty "
        "to keep them."
    ),
    "ERROR_VAULT": N_("Nothing was saved — press Submit again."),
    # --- step 5: summary -------------------------------------------------------------------------------
    "SUMMARY_COMPLETE": N_("✅ *{name}* ({environment}) is registered: every item is done."),
    "SUMMARY_OPEN": N_("*{name}* ({environment}) is saved. {open}: I'll follow up with their owners."),
    "SUMMARY_STORED": N_("*Stored in {location}*\n{lines}"),
    "SUMMARY_STORED_LINE": N_("• {fields} · `{fingerprint}` · `{resource}` (version {version})"),
    "SUMMARY_NOTHING_STORED": N_("*No credentials stored yet.*"),
    "SUMMARY_NO_CREDENTIALS": N_("*No company-level credentials.* {reason}"),
    "SUMMARY_REMAINING": N_("*Still to do*\n{lines}"),
    "SUMMARY_REMAINING_LINE": N_("◻️ {title} · <@{owner}>{due}"),
    "SUMMARY_DUE": N_(" · due {date}"),
    "SUMMARY_ALL_DONE": N_("*Still to do:* nothing ✅"),
    "SUMMARY_NEXT": N_("*Next:* enter these credentials in {path}"),
    "SUMMARY_NEXT_NO_CREDENTIALS": N_("*Next:* turn the integration on in {path}"),
    "SUMMARY_PORTAL_LINK": N_("<{url}|Open the Codat Portal>"),
    "EDIT_BUTTONS": {
        "prerequisites": N_("Edit prerequisites"),
        "registration": N_("Edit registration"),
        "credentials": N_("Edit credentials"),
    },
    # --- the DM at the end --------------------------------------------------------------------------------
    "DM_TEXT": N_("{name} ({environment}): registration saved. {state}"),
    "DM_COMPLETE": N_("Every item is done ✅"),
    "DM_OPEN": N_("{open}: I'll follow up with their owners."),
    "ITEMS_OPEN": NP_("{count} item is still open", "{count} items are still open"),
}

__getattr__ = translated_texts(_TEXTS)
