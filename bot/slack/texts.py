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
}

__getattr__ = translated_texts(_TEXTS)
