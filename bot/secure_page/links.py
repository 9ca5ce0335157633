"""A secure page link as a request meets it: found and usable, or the page that says why not.

`find()` checks a token in this order, stopping at the first problem: the shape and a known id
(404 — no workspace to audit it in, so it is only logged), the secret against the stored hash
(404: changed or cut short), not used and not expired (410), a registration still open whose
credential fields are those the link was made for (410). Every refusal is logged with the link's
id (never its token) and audited (`secure_page.refused`, surface `page`) in its workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.secure_page import page
from bot.secure_page import texts as t
from bot.secure_page.reply import Page
from bot.secure_page.tokens import LinkToken, parse_link_token, same
from bot.wizard import texts as wizard_texts
from bot.wizard.snapshot import Snapshot, load
from core.i18n import format_short_moment, use_language
from storage.audit import Record, Surface
from storage.secure_links import Link, SecureLinks

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.secure_page")


@dataclass(frozen=True)
class Found:
    """A link that may be used, its token, and its registration as the wizard reads it."""

    token: LinkToken
    link: Link
    snapshot: Snapshot


def event(link: Link, action: str, *, actor: str | None = None, **details: Any) -> Record:
    """An audit event about a link, through the page: ids and reasons only, never a token."""
    return Record(
        actor or link.user_id,
        action,
        link.id,
        registration_id=link.registration_id,
        platform=link.platform,
        environment=link.environment,
        surface=Surface.page,
        details={"link": link.id, **details},
    )


def refuse(deps: Deps, link: Link, reason: str, *, actor: str | None = None, **details: Any) -> None:
    """Log (never the token) and audit a refused attempt; `actor` when Slack said who it was (else
    the person the link was made for)."""
    logger.info("secure page: refused link %s (%s)", link.id, reason)
    refused = event(link, "secure_page.refused", actor=actor, reason=reason, **details)
    SecureLinks(deps.db).record(link.team_id, refused)


def not_found(deps: Deps) -> Page:
    """Anything else under /secure/."""
    language = deps.settings.DEFAULT_LANGUAGE
    with use_language(language):
        return Page(404, page.problem_page(language, t.NOT_FOUND_HEADING, [t.NOT_FOUND]))


def find(deps: Deps, raw_token: str) -> Found | Page:
    """The link a token opens, or the page that says why it cannot be used (logged, audited)."""
    token = parse_link_token(raw_token)
    link = SecureLinks(deps.db).get(token.link_id) if token is not None else None
    if token is None or link is None:
        logger.info("secure page: %s link", "a malformed" if token is None else "an unknown")
        return unknown(deps)
    with use_language(link.language):
        if not same(token.value, link.token_hash):
            refuse(deps, link, "tampered")
            return unknown(deps, link)
        now = deps.clock.now()
        if link.used_at is not None:
            refuse(deps, link, "used")
            return problem(deps, link, 410, t.USED_HEADING, t.USED)
        if link.expired(now):
            refuse(deps, link, "expired")
            return problem(deps, link, 410, t.EXPIRED_HEADING, t.EXPIRED(deps.settings.SECURE_LINK_MINUTES))
        snapshot = load(deps, link.team_id, link.registration_id, link.user_id)
        if snapshot is None:
            refuse(deps, link, "registration_gone")
            return problem(deps, link, 410, t.GONE_HEADING, t.GONE)
        if tuple(f.key for f in snapshot.platform.credential_fields) != link.field_keys:
            refuse(deps, link, "fields_changed")
            text = t.FIELDS_CHANGED.format(name=snapshot.platform.name)
            return problem(deps, link, 410, t.FIELDS_CHANGED_HEADING, text)
        return Found(token, link, snapshot)


def unknown(deps: Deps, link: Link | None = None) -> Page:
    language = link.language if link is not None else deps.settings.DEFAULT_LANGUAGE
    with use_language(language):
        lines = [t.UNKNOWN, t.NEW_LINK_ANY.format(command=wizard_texts.COMMAND)]
        return Page(404, page.problem_page(language, t.UNKNOWN_HEADING, lines))


def problem(deps: Deps, link: Link, status: int, heading: str, text: str, *, new_link: bool = True) -> Page:
    lines = [text]
    if new_link:
        lines.append(t.NEW_LINK.format(command=wizard_texts.COMMAND, platform=link.platform))
    return Page(status, page.problem_page(link.language, heading, lines, names_of(deps, link)))


def names_of(deps: Deps, link: Link) -> page.Names:
    """A Slack user's name as the bot knows it (the id when it knows nothing)."""

    def name(user_id: str) -> str:
        person = deps.slack.cached_person(link.team_id, user_id)
        return person.names[0] if person is not None and person.names else user_id

    return name


def until(deps: Deps, team_id: str, user_id: str, moment: datetime) -> str:
    """When a link expires, in the person's time zone (as the bot knows it), with the zone."""
    person = deps.slack.cached_person(team_id, user_id)
    local = moment.astimezone(person.zone if person is not None else UTC)
    return f"{format_short_moment(local)} {local.tzname() or 'UTC'}"
