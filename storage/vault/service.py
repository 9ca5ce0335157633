"""CredentialVault: fingerprint → idempotency lookup → backend write under a deadline → SecretRef row.

The same service runs on top of Google Cloud Secret Manager and on top of the development vault;
a backend only knows how to add a version to a named secret (optionally disabled at once), to
enable or disable a version, and to rewrite a secret's metadata (annotations, rotation schedule).

Expiry dates: a credential's expiry date is the secret's `expires-at` annotation and, with
ROTATION_TOPIC, Secret Manager's rotation schedule (`next_rotation_time` = the date at 00:00 UTC
minus the first EXPIRY_REMINDER_DAYS lead; Secret Manager then publishes SECRET_ROTATE to the
topic — it rotates nothing itself). Writing them on an existing secret needs
`secretmanager.secrets.update`; it is best effort, since the bot's database is the source of truth
for reminders.

Four eyes (bot.approvals): a production credential is stored *pending* — added, then disabled
within the same deadline, so it is never what someone copies into the Codat Portal — and no
reference is recorded: its approval row (storage.approvals) keeps where it went until another
admin approves it, which enables the version and makes its reference current.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Concatenate, ParamSpec

from sqlalchemy import Connection

from core import metrics
from core.logs import in_flight_secrets
from storage.db import Database
from storage.models import utcnow
from storage.vault import errors, secret_ids
from storage.vault.backend import RotationSchedule, SecretBackend, SecretTarget, WrittenVersion
from storage.vault.base import StoredSecret, VaultError
from storage.vault.fingerprint import Fingerprinter, display
from storage.vault.references import Known, References

logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 65_536  # Secret Manager's limit per version (64 KiB)
# Secret Manager refuses a next_rotation_time less than 5 minutes ahead; keep a margin for clocks
# and slow calls. A moment closer than this leaves the rotation schedule out.
MIN_ROTATION_AHEAD = timedelta(hours=1)
# ...and more than 100 years ahead (a date picked far in the future): left out as well.
MAX_ROTATION_AHEAD = timedelta(days=36_500)


_P = ParamSpec("_P")


def _metered(
    store: Callable[Concatenate[CredentialVault, _P], StoredSecret],
) -> Callable[Concatenate[CredentialVault, _P], StoredSecret]:
    """Count each store by outcome (stored, unchanged or the error's code) and time it."""

    @functools.wraps(store)
    def metered(self: CredentialVault, *args: _P.args, **kwargs: _P.kwargs) -> StoredSecret:
        started = time.monotonic()
        try:
            stored = store(self, *args, **kwargs)
        except Exception as error:
            code = error.code if isinstance(error, VaultError) else "unexpected"
            metrics.vault_writes.labels(code).inc()
            metrics.vault_write_seconds.labels("failed").observe(time.monotonic() - started)
            raise
        outcome = "stored" if stored.created else "unchanged"  # a pending version is stored too
        metrics.vault_writes.labels(outcome).inc()
        metrics.vault_write_seconds.labels(outcome).observe(time.monotonic() - started)
        return stored

    return metered


class CredentialVault:
    """The bot's Vault: idempotent, recorded writes of credential values to a backend."""

    def __init__(
        self,
        backend: SecretBackend,
        db: Database,
        fingerprinter: Fingerprinter,
        *,
        deadline_seconds: float = 1.5,
        disable_previous: bool = False,
        rotation_topic: str | None = None,
        reminder_days: Sequence[int] = (30, 7, 1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._backend = backend
        self._refs = References(db)
        self._fingerprinter = fingerprinter
        self._deadline_seconds = deadline_seconds
        self._disable_previous = disable_previous
        self._rotation_topic = rotation_topic
        # SECRET_ROTATE is published at the first (largest) reminder lead before the expiry date.
        self._rotation_lead = timedelta(days=max(reminder_days, default=0))
        self._clock = clock
        self.backend = backend.name
        self.location_label = backend.location_label
        self.development_only = backend.development_only

    @_metered
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

        Idempotent per (registration, field, value): the same value again returns the existing
        reference with created=False and makes no backend call. A different value adds a new
        version and supersedes the field's previous reference. Raises VaultError, whose
        message is safe to show and never contains the value.

        With `pending` (a production credential waiting for approval), a new value is added as a
        *disabled* version and nothing is recorded or superseded: the result has pending=True and
        the caller records its approval. The value already current comes back as it is (nothing
        to approve); the value already waiting comes back pending with created=False.

        `expires_on` (ignored with `pending`: set_expiry applies it after approval) becomes the
        secret's `expires-at` annotation and, with a rotation topic, its rotation schedule: set
        at CreateSecret for a new secret, or with UpdateSecret after the version was added for an
        existing one — best effort: a failure is one WARNING line and the store still succeeds.
        The same value again makes no backend call, with or without `expires_on`.
        """
        if not isinstance(value, str):
            raise errors.not_text()
        with in_flight_secrets.track(value):
            payload = _payload(value)
            fingerprint = self._fingerprinter.stored(payload)
            with self._connect() as connection:
                known = self._lookup(connection, team_id, registration_id, field, fingerprint)
                if known.current is not None:
                    return known.current
                if pending:
                    waiting = self._waiting(connection, team_id, registration_id, field, fingerprint)
                    if waiting is not None:
                        return waiting
                deadline = time.monotonic() + (timeout if timeout is not None else self._deadline_seconds)
                target = self._target(
                    team_id=team_id,
                    registration_id=registration_id,
                    platform=platform,
                    environment=environment,
                    field=field,
                    actor=actor,
                    expires_on=None if pending else expires_on,
                    with_expiry=not pending and expires_on is not None,
                )
                # Trade-off: AddSecretVersion is not idempotent. If an attempt fails ambiguously
                # (DEADLINE_EXCEEDED / UNAVAILABLE after the server applied it), no row is written
                # here, and the user's retry adds one more version with the same payload. A
                # duplicate of the same value is harmless ("latest" holds it either way), whereas
                # reading back to deduplicate would need versions.list/access, which the
                # write-only role lacks.
                written = self._backend.add_version(target, payload, deadline=deadline, disabled=pending)
                if pending:
                    logger.info(
                        "stored %s version %s for registration %s field %s (%s), disabled until approved",
                        self.backend,
                        written.version,
                        registration_id,
                        field,
                        display(fingerprint),
                    )
                    return self._pending(field, written, fingerprint, created=True)
                stored, superseded = self._record(
                    connection,
                    team_id,
                    registration_id,
                    field,
                    fingerprint,
                    actor,
                    written,
                    exists=known.exists,
                )
            if superseded and self._disable_previous:
                self._disable(superseded)
            return stored

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
        """Write the expiry date on the field's secret (the one `store` writes to): the full
        annotation set (stored-by=actor, stored-at=now, registration-id, and expires-at unless
        None) and, with a rotation topic, the rotation schedule and topics (cleared when
        `expires_on` is None or the moment is less than an hour ahead).

        True when the vault confirmed; False on any failure, logged as one WARNING line (the
        missing permission or the status code). Never raises VaultError.
        """
        seconds = timeout if timeout is not None else self._deadline_seconds
        deadline = time.monotonic() + seconds
        try:
            target = self._target(
                team_id=team_id,
                registration_id=registration_id,
                platform=platform,
                environment=environment,
                field=field,
                actor=actor,
                expires_on=expires_on,
                with_expiry=True,
            )
            self._backend.update_metadata(target, deadline=deadline)
        except VaultError as error:
            logger.warning(
                "could not set the expiry date of %s secret for registration %s field %s: %s",
                self.backend,
                registration_id,
                field,
                errors.metadata_failure(error),
            )
            return False
        except ValueError as error:  # an empty id part: nothing names a secret
            logger.warning(
                "could not set the expiry date for registration %s field %s: %s",
                registration_id,
                field,
                type(error).__name__,
            )
            return False
        logger.info(
            "set the expiry date of %s secret %s to %s (registration %s field %s)",
            self.backend,
            target.secret_id,
            _day(expires_on) or "none",
            registration_id,
            field,
        )
        return True

    def enable(self, resource_name: str, *, timeout: float | None = None) -> None:
        """Make a version usable (an approved one). Raises VaultError."""
        seconds = timeout if timeout is not None else self._deadline_seconds
        self._backend.enable_version(resource_name, deadline=time.monotonic() + seconds)
        logger.info("enabled version %s", resource_name)

    def disable(self, resource_name: str, *, timeout: float | None = None) -> None:
        """Make a version unusable; it stays restorable (enable). Raises VaultError."""
        seconds = timeout if timeout is not None else self._deadline_seconds
        self._backend.disable_version(resource_name, deadline=time.monotonic() + seconds)
        logger.info("disabled version %s", resource_name)

    def close(self) -> None:
        self._backend.close()

    # -- secret metadata -------------------------------------------------------------------------

    def _target(
        self,
        *,
        team_id: str,
        registration_id: str,
        platform: str,
        environment: str,
        field: str,
        actor: str,
        expires_on: date | None,
        with_expiry: bool,
    ) -> SecretTarget:
        """The secret of a field with its labels and annotations. With `with_expiry`, the expiry
        date (or its absence) is written to an existing secret as well, with the rotation
        schedule when a topic is configured."""
        day = _day(expires_on)
        now = self._clock()
        secret_id = secret_ids.secret_id(
            team_id=team_id, platform=platform, environment=environment, field=field
        )
        return SecretTarget(
            secret_id=secret_id,
            labels=secret_ids.labels(team_id=team_id, platform=platform, environment=environment),
            annotations=secret_ids.secret_annotations(
                actor=actor, registration_id=registration_id, stored_at=now, expires_on=day
            ),
            rotation=self._rotation(secret_id, day, now) if with_expiry else None,
            refresh_metadata=with_expiry,
        )

    def _rotation(self, secret_id: str, expires_on: date | None, now: datetime) -> RotationSchedule | None:
        """The rotation schedule for an expiry date: None without a rotation topic; no moment
        (nothing scheduled, any earlier schedule cleared) without a date, or when the moment is
        less than MIN_ROTATION_AHEAD (or more than 100 years) ahead."""
        topic = self._rotation_topic
        if topic is None:
            return None
        if expires_on is None:
            return RotationSchedule(topic, None)
        try:
            moment = datetime.combine(expires_on, datetime.min.time(), tzinfo=UTC) - self._rotation_lead
        except OverflowError:
            moment = None
        if moment is None or moment - now < MIN_ROTATION_AHEAD:
            logger.info(
                "no rotation schedule for secret %s: expiry %s minus %d days is less than an hour ahead",
                secret_id,
                expires_on.isoformat(),
                self._rotation_lead.days,
            )
            return RotationSchedule(topic, None)
        if moment - now > MAX_ROTATION_AHEAD:
            logger.info(
                "no rotation schedule for secret %s: expiry %s is more than 100 years ahead",
                secret_id,
                expires_on.isoformat(),
            )
            return RotationSchedule(topic, None)
        return RotationSchedule(topic, moment)

    # -- database ------------------------------------------------------------------------------

    def _connect(self) -> Connection:
        try:
            return self._refs.connect()
        except self._refs.database_error as error:  # carries the URL without password, never a value
            logger.error("vault lookup failed: %s", type(error).__name__)
            raise errors.database_unavailable() from None

    def _lookup(
        self, connection: Connection, team_id: str, registration_id: str, field: str, fingerprint: str
    ) -> Known:
        """The reference row for this exact value, if any; checks the registration's team."""
        params = {"team_id": team_id, "registration_id": registration_id, "field": field}
        try:
            row = self._refs.lookup(connection, {**params, "fingerprint": fingerprint})
        except self._refs.database_error as error:  # carries ids and SQL, never the value
            logger.error("vault lookup failed: %s", type(error).__name__)
            raise errors.database_unavailable() from None
        if row is None:
            raise errors.registration_missing()
        _, resource_name, version, backend, superseded_at = row
        if resource_name is None:
            return Known(exists=False, current=None)
        # A reference that was superseded, or written by another backend (e.g. the development
        # vault before the project was configured), does not count: the value must be current here.
        current = None
        if superseded_at is None and backend == self.backend:
            short = display(fingerprint)
            current = StoredSecret(field, backend, resource_name, version, short, created=False)
        return Known(exists=True, current=current)

    def _waiting(
        self, connection: Connection, team_id: str, registration_id: str, field: str, fingerprint: str
    ) -> StoredSecret | None:
        """This value, already waiting for approval in this field (a double submit), if it is."""
        params = {"team_id": team_id, "registration_id": registration_id, "field": field}
        try:
            found = self._refs.pending(
                connection, {**params, "fingerprint": fingerprint, "backend": self.backend}
            )
        except self._refs.database_error as error:
            logger.error("vault lookup failed: %s", type(error).__name__)
            raise errors.database_unavailable() from None
        if found is None:
            return None
        return self._pending(field, WrittenVersion(*found), fingerprint, created=False)

    def _pending(
        self, field: str, written: WrittenVersion, fingerprint: str, *, created: bool
    ) -> StoredSecret:
        return StoredSecret(
            field,
            self.backend,
            written.resource_name,
            written.version,
            display(fingerprint),
            created=created,
            pending=True,
            stored_fingerprint=fingerprint,
        )

    def _record(
        self,
        connection: Connection,
        team_id: str,
        registration_id: str,
        field: str,
        fingerprint: str,
        actor: str,
        written: WrittenVersion,
        *,
        exists: bool,
    ) -> tuple[StoredSecret, list[str]]:
        """One transaction: supersede the field's current references, then insert this one — or,
        when the unique (registration, field, fingerprint) row exists (this value is coming back,
        or was stored by another backend), point that row at the new version.

        Returns the stored reference and the resource names of superseded versions of this backend.
        """
        now = utcnow()
        params = {
            "key_registration_id": registration_id,
            "key_field": field,
            "key_fingerprint": fingerprint,
            "now": now,
            "new_registration_id": registration_id,
            "new_team_id": team_id,
            "new_field": field,
            "new_fingerprint": fingerprint,
            "new_backend": self.backend,
            "new_resource_name": written.resource_name,
            "new_version": written.version,
            "new_created_by": actor,
            "new_created_at": now,
            "new_superseded_at": None,
        }
        try:
            superseded = self._refs.record(connection, params, exists=exists)
        except self._refs.integrity_error:
            superseded = None
        except self._refs.database_error as error:
            # The version exists without a reference: the user's retry adds a duplicate of the
            # same value, which is harmless.
            logger.error("recording %s failed: %s", written.resource_name, type(error).__name__)
            raise errors.unconfirmed_record() from None
        if superseded is None:
            # A concurrent store of the same value won the race (double submit): both versions
            # hold the same payload; return the recorded one.
            existing = self._lookup(connection, team_id, registration_id, field, fingerprint).current
            if existing is None:
                raise errors.unconfirmed_record()
            logger.info("concurrent store of %s/%s: kept the first reference", registration_id, field)
            return existing, []
        logger.info(
            "stored %s version %s for registration %s field %s (%s)",
            self.backend,
            written.version,
            registration_id,
            field,
            display(fingerprint),
        )
        stored = StoredSecret(
            field, self.backend, written.resource_name, written.version, display(fingerprint), created=True
        )
        return stored, [name for name, backend in superseded if backend == self.backend]

    # -- previous versions -----------------------------------------------------------------------

    def _disable(self, resource_names: list[str]) -> None:
        """Best effort: a failure is logged and does not fail the store (the new version is safe)."""
        for resource_name in resource_names:
            try:
                self._backend.disable_version(
                    resource_name, deadline=time.monotonic() + self._deadline_seconds
                )
            except VaultError as error:
                logger.warning("could not disable previous version %s: %s", resource_name, error.code)
            else:
                logger.info("disabled previous version %s", resource_name)


def _day(expires_on: date | None) -> date | None:
    """The calendar day of an expiry (a datetime counts by its date)."""
    if isinstance(expires_on, datetime):
        return expires_on.date()
    return expires_on


def _payload(value: str) -> bytes:
    """The bytes to store, validated before any backend call."""
    if not value.strip():
        raise errors.empty_value()
    payload = value.encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise errors.too_large(len(payload), MAX_PAYLOAD_BYTES)
    return payload
