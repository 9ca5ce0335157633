"""The vault interface the rest of the bot sees. The bot is write-only: nothing here reads a value back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
    # Four eyes: the version was added disabled and waits for approval (it is not the current
    # credential); `stored_fingerprint` is the full keyed fingerprint its approval row keeps.
    pending: bool = False
    stored_fingerprint: str = ""


class VaultError(Exception):
    """A store failed. `user_message` is safe to show in Slack and never echoes the value."""

    def __init__(
        self,
        user_message: str,
        *,
        code: str = "unknown",
        retryable: bool = False,
        leftover: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.code = code
        self.retryable = retryable
        # A version added but not made unusable in time (its resource name, never a value): the
        # caller keeps trying to disable it after answering (CredentialVault.disable).
        self.leftover = leftover


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
        pending: bool = False,
        expires_on: date | None = None,
    ) -> StoredSecret:
        """Store `value` for a registration's credential field and record the reference.

        Idempotent per (registration, field, value): storing the same value again returns the
        existing reference with created=False and adds no version (nor any other call, even with
        `expires_on`: use set_expiry for a date-only change). With `pending`, the new version is
        added disabled and nothing is recorded (the caller records its approval); `expires_on` is
        then ignored (set_expiry after approval).

        `expires_on` (not pending): the secret's `expires-at` annotation, and with ROTATION_TOPIC
        Secret Manager's rotation schedule (SECRET_ROTATE published the first reminder lead
        before the date). Written at CreateSecret, or best effort with UpdateSecret after the
        version was added: a refusal is logged and the store still succeeds.
        Raises VaultError.
        """
        ...

    def set_expiry(
        self,
        *,
        team_id: str,
        registration_id: str,
        platform: str,
        environment: str,
        field: str,
        actor: str,
        expires_on: date | None,
        timeout: float | None = None,
    ) -> bool:
        """Write (or with None, clear) the expiry date on the field's secret: the annotations
        (stored-by, stored-at, registration-id, expires-at) and, with ROTATION_TOPIC, the rotation
        schedule and topics. True when the vault confirmed; False on any failure (one WARNING log
        line); never raises VaultError."""
        ...

    def enable(self, resource_name: str, *, timeout: float | None = None) -> None:
        """Make an approved version usable. Raises VaultError."""
        ...

    def disable(self, resource_name: str, *, timeout: float | None = None) -> None:
        """Make a version unusable (it stays restorable). Raises VaultError."""
        ...
