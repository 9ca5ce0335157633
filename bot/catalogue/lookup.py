"""Turning what a person typed into a platform, or into a helpful sentence."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import Catalogue, Platform
from bot.catalogue import texts as t
from bot.slack import texts as common
from bot.slack.mrkdwn import escape


@dataclass(frozen=True)
class Resolved:
    platform: Platform | None
    problem: str | None  # a sentence for the person when platform is None


def _either(options: list[str]) -> str:
    quoted = [f"`{option}`" for option in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def resolve_platform(catalogue: Catalogue, word: str | None) -> Resolved:
    """Key, name, alias or unique prefix, case-insensitive; otherwise say what to try."""
    if not word:
        return Resolved(None, t.PLATFORM_NEEDED)
    lookup = catalogue.find(word)
    if lookup.platform is not None:
        return Resolved(lookup.platform, None)
    if lookup.candidates:
        options = _either([platform.id for platform in lookup.candidates[:5]])
        return Resolved(None, t.AMBIGUOUS_PLATFORM.format(word=escape(word), options=options))
    problem = t.UNKNOWN_PLATFORM.format(word=escape(word))
    if lookup.suggestions:
        problem += " " + common.DID_YOU_MEAN.format(options=_either(list(lookup.suggestions)))
    return Resolved(None, f"{problem} {common.HELP_LINE}")


def did_you_mean(word: str, choices: list[str]) -> str:
    """'Did you mean …?' for a mistyped word among fixed choices, or ''."""
    import difflib

    close = difflib.get_close_matches(word.lower(), choices, n=3, cutoff=0.5)
    return common.DID_YOU_MEAN.format(options=_either(close)) if close else ""
