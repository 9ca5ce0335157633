"""Ids the secure page shares: the modal's button and block ids, the page's paths, form fields and
cookies."""

from __future__ import annotations

from enum import StrEnum

PATH_PREFIX = "/secure/"
SIGNED_IN_PATH = "/secure/signed-in"  # Sign in with Slack's redirect URI (under PUBLIC_URL)


class ActionId(StrEnum):
    offer = "secure_page_offer"  # "Enter on a secure page": makes a link
    open = "secure_page_open"  # the link's URL button (Slack opens the browser; the click is acked)


class BlockId(StrEnum):
    offer = "secure_page_offer"
    link = "secure_page_link"


class Form(StrEnum):
    """The page's form fields (besides one `field_<key>` per credential)."""

    csrf = "csrf"
    mode = "mode"  # what the pressed button asks: store, show or hide the secret fields
    shown = "shown"  # "1" while the secret fields are shown as typed
    expires_on = "expires_on"  # when the secret expires (YYYY-MM-DD, the browser's date input)


class Mode(StrEnum):
    store = "store"
    show = "show"
    hide = "hide"


FIELD_PREFIX = "field_"
SESSION_COOKIE = "codat_secure_session"
STATE_COOKIE = "codat_secure_state"


def form_field(key: str) -> str:
    """The form field of a credential (catalogue keys are [a-z0-9_]{1,40})."""
    return f"{FIELD_PREFIX}{key}"
