"""The OAuth-mode fixtures (tests.support.oauth), for the installations' tests."""

from tests.support.oauth import oauth_bot, oauth_clock, oauth_settings, slack  # noqa: F401
