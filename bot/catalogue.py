"""The platform catalogue: every Codat integration a company may register with.

The data lives in `catalogue.toml` beside this module (facts and their citations); this module
loads it, validates it and answers lookups. A registration stores a platform's `id`, so ids are
stable. Values the sources don't state are the string "unknown", never a guess.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_PATH = Path(__file__).with_name("catalogue.toml")
UNKNOWN = "unknown"
# The environments a registration can target (storage's `registrations.environment`).
ENVIRONMENTS: tuple[str, ...] = ("sandbox", "production")

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ID_MAX = 40
_FIELD_KEY = re.compile(r"[a-z0-9_]{1,40}")
_PLATFORM_KEY = re.compile(r"[a-z]{4}")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Environment = Literal["sandbox", "production"]
Tristate = StrictBool | Literal["unknown"]


class CatalogueError(Exception):
    """The catalogue file is missing, malformed or inconsistent; the message names the problem."""


class Category(StrEnum):
    """Codat's integration categories, in the order the bot lists them."""

    accounting = "accounting"
    banking = "banking"
    bank_feeds = "bank-feeds"
    commerce = "commerce"

    @property
    def title(self) -> str:  # type: ignore[override]  # display name, e.g. "Bank feeds"
        return self.value.replace("-", " ").capitalize()


class HurdleKind(StrEnum):
    """What sort of obstacle a hurdle is, so views can pick an icon or group them."""

    partner_programme = "partner_programme"
    approval_delay = "approval_delay"
    generic_mailbox = "generic_mailbox"
    connection_cap = "connection_cap"
    expiry_rotation = "expiry_rotation"
    restriction = "restriction"
    regions = "regions"
    other = "other"


def _url_or_unknown(value: str | None) -> str | None:
    if value is not None and value != UNKNOWN and not value.startswith("https://"):
        raise ValueError(f"must be an https:// URL or {UNKNOWN!r}, got {value!r}")
    return value


class CredentialField(BaseModel):
    """One value the company copies from the platform's developer portal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str  # snake_case, stable: the vault and secret_refs store it
    label: Text  # as the platform names it
    codat_field: Text | None = None  # the Codat Portal box it goes into, when documented
    secret: StrictBool  # secrets are masked; every field still goes to the vault
    required: StrictBool = True
    hint: str = ""  # where to find it, short

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        if not _FIELD_KEY.fullmatch(value):
            raise ValueError(f"field key {value!r} must match [a-z0-9_]{{1,40}}")
        return value


class Hurdle(BaseModel):
    """Something that slows or blocks a registration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: HurdleKind
    text: Text


class Link(BaseModel):
    """A public documentation page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    url: str

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"must be an https:// URL, got {value!r}")
        return value


class ExtraItem(BaseModel):
    """A platform-specific checklist item, added to the base items by `bot.checklist`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: Text
    phase: Literal["registration", "credentials"]
    help: Text
    # Place among the base items of the phase (they use 100, 200, 300…); None: after them.
    order: int | None = None
    environments: tuple[Environment, ...] = ("sandbox", "production")

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        if not _FIELD_KEY.fullmatch(value):
            raise ValueError(f"item key {value!r} must match [a-z0-9_]{{1,40}}")
        return value

    @field_validator("environments")
    @classmethod
    def _check_environments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("environments must not be empty (omit it for both)")
        return value

    def applies_to(self, environment: str) -> bool:
        """Whether this item belongs on a checklist for `environment` ("sandbox" or "production")."""
        return environment in self.environments


