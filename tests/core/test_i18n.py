"""The catalogues: every text translated with the same placeholders, the template current, and
dates, numbers and locales in the person's language."""

from __future__ import annotations

import string
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.catalogue import load_catalogue
from core.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    NP_,
    format_datetime,
    format_day,
    format_list,
    gettext,
    language_for_locale,
    supported,
    use_language,
)

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"N_": None, "NP_": (1, 2)}
TRANSLATED = [language for language in LANGUAGES if language != "en"]


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def fields(text: str) -> set[str]:
    return {name for _, name, spec, _ in string.Formatter().parse(text) if name is not None}


def test_french_is_a_catalogued_language() -> None:
    assert "fr" in TRANSLATED


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(language: str) -> None:
    missing = []
    for message in catalogue(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"{len(missing)} untranslated in {language}: {missing[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_source(language: str) -> None:
    wrong = []
    for message in catalogue(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(fields(s) for s in sources)) - {"count"}
        for translated in strings:
            if translated and fields(translated) - {"count"} != expected:
                wrong.append((sources[0], translated))
    assert wrong == []


def test_the_template_lists_exactly_the_marked_texts() -> None:
    """`scripts/i18n extract` was run after the last text changed (the .pot is current)."""
    marked = set()
    for directory in ("bot", "handlers", "core", "storage"):
        for _, _, message, _, _ in extract_from_dir(REPO / directory, keywords=KEYWORDS):
            marked.add(message if isinstance(message, str) else message[0])
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(marked - template) == [], "marked but not in locale/messages.pot: run scripts/i18n extract"
    assert sorted(template - marked) == [], "in locale/messages.pot but no longer marked"


def test_a_text_is_looked_up_in_the_current_language() -> None:
    source = "I will write to you in French from now on."
    assert gettext(source) == source
    with use_language("fr"):
        assert gettext(source) == "Je vous écris désormais en français."
    with use_language("klingon"):  # unknown: English
        assert gettext(source) == source


def test_plural_forms_follow_the_language() -> None:
    steps = NP_("{count} step is open", "{count} steps are open")
    assert (steps(1), steps(2)) == ("1 step is open", "2 steps are open")
    assert steps(1234) == "1,234 steps are open"
    with use_language("fr"):
        assert steps(1234).startswith("1\u202f234") or steps(1234).startswith("1 234")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("fr-FR", "fr"), ("fr-CA", "fr"), ("fr", "fr"), ("en-US", "en"), ("en-GB", "en"), ("de-DE", "en"),
     ("es-ES", "en"), (None, None), ("", None)],
)  # fmt: skip
def test_slack_locales_map_to_languages(locale: str | None, language: str | None) -> None:
    assert language_for_locale(locale) == language


def test_supported_language_codes() -> None:
    codes = ("FR", "fr_FR", "en-gb", "xx", None)
    assert [supported(code) for code in codes] == ["fr", "fr", "en", None, None]


def test_dates_and_lists_are_formatted_for_the_language() -> None:
    moment = datetime(2026, 12, 1, 9, 0)
    assert format_datetime(moment) == "Tuesday 1 December, 09:00"
    assert format_day(date(2026, 12, 1)) == "Tue 01 Dec"
    assert format_list(["Client ID", "Client Secret"]) == "Client ID and Client Secret"
    with use_language("fr"):
        assert format_datetime(moment) == "mardi 1 décembre, 09:00"
        assert format_day(date(2026, 12, 1)) == "mar. 1 déc."
        assert format_list(["Client ID", "Client Secret"]) == "Client ID et Client Secret"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_fact_is_translated(language: str) -> None:
    """The platform facts (labels, hurdles, sandbox notes, where the keys go) have a translation;
    a missing one falls back to English and is listed here."""
    assert load_catalogue().missing[language] == []


def test_catalogue_facts_come_in_the_current_language_with_english_as_the_fallback() -> None:
    platforms = load_catalogue()
    english = platforms.get("xero")
    with use_language("fr"):
        french = platforms.get("xero")
        assert platforms.find("xero").platform == french
        assert [p.id for p in platforms] == [p.id for p in platforms.platforms]
    assert french.id == english.id and french.name == english.name
    assert french.platform_key == english.platform_key
    assert french.sandbox != english.sandbox
    assert [f.key for f in french.credential_fields] == [f.key for f in english.credential_fields]
