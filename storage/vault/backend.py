"""What the vault asks of a backend (Secret Manager, or the development vault): the secret a value
goes to, with its metadata, and the calls a backend answers. Raises VaultError; never reads a
value back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RotationSchedule:
    """Secret Manager's rotation schedule for a secret (ROTATION_TOPIC is set): SECRET_ROTATE is
    published to `topic` at `next_rotation_time`. None there means no schedule: a new secret gets
    neither rotation nor topics, an existing one has both cleared."""

    topic: str
    next_rotation_time: datetime | None


@dataclass(frozen=True)
class SecretTarget:
    """The secret a value goes to, with the metadata set when it is created (never the value)."""

    secret_id: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    # None: the rotation schedule is not managed (no ROTATION_TOPIC, or no expiry date given).
    rotation: RotationSchedule | None = None
    # An expiry date was given: when the secret exists already, rewrite its annotations (and
    # rotation) after the version was added — best effort, inside what is left of the deadline.
    refresh_metadata: bool = False


@dataclass(frozen=True)
class WrittenVersion:
    """A version the backend confirmed."""

    resource_name: str
    version: str


class SecretBackend(Protocol):
    """Where versions are written. Raises VaultError; never reads a value back."""

    name: str  # "google" | "development"
    location_label: str
    development_only: bool

    def add_version(
        self, target: SecretTarget, payload: bytes, *, deadline: float, disabled: bool = False
    ) -> WrittenVersion:
        """Create the secret if needed and add `payload` as a new version before `deadline`
        (a time.monotonic() value). With `disabled`, the version is disabled at once, before the
        same deadline; a backend checks first that it may (and may enable it later), so a missing
        permission adds nothing. A version it added but could not disable is raised as a
        VaultError with `leftover` set."""
        ...

    def disable_version(self, resource_name: str, *, deadline: float) -> None: ...

    def enable_version(self, resource_name: str, *, deadline: float) -> None: ...

    def update_metadata(self, target: SecretTarget, *, deadline: float) -> None:
        """Replace the existing secret's annotations with `target.annotations` and, when
        `target.rotation` is set, its rotation schedule and topics, before `deadline`. Raises
        VaultError and logs nothing itself (the caller logs once)."""
        ...

    def close(self) -> None: ...
