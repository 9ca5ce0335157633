"""The catalogue's facts in other languages: `catalogue.<language>.toml` beside `catalogue.toml`.

Each file holds only text, keyed by platform id and by the English facts' stable keys (its header
says how). A fact with no translation, or one that no longer matches the English (a hurdle list of
another length or kind), keeps its English text, and `missing` lists it for the test that wants none.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.catalogue.models import UNKNOWN, CatalogueError, Platform

# The facts a person reads, by the model's field names.
PLATFORM_TEXTS = ("no_credentials_reason", "sandbox", "portal_path")
FIELD_TEXTS = ("label", "hint")
EXTRA_TEXTS = ("title", "help")


@dataclass
class Translated:
    """One platform in another language, and the English facts left untranslated."""

    platform: Platform
    missing: list[str] = field(default_factory=list)


def translation_files(english: Path) -> dict[str, Path]:
    """`catalogue.fr.toml` and the like beside `english`, by language."""
    found = sorted(english.parent.glob(f"{english.stem}.*.toml"))
    return {path.suffixes[0].lstrip("."): path for path in found}


def load_translations(path: Path) -> dict[str, dict[str, Any]]:
    """The raw tables of one translation file, by platform id."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise CatalogueError(f"{path.name}: {err}") from None
    platforms = data.get("platforms", {})
    if not isinstance(platforms, dict):
        raise CatalogueError(f"{path.name}: [platforms.<id>] tables expected")
    return platforms


def translate(english: Platform, raw: dict[str, Any] | None) -> Translated:
    """`english` with every fact `raw` translates; the rest stays English and is listed as missing."""
    raw = raw or {}
    missing: list[str] = []
    where = english.id

    def text(table: dict[str, Any], name: str, english_text: str | None, path: str) -> str | None:
        if not english_text or english_text == UNKNOWN:
            return english_text
        value = table.get(name)
        if isinstance(value, str) and value.strip():
            return value
        missing.append(path)
        return english_text

    updates: dict[str, Any] = {
        name: text(raw, name, getattr(english, name), f"{where}.{name}") for name in PLATFORM_TEXTS
    }
    fields = raw.get("credential_fields", {})
    updates["credential_fields"] = tuple(
        credential.model_copy(
            update={
                name: text(fields.get(credential.key, {}), name, getattr(credential, name),
                           f"{where}.credential_fields.{credential.key}.{name}")
                for name in FIELD_TEXTS
            }
        )
        for credential in english.credential_fields
    )  # fmt: skip
    extras = raw.get("extra_checklist", {})
    updates["extra_checklist"] = tuple(
        extra.model_copy(
            update={
                name: text(extras.get(extra.key, {}), name, getattr(extra, name),
                           f"{where}.extra_checklist.{extra.key}.{name}")
                for name in EXTRA_TEXTS
            }
        )
        for extra in english.extra_checklist
    )  # fmt: skip
    updates["hurdles"] = _hurdles(english, raw.get("hurdles"), missing)
    titles = {doc.get("url"): doc.get("title") for doc in raw.get("docs", []) if isinstance(doc, dict)}
    docs = []
    for link in english.docs:
        title = titles.get(link.url)
        if not (isinstance(title, str) and title.strip()):
            missing.append(f"{where}.docs[{link.url}]")
            title = link.title
        docs.append(link.model_copy(update={"title": title}))
    updates["docs"] = tuple(docs)
    return Translated(english.model_copy(update=updates), missing)


def _hurdles(english: Platform, raw: Any, missing: list[str]) -> tuple[Any, ...]:
    # By position, with the kind as a guard: a list that no longer matches is not used at all.
    entries = raw if isinstance(raw, list) else []
    matches = len(entries) == len(english.hurdles) and all(
        isinstance(entry, dict) and entry.get("kind") == hurdle.kind and isinstance(entry.get("text"), str)
        for entry, hurdle in zip(entries, english.hurdles, strict=False)
    )
    if not matches:
        missing.extend(f"{english.id}.hurdles[{index}]" for index in range(len(english.hurdles)))
        return english.hurdles
    return tuple(
        hurdle.model_copy(update={"text": entry["text"]})
        for hurdle, entry in zip(english.hurdles, entries, strict=True)
    )
