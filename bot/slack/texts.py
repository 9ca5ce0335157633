"""Texts every surface shares: the command's name, the unknown-word answers and the error messages."""

from __future__ import annotations

from core.i18n import N_, translated_texts

COMMAND = "/codat-register"

_TEXTS = {
    "HELP_LINE": N_("Try `/codat-register help` for everything I can do."),
    "UNKNOWN_SUBCOMMAND": N_("I don't know `{word}`."),
    "DID_YOU_MEAN": N_("Did you mean {options}?"),
    "ERROR_REFERENCE": N_(
        "Sorry — something went wrong on our side (reference `{ref}`). Nothing you entered was lost; "
        "please try again."
    ),
    "ERROR_MODAL_TITLE": N_("Something went wrong"),
    "ERROR_MODAL_BODY": N_(
        "Sorry — that didn't go through (reference `{ref}`). Close this to go back: what you typed "
        "is still there. Then press Submit again."
    ),
    # A request from Slack that does not have the shape the bot expects (tampered, or a Slack change).
    "REFUSED": N_("Sorry — I couldn't read that request from Slack, so I did nothing. Please try again."),
    "REFUSED_MODAL_TITLE": N_("Couldn't read that"),
    "REFUSED_MODAL_BODY": N_(
        "Sorry — I couldn't read that submission, so nothing was saved. Close this to go back: what "
        "you typed is still there. Then press Submit again."
    ),
    "MORE_CUT": N_("…and more: narrow it down to see the rest."),
    "BACK": N_("Back"),
    # How a stored status reads (the stored values themselves never change with the language).
    "STATUS_NAMES": {
        "todo": N_("to do"),
        "done": N_("done"),
        "n/a": N_("not applicable"),
        "in_progress": N_("in progress"),
        "completed": N_("completed"),
        "cancelled": N_("cancelled"),
    },
}

__getattr__ = translated_texts(_TEXTS)


def status_name(status: str) -> str:
    """A registration's or item's stored status as the reader's language says it."""
    names: dict[str, str] = __getattr__("STATUS_NAMES")
    return names.get(str(status), str(status))
