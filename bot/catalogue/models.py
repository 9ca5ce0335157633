"""The catalogue's data model: a platform, its credential fields, hurdles, links and extra checklist
items, validated when `catalogue.toml` is loaded (see bot.catalogue)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from core.i18n import N_, gettext

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
        return gettext(_CATEGORY_TITLES[self.value])


_CATEGORY_TITLES = {
    "accounting": N_("Accounting"),
    "banking": N_("Banking"),
    "bank-feeds": N_("Bank feeds"),
    "commerce": N_("Commerce"),
}


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
    """A platform-specific checklist item, added to the base items by `bot.registrations.checklist`."""

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


class ExpiryRule(BaseModel):
    """How long the platform's credential lasts, when its documentation says (else no rule).

    `chosen_at_creation`: the person picks the expiry when creating the secret, at most `max_days`
    ahead; `rotate_every`: the platform makes you rotate it every `max_days` days. The credentials
    step suggests `suggested_days` from today and refuses a date past `max_days`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Literal["chosen_at_creation", "rotate_every"]
    max_days: int
    suggested_days: int
    source: str

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"must be an https:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _check_days(self) -> ExpiryRule:
        if not 1 <= self.suggested_days <= self.max_days <= 3650:
            raise ValueError("credential_expiry needs 1 <= suggested_days <= max_days <= 3650")
        return self


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
    credential_expiry: ExpiryRule | None = None  # None: its documentation names no expiry

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
            if not normalize(alias):
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
        if self.credential_expiry is not None and not self.credentials_required:
            raise ValueError("credential_expiry needs credentials_required = true")
        if self.requires_generic_mailbox and self.developer_registration is not True:
            raise ValueError("requires_generic_mailbox needs developer_registration = true")
        check_unique("credential field key", [f.key for f in self.credential_fields])
        check_unique("extra_checklist key", [e.key for e in self.extra_checklist])
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

    def codat_key_for(self, environment: str) -> str | None:
        """The Codat platform key a registration in `environment` is checked under: the sandbox key
        for a sandbox registration when the catalogue has one, else the production key; None when
        Codat's key is unknown."""
        if environment == "sandbox" and self.sandbox_platform_key:
            return self.sandbox_platform_key
        return self.platform_key if self.platform_key != UNKNOWN else None

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


def normalize(text: str) -> str:
    """Lowercase letters and digits only: "Sage Intacct" and "sage-intacct" both give "sageintacct"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def check_unique(what: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)
