"""Texts of the authorization policy: refusals that say who can do it, and the guests' App Home."""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    # "Sorry — you can't {what}. {who}": `what` completes "you can't …", `who` is a sentence.
    "REFUSED": N_("Sorry — you can't {what}. {who}"),
    # --- what was asked, about one registration ({registration}: "*Xero* · sandbox") ---------------
    "WHAT": {
        "read_catalogue": N_("read the catalogue"),
        "choose_language": N_("choose your language"),
        "view_registrations": N_("see the {registration} registration"),
        "start_registration": N_("start or resume the {registration} registration"),
        "edit_step": N_("change this step of the {registration} registration"),
        "reassign_owners": N_("hand steps of the {registration} registration to someone else"),
        "store_sandbox_credentials": N_("store or replace the sandbox credentials of {registration}"),
        "store_production_credentials": N_("store or replace the production credentials of {registration}"),
        "done_or_snooze": N_("mark steps of the {registration} registration done or snooze them"),
        "cancel_registration": N_("cancel the {registration} registration"),
        "read_audit": N_("see the audit trail of {registration}"),
        "approve": N_("approve the production credentials of {registration}"),
    },
    # --- what was asked, before any registration is known --------------------------------------------
    "WHAT_ANY": {
        "read_catalogue": N_("read the catalogue"),
        "choose_language": N_("choose your language"),
        "view_registrations": N_("see this workspace's registrations"),
        "start_registration": N_("start or resume a registration"),
        "edit_step": N_("change a registration's steps"),
        "reassign_owners": N_("hand a registration's steps to someone else"),
        "store_sandbox_credentials": N_("store or replace sandbox credentials"),
        "store_production_credentials": N_("store or replace production credentials"),
        "done_or_snooze": N_("mark steps done or snooze them"),
        "cancel_registration": N_("cancel a registration"),
        "read_audit": N_("see the audit trail"),
        "approve": N_("approve production credentials"),
    },
    # --- who can ------------------------------------------------------------------------------------
    "WHO_CREATOR": N_("Ask the creator, <@{creator}>, or an admin."),
    "WHO_CREATOR_OWNERS": NP_(
        "Ask the creator, <@{creator}>, the step's owner, {owners}, or an admin.",
        "Ask the creator, <@{creator}>, the steps' owners, {owners}, or an admin.",
    ),
    "WHO_OWNERS": NP_(
        "Ask the step's owner, {owners}, or an admin.",
        "Ask the steps' owners, {owners}, or an admin.",
    ),
    "WHO_ADMIN": N_("Only an admin can: ask one of them."),
    "WHO_OTHER_ADMIN": N_("You submitted it yourself: another admin has to approve it."),
    "WHO_GUEST": N_(
        "Guests and apps can use `/codat-register help`, `list` and `info` here: ask a member of "
        "the workspace."
    ),
    "WHO_UNKNOWN": N_(
        "I couldn't check your Slack account just now, so I only answer `help`, `list` and `info`: "
        "please try again in a minute."
    ),
    # --- a refused submission or modal button (pushed over the modal) ---------------------------------
    "MODAL_TITLE": N_("Not allowed"),
    "MODAL_BACK": N_("Nothing was saved. Close this to go back."),
    # --- the App Home of a guest ----------------------------------------------------------------------
    "GUEST_HOME_HEADER": N_("codat-register"),
    "GUEST_HOME": N_(
        "Registrations with Codat's platforms are run by members of this workspace. As a guest you "
        "can look up the catalogue: `/codat-register help`, `/codat-register list` and "
        "`/codat-register info <platform>`."
    ),
}

__getattr__ = translated_texts(_TEXTS)
