"""The credentials step's expiry date, decided from the catalogue's rule (pure: no Slack, no database).

A rule (bot.catalogue.ExpiryRule) is a cited fact: Business Central's Entra ID secret lasts at most
24 months from the date chosen at creation; Amazon's LWA secret must be rotated every 180 days.
Without a rule the date is optional and unbounded (beyond the picker's own sense).
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.catalogue import Platform
from bot.expiry import texts as t
from core.i18n import format_long_day

GRACE = timedelta(days=1)  # the person's calendar may be a day off UTC's


def suggested(platform: Platform, today: date, stored: date | None) -> date | None:
    """What the picker shows first: the date stored, else today + the rule's suggestion."""
    if stored is not None:
        return stored
    rule = platform.credential_expiry
    return None if rule is None else today + timedelta(days=rule.suggested_days)


def rule_text(platform: Platform) -> str | None:
    """The platform's rule in words, for the picker's hint; None without one."""
    rule = platform.credential_expiry
    if rule is None:
        return None
    words = t.RULE_CHOSEN if rule.rule == "chosen_at_creation" else t.RULE_ROTATE
    return str(t.PICKER_HINT_RULE.format(name=platform.name, rule=words(rule.max_days)))


def error(platform: Platform, expires_on: date | None, invalid: bool, today: date) -> str | None:
    """What is wrong with the date given, or None."""
    if invalid:
        return str(t.ERROR_INVALID)
    if expires_on is None:
        return None
    if expires_on < today - GRACE:
        return str(t.ERROR_PAST)
    rule = platform.credential_expiry
    if rule is not None and expires_on > today + timedelta(days=rule.max_days) + GRACE:
        last = format_long_day(today + timedelta(days=rule.max_days))
        return str(t.ERROR_TOO_FAR(rule.max_days, name=platform.name, last=last))
    return None
