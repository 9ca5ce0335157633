"""Messages for `help`, `list` and `info`."""

from __future__ import annotations

import functools
from typing import Any

from bot.catalogue import Catalogue, Category, Platform
from bot.catalogue import texts as t
from bot.slack.blocks import context, divider, header, message, section
from core.i18n import current_language


def help_message(prefix: str | None = None) -> dict[str, Any]:
    """The help text, optionally after a one-line note (e.g. an unknown subcommand). Without a
    note it is the same for everyone who reads a language: built once per language (it answers
    the most frequent command, inside the ack). Callers must not change what they get."""
    if prefix:
        return _help_message(prefix)
    return _plain_help(current_language())


@functools.cache
def _plain_help(language: str) -> dict[str, Any]:
    return _help_message(None)  # `language` is the cache key: the texts follow the current one


def _help_message(prefix: str | None) -> dict[str, Any]:
    lines = "\n".join(f"`{usage}` — {what}" for usage, what in t.HELP_COMMANDS)
    blocks = []
    if prefix:
        blocks.append(section(prefix))
    blocks += [header(t.HELP_TITLE), section(t.HELP_INTRO), section(lines), context(t.HELP_FOOTER)]
    return message(f"{prefix + ' ' if prefix else ''}{t.HELP_TITLE}", blocks)


def _marks(platform: Platform) -> str:
    marks = []
    if platform.credentials_required:
        marks.append("🔑")
    if platform.sandbox_available is True:
        marks.append("🧪")
    if platform.requires_generic_mailbox:
        marks.append("✉️")
    return " ".join(marks)


def list_message(catalogue: Catalogue, category: Category | None = None) -> dict[str, Any]:
    """The catalogue grouped by category, marking credentials, sandboxes and mailbox rules."""
    blocks = [header(t.LIST_HEADER), context(t.LIST_LEGEND)]
    for group, platforms in catalogue.by_category().items():
        if (category is not None and group != category) or not platforms:
            continue
        lines = []
        for platform in platforms:
            marks = _marks(platform) or f"_{t.LIST_NO_CREDENTIALS}_"
            lines.append(f"• *{platform.name}* (`{platform.id}`) {marks}")
        blocks.append(section(f"*{group.title}*\n" + "\n".join(lines)))
    return message(t.LIST_HEADER, blocks)


def info_message(platform: Platform) -> dict[str, Any]:
    """One catalogue entry: fields, redirect URIs, sandbox, hurdles, where the keys go, docs."""
    key = platform.platform_key if platform.platform_key != "unknown" else t.UNKNOWN
    blocks = [header(platform.name), context(f"{platform.category.title} · {t.INFO_KEY.format(key=key)}")]
    if platform.credentials_required:
        fields = "\n".join(
            f"• {field.label}"
            + (f" _({t.SECRET_MARK})_" if field.secret else "")
            + (t.INFO_CODAT_FIELD.format(field=field.codat_field) if field.codat_field else "")
            for field in platform.credential_fields
        )
        blocks.append(section(f"{t.INFO_FIELDS}\n{fields}"))
    else:
        blocks.append(section(t.INFO_NO_CREDENTIALS.format(reason=platform.no_credentials_reason or "")))
    uris = []
    if platform.redirect_uri:
        uris.append(t.INFO_REDIRECT.format(uri=platform.redirect_uri))
    if platform.sandbox_redirect_uri:
        uris.append(t.INFO_SANDBOX_REDIRECT.format(uri=platform.sandbox_redirect_uri))
    uris.append(t.INFO_SANDBOX.format(text=platform.sandbox or t.UNKNOWN))
    blocks.append(section("\n".join(uris)))
    if platform.hurdles:
        hurdles = "\n".join(f"• {hurdle.text}" for hurdle in platform.hurdles)
        blocks.append(section(f"{t.INFO_HURDLES}\n{hurdles}"))
    if platform.portal_path:
        blocks.append(section(t.INFO_WHERE.format(path=platform.portal_path)))
    if platform.docs:
        links = " · ".join(f"<{link.url}|{link.title}>" for link in platform.docs)
        blocks += [divider(), context(t.INFO_DOCS.format(links=links))]
    return message(platform.name, blocks)
