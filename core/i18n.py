"""Languages: gettext catalogues through Babel, the current language per request, and dates.

Texts are marked where they are written (`N_` / `NP_`, extracted by `pybabel extract`) and looked
up when they are used, in the language of the person who will read them: a request's language is
set once at the edge (`use_language`), the reminders set each recipient's. A feature's texts
module exposes its marked texts as attributes translated at access time (`translated_texts`), so
`t.HELP_TITLE` is French inside `use_language("fr")`.

Adding a language: see README > Languages (extract, init, translate, compile).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the msgids are English


def _catalogued() -> tuple[str, ...]:
    """English plus every language with a catalogue: a new language is a catalogue file away."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


LANGUAGES = _catalogued()

_current: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)


# --- marking ----------------------------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark a text for extraction; it is translated where it is used."""
    return message


@dataclass(frozen=True)
class Plural:
    """A text with a singular and a plural form, chosen by the count (ngettext)."""

    singular: str
    plural: str

    def __call__(self, count: int, **values: Any) -> str:
        return ngettext(self.singular, self.plural, count).format(count=format_number(count), **values)


def NP_(singular: str, plural: str) -> Plural:
    """Mark a text with plural forms; `text(count, **values)` picks and fills the right form."""
    return Plural(singular, plural)


# --- the current language -----------------------------------------------------------------------------


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Within the block, texts, dates and numbers are in `language` (a supported one, else English)."""
    language = supported(language) or SOURCE_LANGUAGE
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


def set_language(language: str) -> None:
    """Set the current context's language (Bolt middleware: the rest of the request runs in it)."""
    _current.set(supported(language) or SOURCE_LANGUAGE)


def supported(language: str | None) -> str | None:
    """The supported language for a code such as `fr`, `fr-CA`, `fr_FR` or `EN`; None otherwise."""
    if not language:
        return None
    base = language.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def language_for_locale(slack_locale: str | None) -> str | None:
    """Slack's `locale` (`fr-FR`, `fr-CA`, `en-GB` …): `fr-*` → French, any other known locale →
    English, none → None (the caller falls back to DEFAULT_LANGUAGE)."""
    if not slack_locale:
        return None
    return supported(slack_locale) or SOURCE_LANGUAGE


# --- lookups ---------------------------------------------------------------------------------------------


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English needs none: the msgids are English)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    found = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(found, Translations):
        raise RuntimeError(
            f"no compiled catalogue for {language!r} under {LOCALE_DIR}: run "
            "`pybabel compile -d locale` (scripts/run and scripts/test do it)"
        )
    return found


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language()).ngettext(singular, plural, count)


def translate(value: Any) -> Any:
    """A marked text, or a dict/tuple/list of them, in the current language (other values as they are)."""
    if isinstance(value, str):
        return gettext(value) if value else value
    if isinstance(value, Mapping):
        return {key: translate(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(translate(item) for item in value)
    return value


def translated_texts(texts: Mapping[str, Any]) -> Callable[[str], Any]:
    """A module `__getattr__` that answers each name of `texts` in the current language."""

    # Catalogues do not change while the process runs: each text is translated once per language.
    done: dict[tuple[str, str], Any] = {}

    def __getattr__(name: str) -> Any:
        key = (current_language(), name)
        if key not in done:
            try:
                value = texts[name]
            except KeyError:
                raise AttributeError(name) from None
            done[key] = value if isinstance(value, Plural) else translate(value)
        return done[key]

    return __getattr__


# --- dates and numbers ------------------------------------------------------------------------------------

# "mardi 1 décembre, 09:00" / "Tuesday 1 December, 09:00"
_DATETIME = {"en": "EEEE d MMMM, HH:mm", "fr": "EEEE d MMMM, HH:mm"}
_DAY = {"en": "EEE dd MMM", "fr": "EEE d MMM"}  # "Tue 01 Dec" / "mar. 1 déc."
_SHORT_MOMENT = {"en": "EEE dd MMM HH:mm", "fr": "EEE d MMM HH:mm"}  # "Tue 01 Dec 09:00"


def babel_locale() -> Locale:
    return Locale.parse(current_language())


def format_datetime(moment: datetime) -> str:
    """A moment as a person reads it, in their time zone (`moment` already converted) and language."""
    language = current_language()
    return babel_format_datetime(moment, _DATETIME.get(language, _DATETIME["en"]), locale=language)


def format_short_moment(moment: datetime) -> str:
    """A short moment: "Tue 01 Dec 09:00" / "mar. 1 déc. 09:00"."""
    language = current_language()
    return babel_format_datetime(moment, _SHORT_MOMENT.get(language, _SHORT_MOMENT["en"]), locale=language)


def format_day(day: date) -> str:
    """A short date: "Tue 01 Dec" / "mar. 1 déc."."""
    language = current_language()
    return babel_format_date(day, _DAY.get(language, _DAY["en"]), locale=language)


def format_long_day(day: date) -> str:
    """A date with its year: "30 June 2027" / "30 juin 2027"."""
    return babel_format_date(day, "d MMMM y", locale=current_language())


def format_iso_day(day: date) -> str:
    """A date as the commands take it back (YYYY-MM-DD), the same in every language."""
    return day.isoformat()


def format_list(items: list[str]) -> str:
    """ "a, b and c" / "a, b et c"."""
    return babel_format_list(items, locale=current_language()) if items else ""


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=current_language())
