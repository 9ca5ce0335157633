"""Texts every surface shares: the command's name, the unknown-word answers and the error messages."""

from __future__ import annotations

COMMAND = "/codat-register"

HELP_LINE = f"Try `{COMMAND} help` for everything I can do."
UNKNOWN_SUBCOMMAND = "I don't know `{word}`."
DID_YOU_MEAN = "Did you mean {options}?"
ERROR_REFERENCE = "Sorry — something went wrong on our side (reference `{ref}`). Nothing you entered was lost; please try again."
ERROR_MODAL_TITLE = "Something went wrong"
ERROR_MODAL_BODY = (
    "Sorry — that didn't go through (reference `{ref}`). Close this to go back: "
    "what you typed is still there. Then press Submit again."
)
# A request from Slack that does not have the shape the bot expects (tampered, or a Slack change).
REFUSED = "Sorry — I couldn't read that request from Slack, so I did nothing. Please try again."
REFUSED_MODAL_TITLE = "Couldn't read that"
REFUSED_MODAL_BODY = (
    "Sorry — I couldn't read that submission, so nothing was saved. Close this to go back: "
    "what you typed is still there. Then press Submit again."
)
