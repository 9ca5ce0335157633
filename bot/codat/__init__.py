"""Codat's API, as far as the bot needs it: is an integration enabled? Imports nothing from the bot."""

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
