"""The sandbox's Codat: a stand-in on loopback that knows every platform of the catalogue (all
switched off, as for a new Codat client), with the bot's CODAT_API_URL and CODAT_API_KEY pointed at
it — so nothing typed into the page reaches a real Codat.

Only settings that name a Codat explicitly (both CODAT_API_URL and CODAT_API_KEY set) are kept
as they are: then that Codat is asked, and no stand-in starts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.settings import Settings, load_settings
from simulators.codat import DEFAULT_INTEGRATIONS, CodatStandIn, IntegrationRecord

if TYPE_CHECKING:
    from bot.catalogue import Catalogue

# The catalogue's categories as Codat's `sourceType`.
SOURCE_TYPES = {
    "accounting": "Accounting",
    "banking": "Banking",
    "bank-feeds": "BankFeed",
    "commerce": "Commerce",
}


def explicit_codat(settings: Settings) -> bool:
    """Whether the person pointed the bot at a Codat of their own (URL and key both set)."""
    return "CODAT_API_URL" in settings.model_fields_set and settings.CODAT_API_KEY is not None


def catalogue_integrations(catalogue: Catalogue) -> list[IntegrationRecord]:
    """Every Codat key of the catalogue (production and sandbox ones), switched off, plus the
    stand-in's own defaults (Codat's "Sandbox" integration, on)."""
    records = {record.key: record for record in DEFAULT_INTEGRATIONS}
    for platform in catalogue:
        source_type = SOURCE_TYPES.get(platform.category.value, "Other")
        for key in platform.platform_keys:
            name = platform.name if key == platform.platform_key else f"{platform.name} (sandbox)"
            records.setdefault(key, IntegrationRecord(key, name, source_type=source_type))
    return sorted(records.values(), key=lambda record: (record.name.lower(), record.key))


@dataclass(frozen=True)
class SandboxCodat:
    """The running stand-in and the key it accepts (made for this run; never printed)."""

    standin: CodatStandIn
    api_key: str = field(repr=False)

    def stop(self) -> None:
        self.standin.stop()


def start_codat(settings: Settings, host: str, catalogue: Catalogue) -> SandboxCodat | None:
    """The sandbox's stand-in, started on `host` (None when the settings name a Codat explicitly)."""
    if explicit_codat(settings):
        return None
    api_key = secrets.token_hex(16)
    standin = CodatStandIn(api_key=api_key, host=host, integrations=catalogue_integrations(catalogue))
    standin.start()
    return SandboxCodat(standin, api_key)


def codat_settings(settings: Settings, codat: SandboxCodat | None) -> Settings:
    """`settings` with CODAT_API_URL and CODAT_API_KEY pointed at the stand-in (unchanged without one)."""
    if codat is None:
        return settings
    kept = settings.model_dump(exclude={"CODAT_API_URL", "CODAT_API_KEY"})
    return load_settings(**kept, CODAT_API_URL=codat.standin.url, CODAT_API_KEY=codat.api_key)
