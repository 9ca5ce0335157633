"""The install pages: what the installer's browser shows when Slack sends it back to the bot
(GET /slack/oauth_redirect), in the secure page's style and Content-Security-Policy — plain HTML,
one hashed inline style, nothing loaded from anywhere. Views only render: handlers.installs decides.
"""

from __future__ import annotations

import html

from slack_sdk.oauth.installation_store import Installation

from bot.installs import texts as t
from bot.secure_page.page import CONTENT_SECURITY_POLICY, document, inline
from core.i18n import language_for_locale, use_language

# Bolt's reasons (slack_bolt.oauth.oauth_flow) for which the installer just needs a new link.
STALE_LINK_REASONS = frozenset({"invalid_state", "invalid_browser"})
CANCELLED_REASONS = frozenset({"access_denied"})

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "failed_page",
    "installed_page",
    "not_installed_message",
    "page_language",
]


def page_language(accept_language: str | None, default: str) -> str:
    """The browser's first language when the bot has it (fr-*, en-*), else `default`."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    return (language_for_locale(first) if first and first != "*" else None) or default


def not_installed_message(public_url: str | None, install_path: str, language: str) -> str:
    """What Slack shows whoever asks from a workspace the app is not installed in (Bolt says it)."""
    with use_language(language):
        if public_url:
            return t.NOT_INSTALLED_LINK.format(url=f"{public_url}{install_path}")
        return t.NOT_INSTALLED


def installed_page(installation: Installation, language: str) -> str:
    """The installation is done: where, and what to type in Slack."""
    with use_language(language):
        if installation.is_enterprise_install:
            where = t.INSTALLED_ORGANISATION.format(
                organisation=installation.enterprise_name or installation.enterprise_id
            )
        else:
            where = t.INSTALLED_WORKSPACE.format(workspace=installation.team_name or installation.team_id)
        team = installation.team_id or installation.enterprise_id or ""
        deep_link = f"slack://app?team={team}&id={installation.app_id or ''}"
        body = (
            f"<h1>{html.escape(t.INSTALLED_TITLE)}</h1>\n<p>{inline(where)}</p>\n<p>{inline(t.NEXT_STEP)}</p>\n"
            f'<p><a href="{html.escape(deep_link)}">{html.escape(t.OPEN_SLACK)}</a></p>'
        )
        return document(language, t.INSTALLED_TITLE, body)


def failed_page(reason: str, language: str, install_path: str) -> str:
    """Nothing was installed: why, in words, and a link to start again."""
    with use_language(language):
        if reason in STALE_LINK_REASONS:
            why = t.FAILED_STATE
        elif reason in CANCELLED_REASONS:
            why = t.FAILED_CANCELLED
        else:
            why = t.FAILED_OTHER.format(reason=reason)
        body = (
            f'<h1>{html.escape(t.FAILED_TITLE)}</h1>\n<p class="banner">{inline(why)}</p>\n'
            f'<p><a href="{html.escape(install_path)}">{html.escape(t.TRY_AGAIN)}</a></p>'
        )
        return document(language, t.FAILED_TITLE, body)
