"""The platform catalogue: every Codat integration a company may register with.

The data lives in `catalogue.toml` beside this module (facts and their citations); this module
loads it, validates it and answers lookups. A registration stores a platform's `id`, so ids are
stable. Values the sources don't state are the string "unknown", never a guess.
"""

from __future__ import annotations

import difflib
import functools
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)

from bot.catalogue.models import (
    DEFAULT_PATH,
    CatalogueError,
    Category,
    Platform,
    check_unique,
    normalize,
)
from bot.catalogue.translations import Translated, load_translations, translate, translation_files
from core.i18n import current_language


@dataclass(frozen=True)
class Lookup:
    """The result of `Catalogue.find`.

    - Resolved: `platform` is set and `candidates` is `(platform,)`.
    - Ambiguous: `platform` is None and `candidates` lists the matches, in catalogue order.
    - No match: both empty; `suggestions` holds up to 3 display names of close spellings.
    """

    platform: Platform | None
    candidates: tuple[Platform, ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.platform is None and len(self.candidates) > 1


class Catalogue:
    """All platforms, in file order, with lookups. Build it with `load_catalogue`."""

    def __init__(self, platforms: Sequence[Platform]) -> None:
        """Index `platforms`; raises CatalogueError when ids, names, aliases or keys clash."""
        self.platforms: tuple[Platform, ...] = tuple(platforms)
        if not self.platforms:
            raise CatalogueError("the catalogue has no platforms")
        try:
            check_unique("platform id", [p.id for p in self.platforms])
        except ValueError as err:
            raise CatalogueError(str(err)) from None
        self._by_id = {p.id: p for p in self.platforms}
        self._by_key = _index_keys(self.platforms)
        # Normalized spellings, one index per match stage of `find`.
        self._ids: dict[str, Platform] = {}
        self._names: dict[str, Platform] = {}
        self._aliases: dict[str, Platform] = {}
        self._spellings: dict[str, tuple[str, ...]] = {}  # platform id -> all its normalized spellings
        owners: dict[str, tuple[Platform, str]] = {}  # normalized spelling -> (platform, "what 'raw'")
        for platform in self.platforms:
            spellings = [("id", platform.id), ("name", platform.name)]
            spellings += [("alias", alias) for alias in platform.aliases]
            for what, raw in spellings:
                token = normalize(raw)
                described = f"{what} {raw!r}"
                owner = owners.setdefault(token, (platform, described))
                if owner[0].id != platform.id:
                    raise CatalogueError(
                        f"{described} of platform {platform.id!r} clashes with "
                        f"{owner[1]} of platform {owner[0].id!r}"
                    )
                key_owners = self._by_key.get(token, [])
                if key_owners and platform not in key_owners:
                    raise CatalogueError(
                        f"{described} of platform {platform.id!r} equals the Codat key "
                        f"of platform {key_owners[0].id!r}"
                    )
                index = {"id": self._ids, "name": self._names, "alias": self._aliases}[what]
                index[token] = platform
            self._spellings[platform.id] = tuple(dict.fromkeys(normalize(raw) for _, raw in spellings))
        self._display = {token: owner.name for token, (owner, _) in owners.items()}
        self._variants: dict[str, dict[str, Platform]] = {}
        self.missing: dict[str, list[str]] = {}  # language -> English facts without a translation

    # --- languages: every answer below is in the current language (core.i18n) -----------------------
    def add_language(self, language: str, translated: dict[str, Translated]) -> None:
        """Platforms in another language (ids, keys and names as in English)."""
        self._variants[language] = {platform_id: t.platform for platform_id, t in translated.items()}
        self.missing[language] = [path for t in translated.values() for path in t.missing]

    def _here(self, platform: Platform) -> Platform:
        return self._variants.get(current_language(), {}).get(platform.id, platform)

    def __iter__(self) -> Iterator[Platform]:
        return iter([self._here(p) for p in self.platforms])

    def __len__(self) -> int:
        return len(self.platforms)

    def __contains__(self, platform_id: object) -> bool:
        return platform_id in self._by_id

    def get(self, platform_id: str) -> Platform:
        """The platform with this id; KeyError if there is none."""
        try:
            return self._here(self._by_id[platform_id])
        except KeyError:
            raise KeyError(f"no platform with id {platform_id!r}") from None

    def by_category(self) -> dict[Category, list[Platform]]:
        """Platforms grouped by category: every category, in Category order, platforms in file order."""
        groups: dict[Category, list[Platform]] = {category: [] for category in Category}
        for platform in self.platforms:
            groups[platform.category].append(self._here(platform))
        return groups

    def find(self, query: str) -> Lookup:
        """Resolve what a person typed to a platform.

        Case, spaces and punctuation are ignored. Tried in order: id, Codat key (a key shared with
        a bank-feeds entry, like gbol, resolves to the other entry), name, alias, then a prefix of
        an id, name or alias. Several prefix matches give an ambiguous Lookup; no match at all
        gives up to 3 suggestions of close spellings.
        """
        found = self._find(query)
        return Lookup(
            self._here(found.platform) if found.platform else None,
            tuple(self._here(p) for p in found.candidates),
            found.suggestions,
        )

    def _find(self, query: str) -> Lookup:
        token = normalize(query)
        if not token:
            return Lookup(None)
        if token in self._ids:
            return _lookup([self._ids[token]])
        if token in self._by_key:
            return _lookup(_prefer_non_feed(self._by_key[token]))
        for index in (self._names, self._aliases):
            if token in index:
                return _lookup([index[token]])
        prefixed = [p for p in self.platforms if any(s.startswith(token) for s in self._spellings[p.id])]
        if prefixed:
            return _lookup(prefixed)
        close = difflib.get_close_matches(token, list(self._display), n=10, cutoff=0.6)
        suggestions = tuple(dict.fromkeys(self._display[t] for t in close))[:3]
        return Lookup(None, (), suggestions)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue; the default file beside this module is loaded once.

    Raises CatalogueError naming the file, the platform and the problem.
    """
    if path is None:
        return _load_default()
    return _load(path)


@functools.cache
def _load_default() -> Catalogue:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Catalogue:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CatalogueError(f"{path}: cannot read: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError(f"{path}: invalid TOML: {err}") from err
    unexpected = sorted(set(data) - {"platforms"})
    if unexpected:
        raise CatalogueError(f"{path}: unexpected top-level keys {unexpected}; only [[platforms]] is allowed")
    raw_platforms = data.get("platforms")
    if not isinstance(raw_platforms, list):
        raise CatalogueError(f"{path}: no [[platforms]] tables")
    platforms = [_parse_platform(path, number, raw) for number, raw in enumerate(raw_platforms, start=1)]
    try:
        catalogue = Catalogue(platforms)
    except CatalogueError as err:
        raise CatalogueError(f"{path}: {err}") from None
    for language, translation_path in translation_files(path).items():
        raw = load_translations(translation_path)
        unknown = sorted(set(raw) - {p.id for p in platforms})
        if unknown:
            raise CatalogueError(f"{translation_path.name}: no English platform with id {unknown}")
        catalogue.add_language(language, {p.id: translate(p, raw.get(p.id)) for p in platforms})
    return catalogue


def _parse_platform(path: Path, number: int, raw: dict[str, Any]) -> Platform:
    name = raw.get("id")
    label = f"platform {name!r} (#{number})" if isinstance(name, str) else f"platform #{number}"
    try:
        return Platform.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(_describe(error) for error in err.errors())
        raise CatalogueError(f"{path}: {label}: {problems}") from None


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _index_keys(platforms: Sequence[Platform]) -> dict[str, list[Platform]]:
    by_key: dict[str, list[Platform]] = {}
    for platform in platforms:
        for key in platform.platform_keys:
            by_key.setdefault(key, []).append(platform)
    for key, sharing in by_key.items():
        if len([p for p in sharing if not p.is_bank_feed]) > 1:
            ids = ", ".join(repr(p.id) for p in sharing)
            raise CatalogueError(f"Codat key {key!r} is used by several non-bank-feeds platforms: {ids}")
    return by_key


def _prefer_non_feed(platforms: list[Platform]) -> list[Platform]:
    primary = [p for p in platforms if not p.is_bank_feed]
    return primary or platforms


def _lookup(matches: Sequence[Platform]) -> Lookup:
    if len(matches) == 1:
        return Lookup(matches[0], (matches[0],))
    return Lookup(None, tuple(matches))
