"""Every text of the secure page and of its link in the modal.

Page texts may use Slack's inline marks (`*bold*`, `` `code` ``): bot.secure_page.page renders
them as HTML. Button texts are at most 75 characters; errors under a modal input are plain text.
"""

from __future__ import annotations

from core.i18n import N_, NP_, translated_texts

_TEXTS = {
    # --- the credentials step in the modal --------------------------------------------------------------
    "OFFER_BUTTON": N_("Enter on a secure page"),
    "OFFER_HINT": N_(
        "Rather not paste secrets into Slack? *Enter on a secure page* sends them from your browser "
        "straight to {location}, never through Slack."
    ),
    "LINK_INTRO": N_(
        "The {environment} credentials from {name}'s developer portal are entered on a secure page of "
        "this bot: they go from your browser straight to {location}, never through Slack."
    ),
    "LINK_WAITING": N_("Once the secure page has stored them, this form moves on to the summary by itself."),
    "LINK_READY": NP_(
        "*Your secure page is ready*: for you only, once, for {count} minute (until {time}).",
        "*Your secure page is ready*: for you only, once, for {count} minutes (until {time}).",
    ),
    "LINK_SIGN_IN": N_("It asks you to sign in with Slack first."),
    "LINK_BEARER": N_("Anyone holding this link can use it until then: don't forward it."),
    "OPEN_BUTTON": N_("Open the secure page"),
    "ERROR_LINK_FIRST": N_("Store the credentials on the secure page first (Enter on a secure page)."),
    # --- the page -------------------------------------------------------------------------------------
    "PAGE_TITLE": N_("{name} · {environment}: credentials"),
    "PAGE_INTRO": N_(
        "Type the {environment} credentials from {name}'s developer portal. When you submit, they go "
        "from this page straight to the vault below: never through Slack, never into the bot's "
        "database, and nobody is shown them again."
    ),
    "PAGE_WHERE": N_("Where they go"),
    "PAGE_SECRET": N_("secret `{secret}`"),
    "PAGE_SECRET_FOR": N_("{fields}: secret `{secret}`"),
    "PAGE_DEV_VAULT": N_("This is a development vault: use test credentials only."),
    "PAGE_FOR": N_("For {person}, once, until {time}."),
    "PAGE_SIGNED_IN": N_("Signed in with Slack as {person}."),
    "PAGE_BEARER": N_("Anyone holding this link can use it until then: don't forward it."),
    "PAGE_SECRET_MARK": N_("secret"),
    "PAGE_OPTIONAL": N_("optional"),
    "PAGE_SUBMIT": N_("Submit"),
    "PAGE_SHOW": N_("Show what I type"),
    "PAGE_HIDE": N_("Hide what I type"),
    "PAGE_SHOW_HINT": N_(
        "Showing or hiding what you type reloads the form with the secret fields empty: the page "
        "never sends a secret back to your browser."
    ),
    "PAGE_NOT_STORED": N_(
        "Nothing was stored. The secret fields are empty again: check the messages below, type the "
        "secret values again and submit."
    ),
    "PAGE_OTHER_PROBLEM": N_(
        "This step needs something fixed in Slack first ({problem}). Nothing was stored: fix it in "
        "the Slack form, then ask for a new link."
    ),
    "PAGE_REFUSED": N_("Nothing was stored."),
    # --- stored ---------------------------------------------------------------------------------------
    "DONE_HEADING": N_("Stored ✓"),
    "DONE_TEXT": N_(
        "Slack shows the summary, and I sent you a DM. You can close this page: the link no longer works."
    ),
    # --- a link that cannot be used -----------------------------------------------------------------------
    "NEW_LINK": N_(
        "For a new link, run `{command} start {platform}` in Slack and press *Enter on a secure page*."
    ),
    "NEW_LINK_ANY": N_(
        "For a new link, run `{command} start` in Slack, open the registration's credentials step and "
        "press *Enter on a secure page*."
    ),
    "USED_HEADING": N_("This link was already used"),
    "USED": N_("A secure page link works once, and this one has stored its credentials."),
    "EXPIRED_HEADING": N_("This link has expired"),
    "EXPIRED": NP_(
        "A secure page link works for {count} minute after it is made. Nothing was stored.",
        "A secure page link works for {count} minutes after it is made. Nothing was stored.",
    ),
    "UNKNOWN_HEADING": N_("This link is not valid"),
    "UNKNOWN": N_(
        "It may have been cut short or changed when it was copied, or it no longer exists. Nothing was "
        "stored."
    ),
    "GONE_HEADING": N_("This registration is no longer open"),
    "GONE": N_("It was cancelled or removed. Nothing was stored."),
    "FIELDS_CHANGED_HEADING": N_("The credentials asked for have changed"),
    "FIELDS_CHANGED": N_("{name} asks for other credentials since this link was made. Nothing was stored."),
    "IN_USE_HEADING": N_("This link is being used right now"),
    "IN_USE": N_(
        "Another submission with this link is being stored at this moment. Nothing more was stored: "
        "wait a few seconds, then reload the page."
    ),
    "FORM_EXPIRED_HEADING": N_("This form is out of date"),
    "FORM_EXPIRED": N_(
        "The page was opened again since, or the form came without its security token. Nothing was "
        "stored: reload the page and type the values again."
    ),
    "WRONG_USER_HEADING": N_("This link is for someone else"),
    "WRONG_USER": N_(
        "You signed in with Slack as {person}, but this link was made for {owner}. Nothing was stored."
    ),
    "SIGN_IN_HEADING": N_("Slack did not sign you in"),
    "SIGN_IN_FAILED": N_(
        "Slack's sign-in did not complete ({reason}). Nothing was stored: open the link again to retry."
    ),
    "SIGN_IN_AGAIN": N_(
        "This browser is not the one that signed in with Slack for this link. Nothing was stored: open "
        "the link again to sign in."
    ),
    "TOO_LARGE_HEADING": N_("That is too much for one submission"),
    "TOO_LARGE": N_(
        "The form sent {size} bytes; this page accepts at most {limit}. Nothing was stored: check that "
        "you pasted only the credentials."
    ),
    "BAD_REQUEST_HEADING": N_("This request cannot be read"),
    "BAD_REQUEST": N_("Nothing was stored. Open the link again from Slack."),
    "NOT_FOUND_HEADING": N_("Not found"),
    "NOT_FOUND": N_("There is no page here."),
}

__getattr__ = translated_texts(_TEXTS)
