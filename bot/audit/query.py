"""`audit [platform] [since YYYY-MM-DD]`: the words after `audit`, parsed into what to read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.audit import texts as t
from bot.catalogue import Catalogue, Platform
from bot.catalogue.lookup import resolve_platform
from bot.slack.mrkdwn import echo

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SINCE = ("since", "depuis")  # the French word works too


@dataclass(frozen=True)
class AuditQuery:
    """Which events: one platform's (None: all) since a day (None: from the start)."""

    platform: Platform | None = None
    since: date | None = None

    def since_moment(self, zone: ZoneInfo) -> datetime | None:
        """The start of `since` in the reader's time zone."""
        return None if self.since is None else datetime.combine(self.since, time(0), zone)


def parse_query(catalogue: Catalogue, words: tuple[str, ...], today: date) -> AuditQuery | str:
    """The query, or the sentence that tells the person what to type instead."""
    example = today.isoformat()
    platform_words, day_word = list(words), None
    marks = [at for at, word in enumerate(platform_words) if word.lower() in SINCE]
    if marks:
        platform_words, after = platform_words[: marks[-1]], platform_words[marks[-1] + 1 :]
        if len(after) != 1:
            return t.SINCE_NEEDS_DATE.format(example=example)
        day_word = after[0]
    elif platform_words and _DAY.fullmatch(platform_words[-1]):  # `audit 2026-03-01`: "since" implied
        day_word = platform_words.pop()
    since = None if day_word is None else _day(day_word)
    if day_word is not None and since is None:
        return t.BAD_SINCE.format(word=echo(day_word), example=example)
    if not platform_words:
        return AuditQuery(None, since)
    resolved = resolve_platform(catalogue, " ".join(platform_words))
    if resolved.platform is None:
        return f"{resolved.problem} {t.USAGE}"
    return AuditQuery(resolved.platform, since)


def _day(word: str) -> date | None:
    if not _DAY.fullmatch(word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:  # 2026-02-30
        return None
