"""Codat: is an integration enabled? The API client (`client`, which imports nothing from the bot),
and the verification that ticks "Enabled in Codat" (`verification`, `scheduler`, `views`, `texts`)."""

from bot.codat.client import (
    DEFAULT_TIMEOUT_SECONDS,
    KEY_REFUSED_MESSAGE,
    CodatClient,
    IntegrationCheck,
    IntegrationOutcome,
    parse_retry_after,
)

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "KEY_REFUSED_MESSAGE",
    "CodatClient",
    "IntegrationCheck",
    "IntegrationOutcome",
    "parse_retry_after",
]