class Platform(BaseModel):
    """One Codat integration and what registering with it takes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: Text
    category: Category
    platform_key: str  # Codat's 4-letter key, or "unknown"
    sandbox_platform_key: str | None = None
    aliases: tuple[Text, ...] = ()
    unlisted: StrictBool = False  # Codat's page is unlisted: maybe legacy or enabled on request
    credentials_required: StrictBool
    credentials_known: StrictBool = True  # False: Codat's docs don't describe the credentials
    no_credentials_reason: Text | None = None
    credential_fields: tuple[CredentialField, ...] = ()
    store_as_json: StrictBool = False  # all fields in one JSON payload, one secret version
    developer_registration: Tristate
    redirect_uri: str | None = None
    sandbox_redirect_uri: str | None = None
    sandbox: Text
    sandbox_available: Tristate
    requires_generic_mailbox: StrictBool = False
    hurdles: tuple[Hurdle, ...] = ()
    portal_path: Text
    portal_url: str
    docs: tuple[Link, ...] = ()
    sources: tuple[Text, ...]
    extra_checklist: tuple[ExtraItem, ...] = ()

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.fullmatch(value) or len(value) > _ID_MAX:
            raise ValueError(f"id {value!r} must be a lowercase-hyphen slug of at most {_ID_MAX} chars")
        return value

    @field_validator("platform_key")
    @classmethod
    def _check_platform_key(cls, value: str) -> str:
        if value != UNKNOWN and not _PLATFORM_KEY.fullmatch(value):
            raise ValueError(f"platform_key {value!r} must be 4 lowercase letters or {UNKNOWN!r}")
        return value

    @field_validator("sandbox_platform_key")
    @classmethod
    def _check_sandbox_key(cls, value: str | None) -> str | None:
        if value is not None and not _PLATFORM_KEY.fullmatch(value):
            raise ValueError(f"sandbox_platform_key {value!r} must be 4 lowercase letters")
        return value

    @field_validator("redirect_uri", "sandbox_redirect_uri", "portal_url")
    @classmethod
    def _check_urls(cls, value: str | None) -> str | None:
        return _url_or_unknown(value)

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for alias in value:
            if not _normalize(alias):
                raise ValueError(f"alias {alias!r} has no letters or digits")
        return value

    @field_validator("sources")
    @classmethod
    def _check_sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one source is required")
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Platform:
        if self.credentials_required and not self.credential_fields:
            raise ValueError("credentials_required is true but credential_fields is empty")
        if not self.credentials_required and self.credential_fields:
            raise ValueError("credential_fields given but credentials_required is false")
        if not self.credentials_required and not self.no_credentials_reason:
            raise ValueError("credentials_required is false: no_credentials_reason must say what happens")
        if self.credentials_required and self.no_credentials_reason:
            raise ValueError("no_credentials_reason given but credentials_required is true")
        if not self.credentials_known and self.credentials_required:
            raise ValueError("credentials_known is false, so credentials_required must be false")
        if self.store_as_json and len(self.credential_fields) < 2:
            raise ValueError("store_as_json needs at least 2 credential fields")
        if self.requires_generic_mailbox and self.developer_registration is not True:
            raise ValueError("requires_generic_mailbox needs developer_registration = true")
        _check_unique("credential field key", [f.key for f in self.credential_fields])
        _check_unique("extra_checklist key", [e.key for e in self.extra_checklist])
        return self

    # --- helpers ---------------------------------------------------------------------------

    @property
    def secret_fields(self) -> tuple[CredentialField, ...]:
        """The fields whose values must be masked (every field still goes to the vault)."""
        return tuple(f for f in self.credential_fields if f.secret)

    @property
    def required_fields(self) -> tuple[CredentialField, ...]:
        """The fields a credentials form must not accept empty."""
        return tuple(f for f in self.credential_fields if f.required)

    @property
    def has_sandbox(self) -> bool:
        """True only when the sources say a sandbox or test option exists."""
        return self.sandbox_available is True

    @property
    def is_bank_feed(self) -> bool:
        return self.category is Category.bank_feeds

    @property
    def platform_keys(self) -> tuple[str, ...]:
        """The known Codat keys for this platform: production key first, then the sandbox key."""
        keys = [self.platform_key] if self.platform_key != UNKNOWN else []
        if self.sandbox_platform_key:
            keys.append(self.sandbox_platform_key)
        return tuple(keys)

    @property
    def portal_link(self) -> str | None:
        """The Codat Portal page where the keys go, or None when unknown."""
        return None if self.portal_url == UNKNOWN else self.portal_url

    def field(self, field_key: str) -> CredentialField:
        """The credential field with this key; KeyError if the platform has none."""
        for credential_field in self.credential_fields:
            if credential_field.key == field_key:
                return credential_field
        raise KeyError(f"{self.id} has no credential field {field_key!r}")

    def label_for(self, field_key: str) -> str:
        """The platform's label for a credential field; KeyError if unknown."""
        return self.field(field_key).label

    def redirect_uri_for(self, environment: str) -> str | None:
        """The Codat callback to register for `environment`: None when n/a, or "unknown"."""
        if environment == "sandbox" and self.sandbox_redirect_uri is not None:
            return self.sandbox_redirect_uri
        return self.redirect_uri

    def extras_for(self, environment: str) -> tuple[ExtraItem, ...]:
        """The platform's extra checklist items that apply to `environment`, in file order."""
        return tuple(item for item in self.extra_checklist if item.applies_to(environment))


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
            _check_unique("platform id", [p.id for p in self.platforms])
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
                token = _normalize(raw)
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
            self._spellings[platform.id] = tuple(dict.fromkeys(_normalize(raw) for _, raw in spellings))
        self._display = {token: owner.name for token, (owner, _) in owners.items()}

    def __iter__(self) -> Iterator[Platform]:
        return iter(self.platforms)

    def __len__(self) -> int:
        return len(self.platforms)

    def __contains__(self, platform_id: object) -> bool:
        return platform_id in self._by_id

    def get(self, platform_id: str) -> Platform:
        """The platform with this id; KeyError if there is none."""
        try:
            return self._by_id[platform_id]
        except KeyError:
            raise KeyError(f"no platform with id {platform_id!r}") from None

    def by_category(self) -> dict[Category, list[Platform]]:
        """Platforms grouped by category: every category, in Category order, platforms in file order."""
        groups: dict[Category, list[Platform]] = {category: [] for category in Category}
        for platform in self.platforms:
            groups[platform.category].append(platform)
        return groups

    def find(self, query: str) -> Lookup:
        """Resolve what a person typed to a platform.

        Case, spaces and punctuation are ignored. Tried in order: id, Codat key (a key shared with
        a bank-feeds entry, like gbol, resolves to the other entry), name, alias, then a prefix of
        an id, name or alias. Several prefix matches give an ambiguous Lookup; no match at all
        gives up to 3 suggestions of close spellings.
        """
        token = _normalize(query)
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
        return Catalogue(platforms)
    except CatalogueError as err:
        raise CatalogueError(f"{path}: {err}") from None


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


def _normalize(text: str) -> str:
    """Lowercase letters and digits only: "Sage Intacct" and "sage-intacct" both give "sageintacct"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def _check_unique(what: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


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
