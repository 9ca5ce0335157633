"""The OAuth-mode fixtures (tests.support.oauth)."""

from tests.support.oauth import oauth_bot, oauth_clock, oauth_settings, slack  # noqa: F401
