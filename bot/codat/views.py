"""How the Codat verification reads: the Codat line of `status`, the answers of `verify`, and where
the keys go (the wizard's summary). Renders only; nothing here asks Codat or the database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.catalogue import Platform
from bot.codat import texts as t
from bot.codat.client import IntegrationOutcome
from bot.slack.blocks import message, section
from core.i18n import format_short_moment
from storage.codat_checks import CheckState

if TYPE_CHECKING:
    from bot.codat.verification import Checked

# Secret Manager's resource name of a version: projects/P/secrets/ID/versions/V.
_VERSION_NAME = re.compile(r"^projects/([^/]+)/secrets/([^/]+)/versions/([^/]+)$")


def utc_moment(moment: datetime) -> str:
    """ "Tue 01 Dec 09:00 UTC" in the reader's language (status has no reader's zone at hand)."""
    return t.UTC_MOMENT.format(moment=format_short_moment(moment.astimezone(UTC)))


def reason_text(
    outcome: IntegrationOutcome, *, platform_key: str | None, http_status: int | None,
    not_before: datetime | None,
) -> str:  # fmt: skip
    """Why a check gave no yes-or-no, plainly."""
    match outcome:
        case IntegrationOutcome.KEY_REFUSED:
            return t.REASON_KEY_REFUSED
        case IntegrationOutcome.UNKNOWN_PLATFORM:
            return t.REASON_UNKNOWN_PLATFORM.format(key=platform_key or "?")
        case IntegrationOutcome.RATE_LIMITED:
            if not_before is None:
                return t.REASON_RATE_LIMITED_NO_WHEN
            return t.REASON_RATE_LIMITED.format(when=utc_moment(not_before))
        case _ if http_status == 200:
            return t.REASON_BAD_ANSWER
        case _ if http_status is not None:
            return t.REASON_HTTP.format(status=http_status)
        case _:
            return t.REASON_UNREACHABLE


def status_text(state: CheckState | None, *, has_item: bool) -> str | None:
    """ "Codat: enabled / not enabled / not checked" (with the reason of a failed check) for one
    registration; None when Codat is not part of its checklist and was never asked."""
    if state is None or state.outcome is None:
        return t.STATUS_NOT_CHECKED if has_item else None
    try:
        outcome = IntegrationOutcome(state.outcome)
    except ValueError:  # written by a later version of the bot
        return t.STATUS_NOT_CHECKED
    if outcome is IntegrationOutcome.ENABLED:
        text = t.STATUS_ENABLED
    elif outcome is IntegrationOutcome.NOT_ENABLED:
        text = t.STATUS_NOT_ENABLED
    else:
        reason = reason_text(
            outcome,
            platform_key=state.platform_key,
            http_status=state.http_status,
            not_before=state.not_before,
        )
        text = t.STATUS_FAILED.format(reason=reason)
    if state.checked_at is None:
        return text
    return t.STATUS_CHECKED.format(state=text, when=utc_moment(state.checked_at))


# --- /codat-register verify -----------------------------------------------------------------------


def reply(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def verify_message(checked: Checked, platform: Platform) -> dict[str, Any]:
    """The answer to `verify`, once Codat answered (or asked to wait)."""
    environment = checked.target.environment
    values = {"name": platform.name, "environment": environment, "platform": platform.id}
    check = checked.check
    if check is None:
        when = utc_moment(checked.not_before) if checked.not_before else "?"
        return reply(t.VERIFY_WAIT.format(when=when, **values))
    if check.enabled:
        if checked.recorded.ticked:
            return reply(t.VERIFY_TICKED.format(**values) + (t.VERIFY_COMPLETED if checked.completed else ""))
        return reply(t.VERIFY_ENABLED.format(**values))
    if check.outcome is IntegrationOutcome.NOT_ENABLED:
        return reply(t.VERIFY_NOT_ENABLED.format(path=platform.portal_path, **values))
    if check.outcome is IntegrationOutcome.KEY_REFUSED:
        return reply(t.VERIFY_KEY_REFUSED.format(**values))
    reason = reason_text(
        check.outcome, platform_key=check.platform_key, http_status=check.http_status,
        not_before=checked.not_before,
    )  # fmt: skip
    return reply(t.VERIFY_FAILED.format(reason=reason, **values))


# --- where the keys go ---------------------------------------------------------------------------------


def gcloud_command(resource_name: str) -> str | None:
    """The command that reads a stored version back, for a person holding the accessor role; None for
    a reference that is not a Secret Manager version (the development vault)."""
    match = _VERSION_NAME.match(resource_name)
    if match is None:
        return None
    project, secret, version = match.groups()
    return f"gcloud secrets versions access {version} --secret={secret} --project={project}"


def read_back_text(resource_names: Sequence[str]) -> str | None:
    """Who reads the stored values and how (one gcloud command per stored version), or None when
    nothing is stored."""
    if not resource_names:
        return None
    commands = [command for name in resource_names if (command := gcloud_command(name))]
    if not commands:
        return t.KEYS_DEVELOPMENT_VAULT
    return t.KEYS_READ + "\n```" + "\n".join(commands) + "```"


def then_verify_text(platform: Platform, environment: str) -> str:
    return t.KEYS_THEN_VERIFY.format(platform=platform.id, environment=environment)
