"""The vault interface the rest of the bot sees. The bot is write-only: nothing here reads a value back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredSecret:
    """Where a value went. Safe to show and to store: it never contains the value."""

    field: str
    backend: str  # "google" | "development"
    resource_name: str
    version: str
    fingerprint: str  # short keyed HMAC for display, e.g. "hmac:3f9a1c2b7d0e"
    created: bool  # False when the same value was already stored for this field (idempotent)


class VaultError(Exception):
    """A store failed. `user_message` is safe to show in Slack and never echoes the value."""

    def __init__(self, user_message: str, *, code: str = "unknown", retryable: bool = False) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.code = code
        self.retryable = retryable


class Vault(Protocol):
    backend: str
    location_label: str  # e.g. "Google Cloud Secret Manager (project acme-prod)" or "development vault …"
    development_only: bool

    def store(
        self,
        *,
        team_id: str,
        registration_id: str,
        platform: str,
        environment: str,
        field: str,
        value: str,
        actor: str,
        timeout: float | None = None,
    ) -> StoredSecret:
        """Store `value` for a registration's credential field and record the reference.

        Idempotent per (registration, field, value): storing the same value again returns the
        existing reference with created=False and adds no version. Raises VaultError.
        """
        ...
