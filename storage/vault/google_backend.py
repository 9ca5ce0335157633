"""Google Cloud Secret Manager over gRPC, with the official client, write-only.

The common path is one RPC (AddSecretVersion): secrets known to exist are cached in memory, and a
missing one is created with CreateSecret, ALREADY_EXISTS meaning "it exists" (no GetSecret: the
bot's role has only secrets.create and versions.add). UNAVAILABLE and DEADLINE_EXCEEDED are retried
with jittered exponential backoff inside the caller's total deadline, each attempt getting the
time that is left.

A version waiting for approval (four eyes) is added *disabled*: TestIamPermissions first asks
whether the bot may disable and later enable versions of the secret (no permission is needed to
ask), so a role without them adds nothing; then AddSecretVersion, then DisableSecretVersion at
once, inside the same deadline. TestIamPermissions is documented as a check for UIs that "may fail
open": a version added but then refused (or timed out) on disable is reported with its name as a
`leftover`, for the caller to keep disabling.

An expiry date travels as metadata: a new secret gets the `expires-at` annotation (and, with
ROTATION_TOPIC, `topics` and `rotation.next_rotation_time`) at CreateSecret; an existing one gets
them with UpdateSecret *after* the version was added, in what is left of the deadline, best
effort (`secretmanager.secrets.update` may be missing): a failure is one WARNING line and the
store still succeeds. `expire_time`/`ttl` are never set: they delete the secret.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import google_crc32c
import grpc
from google.api_core import exceptions as google_exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
    SecretManagerServiceGrpcTransport,
)
from google.cloud.secretmanager_v1.types import Secret, SecretVersion

from core.network import is_loopback_endpoint
from core.settings import ConfigError
from storage.vault import errors
from storage.vault.backend import RotationSchedule, SecretTarget, WrittenVersion
from storage.vault.base import VaultError

logger = logging.getLogger(__name__)

RETRYABLE = (google_exceptions.ServiceUnavailable, google_exceptions.DeadlineExceeded)
# What keeping a version pending until approval needs, beyond creating secrets and adding versions.
APPROVAL_PERMISSIONS = ("secretmanager.versions.disable", "secretmanager.versions.enable")
INITIAL_BACKOFF = 0.05
MAX_BACKOFF = 0.4
MIN_ATTEMPT_SECONDS = 0.02  # don't start an attempt that cannot finish
# A CreateSecret refused with one of these while it carried a rotation schedule (a topic the
# service agent may not publish to, a moment the service finds too close…) is sent again without
# the schedule: the credential matters more than the reminder, which the bot keeps anyway.
_ROTATION_REFUSALS = frozenset({"invalid_argument", "failed_precondition", "permission_denied"})


def make_client(endpoint: str | None) -> SecretManagerServiceClient:
    """The official client: plaintext gRPC to a loopback emulator, or Application Default Credentials."""
    if endpoint:
        if not is_loopback_endpoint(endpoint):
            raise ConfigError(
                "SECRET_MANAGER_ENDPOINT must be a loopback host:port (e.g. 127.0.0.1:8085): "
                "it is spoken to in plaintext without credentials"
            )
        # A channel *instance* makes the transport skip credential lookup entirely.
        transport = SecretManagerServiceGrpcTransport(channel=grpc.insecure_channel(endpoint))
        return SecretManagerServiceClient(transport=transport)
    try:
        return SecretManagerServiceClient()
    except auth_exceptions.DefaultCredentialsError:
        raise ConfigError(
            "no Google Cloud credentials found for Secret Manager — run on GCP with a service account "
            "(workload identity), set GOOGLE_APPLICATION_CREDENTIALS, or run "
            "`gcloud auth application-default login`; for local runs set SECRET_MANAGER_ENDPOINT "
            "to the emulator instead"
        ) from None


class GoogleSecretManagerBackend:
    """Adds versions to secrets of one Google Cloud project."""

    name = "google"

    def __init__(
        self,
        client: SecretManagerServiceClient,
        *,
        project_id: str,
        replication_locations: Sequence[str] = (),
        endpoint: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._project_id = project_id
        self._parent = f"projects/{project_id}"
        self._replication: dict[str, Any] = (
            {"user_managed": {"replicas": [{"location": location} for location in replication_locations]}}
            if replication_locations
            else {"automatic": {}}
        )
        self._sleep = sleep
        self._known: set[str] = set()
        self._known_lock = threading.Lock()
        if endpoint:
            self.location_label = (
                f"Secret Manager emulator at {endpoint} (project {project_id}; in memory — "
                "development only; not for real credentials)"
            )
            self.development_only = True
        else:
            self.location_label = f"Google Cloud Secret Manager (project {project_id})"
            self.development_only = False

    def add_version(
        self, target: SecretTarget, payload: bytes, *, deadline: float, disabled: bool = False
    ) -> WrittenVersion:
        secret_id = target.secret_id
        cached = self._is_known(secret_id)
        created = False  # by this call, with the target's metadata
        if not cached:
            created = self._ensure_secret(target, deadline)
        if disabled:
            self._check_approval_permissions(target, deadline, cached=cached)
        request = {
            "parent": f"{self._parent}/secrets/{secret_id}",
            "payload": {"data": payload, "data_crc32c": google_crc32c.value(payload)},
        }
        try:
            version = self._call("add_secret_version", request, secret_id, deadline, passthrough=cached)
        except google_exceptions.NotFound:
            version = None
        if version is None:  # deleted since we cached it: create it again, then add once more
            self._forget(secret_id)
            created = self._ensure_secret(target, deadline)
            version = self._call("add_secret_version", request, secret_id, deadline)
        written = self._confirmed(version, secret_id)
        if disabled:
            try:
                self.disable_version(written.resource_name, deadline=deadline)
            except VaultError as error:
                logger.error(
                    "version %s was added but could not be disabled (%s): it is usable until disabled",
                    written.resource_name,
                    error.code,
                )
                raise errors.left_enabled(secret_id, written.version, written.resource_name) from None
        if target.refresh_metadata and not created:
            self._refresh_metadata(target, deadline)
        return written

    def update_metadata(self, target: SecretTarget, *, deadline: float) -> None:
        """UpdateSecret: the full annotation set (the mask replaces the whole map) and, when the
        rotation schedule is managed, `rotation` and `topics` (absent = cleared)."""
        secret_id = target.secret_id
        paths = ["annotations"]
        secret: dict[str, Any] = {
            "name": f"{self._parent}/secrets/{secret_id}",
            "annotations": dict(target.annotations),
        }
        if target.rotation is not None:
            paths += ["rotation", "topics"]
            secret.update(_rotation_fields(target.rotation))
        request = {"secret": secret, "update_mask": {"paths": paths}}
        answer = self._call("update_secret", request, secret_id, deadline, log_failures=False)
        parsed = SecretManagerServiceClient.parse_secret_path(Secret.pb(answer).name)
        if parsed.get("secret") != secret_id or dict(answer.annotations) != dict(target.annotations):
            raise errors.unconfirmed(secret_id, "the metadata was not confirmed")

    def disable_version(self, resource_name: str, *, deadline: float) -> None:
        self._transition("disable_secret_version", resource_name, SecretVersion.State.DISABLED, deadline)

    def enable_version(self, resource_name: str, *, deadline: float) -> None:
        self._transition("enable_secret_version", resource_name, SecretVersion.State.ENABLED, deadline)

    def close(self) -> None:
        self._client.transport.close()

    # -- internals -------------------------------------------------------------------------------

    def _ensure_secret(self, target: SecretTarget, deadline: float) -> bool:
        """Create the secret with the target's metadata; True when this call created it, False
        when it existed already (ALREADY_EXISTS)."""
        secret: dict[str, Any] = {
            "replication": self._replication,
            "labels": dict(target.labels),
            "annotations": dict(target.annotations),
        }
        rotation = _rotation_fields(target.rotation) if target.rotation is not None else {}
        request = {"parent": self._parent, "secret_id": target.secret_id, "secret": {**secret, **rotation}}
        failure: VaultError | None = None
        created = False
        try:
            try:
                self._call(
                    "create_secret",
                    request,
                    target.secret_id,
                    deadline,
                    passthrough=True,
                    log_failures=not rotation,
                )
            except VaultError as refused:
                if not rotation:
                    raise  # logged by _call
                if refused.code not in _ROTATION_REFUSALS:
                    if refused.code not in ("unavailable", "deadline_exceeded"):  # as _call would
                        logger.warning(
                            "Secret Manager create_secret on %s failed: %s",
                            target.secret_id,
                            refused.code.upper(),
                        )
                    raise
                logger.warning(
                    "Secret Manager refused secret %s with a rotation schedule (%s): creating it "
                    "without one (topic permissions: README > Secrets)",
                    target.secret_id,
                    refused.code.upper(),
                )
                request["secret"] = secret
                self._call("create_secret", request, target.secret_id, deadline, passthrough=True)
        except google_exceptions.AlreadyExists:
            pass  # created earlier, by another process, or by Terraform: all fine
        except google_exceptions.NotFound as error:  # e.g. the project does not exist
            failure = self._failure(error, "create_secret", target.secret_id)
        else:
            created = True
            logger.info("created secret %s", target.secret_id)
        if failure is not None:
            raise failure from None
        with self._known_lock:
            self._known.add(target.secret_id)
        return created

    def _refresh_metadata(self, target: SecretTarget, deadline: float) -> None:
        """Best effort, after the version was added: the store succeeds whatever happens here."""
        try:
            self.update_metadata(target, deadline=deadline)
        except VaultError as error:
            logger.warning(
                "Secret Manager: the expiry date of secret %s was not written (%s); the version "
                "was stored and the bot keeps the date",
                target.secret_id,
                errors.metadata_failure(error),
            )

    def _check_approval_permissions(self, target: SecretTarget, deadline: float, *, cached: bool) -> None:
        """Refuse, before anything is added, when the bot may not disable and enable versions of
        the secret. An unknown secret answers no permissions: one cached as existing may have been
        deleted since, so it is created again and asked once more."""
        missing = self._missing_permissions(target.secret_id, deadline)
        if missing and cached and len(missing) == len(APPROVAL_PERMISSIONS):
            self._forget(target.secret_id)
            self._ensure_secret(target, deadline)
            missing = self._missing_permissions(target.secret_id, deadline)
        if missing:
            logger.warning("Secret Manager: the bot lacks %s on %s", ", ".join(missing), target.secret_id)
            raise errors.approval_permissions(missing, target.secret_id, self._project_id)

    def _missing_permissions(self, secret_id: str, deadline: float) -> list[str]:
        request = {
            "resource": f"{self._parent}/secrets/{secret_id}",
            "permissions": list(APPROVAL_PERMISSIONS),
        }
        answer = self._call("test_iam_permissions", request, secret_id, deadline)
        held = set(answer.permissions)
        return [permission for permission in APPROVAL_PERMISSIONS if permission not in held]

    def _transition(self, method: str, resource_name: str, state: int, deadline: float) -> None:
        """Enable or disable one version; trusted only when the answer says it is in `state`."""
        secret_id = SecretManagerServiceClient.parse_secret_version_path(resource_name).get("secret", "")
        answer = SecretVersion.pb(self._call(method, {"name": resource_name}, secret_id, deadline))
        if answer.state != state:
            raise errors.unconfirmed(secret_id, f"version state {SecretVersion.State(answer.state).name}")

    def _confirmed(self, version: SecretVersion, secret_id: str) -> WrittenVersion:
        """Trust the write only if the answer names our secret, is ENABLED and the CRC was checked."""
        answer = SecretVersion.pb(version)  # the raw message: cheaper than proto-plus attribute access
        # Google answers with the project *number*: compare the parsed secret id, not whole names.
        parsed = SecretManagerServiceClient.parse_secret_version_path(answer.name)
        if parsed.get("secret") != secret_id or not parsed.get("secret_version", "").isdigit():
            raise errors.unconfirmed(secret_id, "unexpected version name")
        if answer.state != SecretVersion.State.ENABLED:
            raise errors.unconfirmed(secret_id, f"version state {SecretVersion.State(answer.state).name}")
        if not answer.client_specified_payload_checksum:
            raise errors.unconfirmed(secret_id, "the CRC32C checksum was not verified")
        return WrittenVersion(resource_name=answer.name, version=parsed["secret_version"])

    def _call(
        self,
        method: str,
        request: dict[str, Any],
        secret_id: str,
        deadline: float,
        *,
        passthrough: bool = False,
        log_failures: bool = True,
    ) -> Any:
        """One RPC, retried on UNAVAILABLE / DEADLINE_EXCEEDED until `deadline`.

        Raises VaultError; with `passthrough`, NOT_FOUND and ALREADY_EXISTS are raised as they are
        so the caller can act on them. Without `log_failures`, a failure is not logged here (the
        caller logs it once).
        """
        rpc = getattr(self._client, method)
        backoff = INITIAL_BACKOFF
        last_code = "deadline_exceeded"
        while True:
            remaining = deadline - time.monotonic()
            if remaining < MIN_ATTEMPT_SECONDS:
                failure = errors.out_of_time(last_code)
                break
            try:
                # retry=None: the client's own retry policy must not outlive our deadline.
                return rpc(request=request, timeout=remaining, retry=None)
            except (google_exceptions.NotFound, google_exceptions.AlreadyExists) as error:
                if passthrough:
                    raise
                failure = self._failure(error, method, secret_id, log=log_failures)
                break
            except RETRYABLE as error:
                last_code = errors.status_name(error).lower()
                logger.info("%s on %s: %s, retrying", method, secret_id, errors.status_name(error))
            except (google_exceptions.GoogleAPICallError, auth_exceptions.GoogleAuthError) as error:
                failure = self._failure(error, method, secret_id, log=log_failures)
                break
            pause = min(random.uniform(0, backoff), deadline - time.monotonic() - MIN_ATTEMPT_SECONDS)
            if pause > 0:
                self._sleep(pause)
            backoff = min(backoff * 2, MAX_BACKOFF)
        # Raised outside the except blocks: no chained Google exception (whose repr may carry
        # the request) travels with the VaultError.
        raise failure from None

    def _failure(self, error: Exception, method: str, secret_id: str, *, log: bool = True) -> VaultError:
        if log:
            logger.warning("Secret Manager %s on %s failed: %s", method, secret_id, errors.status_name(error))
        return errors.from_google(error, method=method, secret_id=secret_id, project=self._project_id)

    def _is_known(self, secret_id: str) -> bool:
        with self._known_lock:
            return secret_id in self._known

    def _forget(self, secret_id: str) -> None:
        with self._known_lock:
            self._known.discard(secret_id)


def _rotation_fields(rotation: RotationSchedule) -> dict[str, Any]:
    """`topics` and `rotation` of a Secret for a schedule; none when nothing is scheduled."""
    if rotation.next_rotation_time is None:
        return {}
    return {
        "topics": [{"name": rotation.topic}],
        "rotation": {"next_rotation_time": rotation.next_rotation_time},
    }
