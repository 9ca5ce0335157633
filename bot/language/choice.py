"""A person's language: their stored choice, else their Slack locale, else the workspace default."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.gateway import Person
from core.i18n import language_for_locale, supported


class Source(StrEnum):
    chosen = "chosen"  # `/codat-register language fr|en`
    slack = "slack"  # users.info → locale
    default = "default"  # DEFAULT_LANGUAGE: nothing known yet


def language_of(person: Person | None, default: str) -> tuple[str, Source]:
    """The language to write to `person` in, and why."""
    if person is not None:
        chosen = supported(person.language)
        if chosen:
            return chosen, Source.chosen
        from_locale = language_for_locale(person.locale)
        if from_locale:
            return from_locale, Source.slack
    return default, Source.default


CHOICES = {"fr": "fr", "french": "fr", "français": "fr", "francais": "fr",
           "en": "en", "english": "en", "anglais": "en",
           "auto": None, "slack": None}  # fmt: skip
