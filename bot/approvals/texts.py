"""Every text of the four-eyes approvals: the approvers' DM and its updates, the submitter's DMs,
the App Home section, and what the summary and `status` say about a credential waiting.

Buttons are at most 75 characters (Slack's limit), in French too. `{when}` is a Slack date token
(bot.reminders.views.when_text): Slack shows it in the reader's own time zone.
"""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    # --- the approvers' DM ----------------------------------------------------------------------
    "REQUEST_FALLBACK": N_("{name} · {environment}: new credentials wait for your approval"),
    "REQUEST_HEADER": N_("Approval needed: {name} · {environment}"),
    "REQUEST_INTRO": N_(
        "<@{submitter}> stored new *{environment}* credentials for *{name}*. Until an admin other than "
        "them approves, the new version stays disabled in the vault and the current credential stays "
        "in use. I never show the values: compare the fingerprint with the one the submitter sees."
    ),
    "REMINDER_INTRO": N_("Reminder: these credentials are still waiting for a decision."),
    "DETAILS": N_(
        "*Fields:* {fields}\n*Fingerprint:* `{fingerprint}`\n*Where:* `{resource}` (version {version})\n"
        "*Submitted:* {when} by <@{submitter}>"
    ),
    "PROGRESS": NP_(
        "{count} approval of {required} so far · expires {expires}",
        "{count} approvals of {required} so far · expires {expires}",
    ),
    "APPROVED_SO_FAR": N_("Approved so far by {approvers}: waiting for another admin."),
    "BUTTON_APPROVE": N_("Approve"),
    "BUTTON_REJECT": N_("Reject"),
    # --- what the DM says once someone decided (updated in place, for every approver) ------------------
    "STATE_APPROVED": N_(
        "✅ Approved by {approvers} {when}: version {version} is now the current credential."
    ),
    "STATE_REJECTED": N_(
        "❌ Rejected by <@{user}> {when}: the version stays disabled and the previous credential stays "
        "current."
    ),
    "STATE_EXPIRED": NP_(
        "⌛ Expired {when}: nobody decided within {count} day. The version stays disabled and the "
        "previous credential stays current.",
        "⌛ Expired {when}: nobody decided within {count} days. The version stays disabled and the "
        "previous credential stays current.",
    ),
    "STATE_SUPERSEDED": N_(
        "↪️ Replaced by a newer submission before anyone decided: this version stays disabled."
    ),
    "STATE_APPROVING": N_("⏳ Approved by {approvers}: being applied…"),
    "UPDATED_FALLBACK": N_("{name} · {environment}: approval updated"),
    # --- answers to the admin who clicked (ephemeral; a small modal over the App Home) --------------
    "NOTICE_TITLE": N_("Approval"),
    "GONE": N_("That approval no longer exists in this workspace."),
    "ALREADY_YOURS": N_(
        "You have approved it already: it needs another admin's approval too ({given} of {required})."
    ),
    "APPROVE_FAILED": N_(
        "I couldn't make the approved version current, so it is still waiting for approval. {reason}"
    ),
    # --- the submitter's DMs -------------------------------------------------------------------------
    "SUBMITTER_APPROVED": N_(
        "✅ Your {environment} credentials for *{name}* (`{fingerprint}`, version {version}) were "
        "approved by {approvers}: they are now current. You can enter them in the Codat Portal."
    ),
    "SUBMITTER_REJECTED": N_(
        "❌ <@{user}> rejected your {environment} credentials for *{name}* (`{fingerprint}`, version "
        "{version}). The version stays disabled and the previous credential stays current. To try "
        "again, submit them from `/codat-register start {platform} {environment}`."
    ),
    "SUBMITTER_EXPIRED": NP_(
        "⌛ Nobody approved your {environment} credentials for *{name}* (`{fingerprint}`, version "
        "{version}) within {count} day: the request expired. The version stays disabled and the "
        "previous credential stays current. Submit them again to ask once more.",
        "⌛ Nobody approved your {environment} credentials for *{name}* (`{fingerprint}`, version "
        "{version}) within {count} days: the request expired. The version stays disabled and the "
        "previous credential stays current. Submit them again to ask once more.",
    ),
    "SUBMITTER_NO_APPROVERS": N_(
        "⏳ Your {environment} credentials for *{name}* wait for another admin's approval, but there "
        "is no other admin I can ask. Ask a workspace admin to name one (ADMIN_USERS or "
        "ADMIN_USERGROUP), or to set PRODUCTION_APPROVALS=0 for a one-person team."
    ),
    # --- the summary, the DM at the end of the wizard, `status` and the App Home ----------------------
    "SUMMARY_PENDING": N_(
        "*Waiting for approval* — disabled in the vault until an admin other than the submitter "
        "approves it. Don't enter it in the Codat Portal yet:\n{lines}"
    ),
    "PENDING_LINE": N_(
        "⏳ {fields} · `{fingerprint}` · `{resource}` (version {version}) · submitted by <@{submitter}> "
        "{when} · {given} of {required} approvals"
    ),
    "SUMMARY_APPROVALS_OFF": N_(
        "Approvals are off (PRODUCTION_APPROVALS=0): production credentials are current as soon as "
        "they are stored, with no second person."
    ),
    "STATUS_PENDING": N_("⏳ credentials pending approval"),
    "STATUS_PENDING_LINE": N_(
        "⏳ Pending approval: {fields} · `{fingerprint}` · submitted by <@{submitter}> {when}"
    ),
    "HOME_HEADER": N_("*Credentials waiting for approval*"),
    "HOME_NONE": N_("No credentials are waiting for approval."),
    "HOME_LINE": N_(
        "*{name}* · {environment} — {fields} · `{fingerprint}` · submitted by <@{submitter}> {when} · "
        "{given} of {required}"
    ),
    "HOME_OWN": N_("You submitted this one: another admin approves it."),
    "HOME_MORE": N_("…and {count} more."),
}

__getattr__ = translated_texts(_TEXTS)
