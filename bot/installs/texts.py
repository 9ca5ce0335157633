"""Texts of the install pages: what an installer sees when Slack sends them back to the bot."""

from __future__ import annotations

from core.i18n import N_, translated_texts

_TEXTS = {
    "INSTALLED_TITLE": N_("codat-register is installed"),
    "INSTALLED_WORKSPACE": N_("codat-register is now installed in *{workspace}*."),
    "INSTALLED_ORGANISATION": N_(
        "codat-register is now installed in every workspace of *{organisation}*: "
        "it answers in each of them, and each workspace keeps its own registrations."
    ),
    "NEXT_STEP": N_(
        "Open Slack and type `/codat-register start` in any conversation to register a platform "
        "for Codat, or `/codat-register help` to see everything it does."
    ),
    "OPEN_SLACK": N_("Open Slack"),
    "FAILED_TITLE": N_("codat-register was not installed"),
    "FAILED_STATE": N_(
        "This installation link has expired or was already used (it works once, for ten minutes, "
        "in the browser that opened it). Nothing was installed: start again from the Add to Slack link."
    ),
    "FAILED_CANCELLED": N_("The installation was cancelled in Slack. Nothing was installed."),
    "FAILED_OTHER": N_(
        "Slack did not complete the installation (`{reason}`). Nothing was installed: try again from the "
        "Add to Slack link, and if it fails again, ask whoever runs codat-register."
    ),
    "TRY_AGAIN": N_("Add to Slack again"),
    # What Slack shows someone whose request reached the bot from a workspace it is not installed in.
    "NOT_INSTALLED": N_(
        "codat-register is not installed in this workspace (or it was uninstalled). "
        "Ask a workspace admin to install it again."
    ),
    "NOT_INSTALLED_LINK": N_(
        "codat-register is not installed in this workspace (or it was uninstalled). "
        "Ask a workspace admin to install it again: {url}"
    ),
}

__getattr__ = translated_texts(_TEXTS)
