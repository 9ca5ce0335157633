"""From a platform's submitted credential fields to what goes into the vault, and storing it.

The rule, per catalogue entry:
- ``store_as_json = true``: every field goes into **one** JSON object stored under the field name
  ``credentials`` (keys = the catalogue's field keys, sorted; compact separators), so values that
  only work together (client ID + secret, Sage Intacct sender ID + password, Amazon's six values)
  change atomically in one Secret Manager version.
- otherwise: one secret per field key, each value its own version.

Values are stripped of surrounding whitespace (pastes from portals often carry a newline);
optional fields left empty are omitted. Every field, secret or not, goes to the vault.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.wizard import texts as t
from storage.vault.base import StoredSecret, Vault, VaultError

if TYPE_CHECKING:
    from bot.catalogue import Platform

JSON_FIELD = "credentials"
MIN_VAULT_SECONDS = 0.05  # don't start a vault write that cannot finish


@dataclass(frozen=True)
class CredentialPayload:
    """One value to store: the vault field name and the value. Never log or render it."""

    field: str
    value: str

    def __repr__(self) -> str:
        return f"CredentialPayload(field={self.field!r}, value=[redacted])"


class CredentialInputError(ValueError):
    """Submitted fields are missing or unknown. Carries field keys and labels only, never values."""

    def __init__(self, missing: Sequence[str], unknown: Sequence[str], labels: Mapping[str, str]) -> None:
        self.missing = tuple(missing)
        self.unknown = tuple(unknown)
        parts = []
        if self.missing:
            parts.append("missing: " + ", ".join(labels.get(key, key) for key in self.missing))
        if self.unknown:
            parts.append("not a field of this platform: " + ", ".join(self.unknown))
        super().__init__("; ".join(parts))


def payloads_for(platform: Platform, submitted: Mapping[str, str | None]) -> list[CredentialPayload]:
    """What to store for `submitted` (field key → value): one JSON payload, or one per field.

    Raises CredentialInputError when a required field is empty or a key is not in the catalogue.
    """
    values = _clean(platform, submitted)
    if platform.store_as_json:
        document = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return [CredentialPayload(JSON_FIELD, document)]
    return [CredentialPayload(key, value) for key, value in values.items()]


def payloads_to_store(platform: Platform, given: Mapping[str, str]) -> list[CredentialPayload]:
    """What to store for the filled-in fields of a validated form (bot.wizard.steps checked them).

    Stored per field, a required field already stored and left empty keeps its stored value.
    """
    try:
        return payloads_for(platform, given)
    except CredentialInputError as error:
        if platform.store_as_json or error.unknown:
            raise
        return [CredentialPayload(key, raw.strip()) for key, raw in given.items()]


def store(
    vault: Vault,
    payloads: Sequence[CredentialPayload],
    *,
    deadline: float,
    team_id: str,
    registration_id: str,
    platform: str,
    environment: str,
    actor: str,
    pending: bool = False,
    expires_on: date | None = None,
) -> list[StoredSecret]:
    """Store every payload, each within what is left until `deadline` (a time.monotonic() instant);
    with `pending` (a production credential waiting for approval: bot.approvals), as disabled
    versions that are not yet the registration's current credential. `expires_on`: the secret's
    `expires-at` annotation (and rotation schedule, with ROTATION_TOPIC).

    Raises VaultError, retryable "deadline_exceeded" when too little time is left to start the next
    write. Per-field platforms are not atomic across fields: after a failure, submitting the same
    form again is safe — fields already stored come back with created=False and add no version.
    """
    stored = []
    for payload in payloads:
        remaining = deadline - time.monotonic()
        if remaining < MIN_VAULT_SECONDS:
            raise VaultError(t.ERROR_VAULT, code="deadline_exceeded", retryable=True)
        stored.append(
            vault.store(
                team_id=team_id,
                registration_id=registration_id,
                platform=platform,
                environment=environment,
                field=payload.field,
                value=payload.value,
                actor=actor,
                timeout=remaining,
                pending=pending,
                expires_on=expires_on,
            )
        )
    return stored


def _clean(platform: Platform, submitted: Mapping[str, str | None]) -> dict[str, str]:
    known = {field.key for field in platform.credential_fields}
    unknown = sorted(key for key in submitted if key not in known)
    values: dict[str, str] = {}
    missing: list[str] = []
    for field in platform.credential_fields:
        value = (submitted.get(field.key) or "").strip()
        if value:
            values[field.key] = value
        elif field.required:
            missing.append(field.key)
    if missing or unknown:
        labels = {field.key: str(field.label) for field in platform.credential_fields}
        raise CredentialInputError(missing, unknown, labels)
    return values
