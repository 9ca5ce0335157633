"""In-memory Secret Manager state and the semantics of each RPC, behind one lock.

Each public method takes the proto-plus request of the RPC of the same name and returns its
response, or raises :class:`RpcError`. Nothing here knows about gRPC servers or faults.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from google.cloud.secretmanager_v1.types import resources, service
from google.protobuf import empty_pb2

from simulators.secret_manager import listing, validation
from simulators.secret_manager.errors import RpcError, invalid_format
from simulators.secret_manager.names import Names, SecretKey

State = resources.SecretVersion.State
ENABLED = State(State.ENABLED)  # typed as a State (proto-plus types the members as int)
_UPDATABLE = frozenset({"labels", "annotations", "rotation", "topics"})


def _now() -> datetime:
    return datetime.now(UTC)


def _new_etag() -> str:
    # Real etags are opaque quoted strings; clients must pass them back verbatim.
    return f'"{uuid.uuid4().hex[:14]}"'


@dataclass
class _Version:
    number: int
    create_time: datetime
    payload: bytes | None  # None once destroyed
    crc32c: int
    client_checksum: bool
    state: State = ENABLED
    etag: str = field(default_factory=_new_etag)
    destroy_time: datetime | None = None


@dataclass
class _Secret:
    resource: resources.Secret  # as stored; its name is rendered per answer
    versions: list[_Version] = field(default_factory=list)


class Store:
    """All secrets of one emulator. Thread-safe: every method holds the lock."""

    def __init__(self, names: Names) -> None:
        self._names = names
        self._lock = threading.RLock()
        self._secrets: dict[SecretKey, _Secret] = {}

    # -- secrets -----------------------------------------------------------------------------

    def create_secret(self, request: service.CreateSecretRequest) -> resources.Secret:
        project, location = self._names.parent(request.parent)
        if not validation.is_valid_secret_id(request.secret_id):
            raise invalid_format(f"{request.parent}/secrets/{request.secret_id}")
        key = SecretKey(project, location, request.secret_id)
        secret = resources.Secret.deserialize(resources.Secret.serialize(request.secret))
        validation.check_replication(secret, regional=location is not None)
        validation.check_labels(secret.labels)
        validation.check_annotations(secret.annotations)
        now = _now()
        validation.check_topics(secret.topics)
        validation.check_rotation(secret.rotation if "rotation" in secret else None, secret.topics, now)
        secret.name = ""
        secret.create_time = now
        secret.etag = _new_etag()
        if "ttl" in secret:  # ttl is input only: the API answers with expire_time instead
            secret.expire_time = now + secret.ttl
        with self._lock:
            if key in self._secrets:
                raise RpcError(
                    grpc.StatusCode.ALREADY_EXISTS, f"Secret [{self._names.secret_name(key)}] already exists."
                )
            self._secrets[key] = _Secret(secret)
            return self._render_secret(key)

    def get_secret(self, request: service.GetSecretRequest) -> resources.Secret:
        key = self._names.secret(request.name)
        with self._lock:
            self._find(key)
            return self._render_secret(key)

    def update_secret(self, request: service.UpdateSecretRequest) -> resources.Secret:
        key = self._names.secret(request.secret.name)
        paths = list(request.update_mask.paths)
        if not paths:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "update_mask is required.")
        for path in paths:
            if path not in _UPDATABLE:
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"Unsupported update_mask path [{path}].")
        if "labels" in paths:
            validation.check_labels(request.secret.labels)
        if "annotations" in paths:
            validation.check_annotations(request.secret.annotations)
        sent = request.secret
        if "topics" in paths:
            validation.check_topics(sent.topics)
        with self._lock:
            stored = self._find(key).resource
            self._check_etag(sent.etag, stored.etag, self._names.secret_name(key))
            # The schedule the secret would have: a path in the mask takes what was sent (absent =
            # cleared); rotation needs topics whichever of the two changes.
            if "rotation" in paths:
                rotation = sent.rotation if "rotation" in sent else None
                validation.check_rotation(
                    rotation, sent.topics if "topics" in paths else stored.topics, _now()
                )
            elif "topics" in paths and "rotation" in stored and not sent.topics:
                raise RpcError(
                    grpc.StatusCode.INVALID_ARGUMENT, "Secret.topics must be set when Secret.rotation is set."
                )
            if "labels" in paths:
                stored.labels = dict(sent.labels)
            if "annotations" in paths:
                stored.annotations = dict(sent.annotations)
            if "topics" in paths:
                stored.topics = list(sent.topics)
            if "rotation" in paths:
                if "rotation" in sent:
                    stored.rotation = sent.rotation
                else:
                    del stored.rotation
            stored.etag = _new_etag()
            return self._render_secret(key)

    def delete_secret(self, request: service.DeleteSecretRequest) -> empty_pb2.Empty:
        key = self._names.secret(request.name)
        with self._lock:
            stored = self._find(key).resource
            self._check_etag(request.etag, stored.etag, self._names.secret_name(key))
            del self._secrets[key]
        return empty_pb2.Empty()

    def list_secrets(self, request: service.ListSecretsRequest) -> service.ListSecretsResponse:
        project, location = self._names.parent(request.parent)
        terms = listing.parse_filter(request.filter, lambda f: f == "name" or f.startswith("labels."))
        with self._lock:
            found = []
            for key, record in self._secrets.items():
                if (key.project, key.location) != (project, location):
                    continue
                labels = record.resource.labels
                name = self._names.secret_name(key)

                def value_of(f: str, name: str = name, labels: Mapping[str, str] = labels) -> str | None:
                    return name if f == "name" else labels.get(f.removeprefix("labels."))

                if listing.matches(terms, value_of):
                    found.append(self._render_secret(key))
        items, next_token = listing.page(found, request.page_size, request.page_token)
        return service.ListSecretsResponse(secrets=items, next_page_token=next_token, total_size=len(found))

    # -- versions ----------------------------------------------------------------------------

    def add_secret_version(self, request: service.AddSecretVersionRequest) -> resources.SecretVersion:
        key = self._names.secret(request.parent)
        crc, client_checksum = validation.check_payload(request.payload)
        with self._lock:
            record = self._find(key)
            version = _Version(
                number=len(record.versions) + 1,
                create_time=_now(),
                payload=bytes(request.payload.data),
                crc32c=crc,
                client_checksum=client_checksum,
            )
            record.versions.append(version)
            return self._render_version(key, version)

    def get_secret_version(self, request: service.GetSecretVersionRequest) -> resources.SecretVersion:
        key, spec = self._names.version(request.name)
        with self._lock:
            return self._render_version(key, self._resolve(key, spec, request.name))

    def access_secret_version(
        self, request: service.AccessSecretVersionRequest
    ) -> service.AccessSecretVersionResponse:
        key, spec = self._names.version(request.name)
        with self._lock:
            version = self._resolve(key, spec, request.name)
            name = self._names.version_name(key, version.number)
            if version.state != State.ENABLED or version.payload is None:
                raise RpcError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"Secret Version [{name}] is in {version.state.name} state.",
                )
            payload = resources.SecretPayload(data=version.payload, data_crc32c=version.crc32c)
            return service.AccessSecretVersionResponse(name=name, payload=payload)

    def list_secret_versions(
        self, request: service.ListSecretVersionsRequest
    ) -> service.ListSecretVersionsResponse:
        key = self._names.secret(request.parent)
        terms = listing.parse_filter(request.filter, lambda f: f in ("state", "name"))
        with self._lock:
            found = []
            for version in reversed(self._find(key).versions):  # newest first, like the API
                name = self._names.version_name(key, version.number)

                def value_of(f: str, name: str = name, state: str = version.state.name) -> str:
                    return state if f == "state" else name

                if listing.matches(terms, value_of):
                    found.append(self._render_version(key, version))
        items, next_token = listing.page(found, request.page_size, request.page_token)
        return service.ListSecretVersionsResponse(
            versions=items, next_page_token=next_token, total_size=len(found)
        )

    def enable_secret_version(self, request: service.EnableSecretVersionRequest) -> resources.SecretVersion:
        return self._transition(request.name, request.etag, State(State.ENABLED))

    def disable_secret_version(self, request: service.DisableSecretVersionRequest) -> resources.SecretVersion:
        return self._transition(request.name, request.etag, State(State.DISABLED))

    def destroy_secret_version(self, request: service.DestroySecretVersionRequest) -> resources.SecretVersion:
        return self._transition(request.name, request.etag, State(State.DESTROYED))

    # -- inspection (in-process only) --------------------------------------------------------

    def has_secret(self, name: str) -> bool:
        """Whether the secret exists (INVALID_ARGUMENT for a malformed name)."""
        key = self._names.secret(name)
        with self._lock:
            return key in self._secrets

    def secret_names(self) -> list[str]:
        with self._lock:
            return [self._names.secret_name(key) for key in self._secrets]

    def versions(self, secret_name: str) -> list[resources.SecretVersion]:
        key = self._names.secret(secret_name)
        with self._lock:
            if key not in self._secrets:
                raise KeyError(secret_name)
            return [self._render_version(key, v) for v in self._secrets[key].versions]

    def payloads(self) -> list[bytes]:
        with self._lock:
            return [
                version.payload
                for record in self._secrets.values()
                for version in record.versions
                if version.payload is not None
            ]

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()

    # -- helpers -----------------------------------------------------------------------------

    def _find(self, key: SecretKey) -> _Secret:
        record = self._secrets.get(key)
        if record is None:
            raise RpcError(grpc.StatusCode.NOT_FOUND, f"Secret [{self._names.secret_name(key)}] not found.")
        return record

    def _resolve(self, key: SecretKey, spec: str, requested: str) -> _Version:
        """`latest` is the newest version whatever its state; aliases come from the secret."""
        record = self._find(key)
        if spec == "latest":
            number = len(record.versions)
        elif spec.isdigit():
            number = int(spec)
        else:
            number = record.resource.version_aliases.get(spec, 0)
        if not 1 <= number <= len(record.versions):
            raise RpcError(grpc.StatusCode.NOT_FOUND, f"Secret Version [{requested}] not found.")
        return record.versions[number - 1]

    def _transition(self, name: str, etag: str, target: State) -> resources.SecretVersion:
        key, spec = self._names.version(name)
        if not spec.isdigit():  # only get and access resolve `latest` and aliases
            raise invalid_format(name)
        with self._lock:
            version = self._resolve(key, spec, name)
            resolved = self._names.version_name(key, version.number)
            self._check_etag(etag, version.etag, resolved)
            if version.state == State.DESTROYED:
                raise RpcError(
                    grpc.StatusCode.FAILED_PRECONDITION, f"Secret Version [{resolved}] is in DESTROYED state."
                )
            version.state = target
            version.etag = _new_etag()
            if target == State.DESTROYED:
                version.payload = None
                version.destroy_time = _now()
            return self._render_version(key, version)

    @staticmethod
    def _check_etag(sent: str, current: str, resource: str) -> None:
        if sent and sent != current:
            raise RpcError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"The etag [{sent}] does not match the current etag of [{resource}].",
            )

    def _render_secret(self, key: SecretKey) -> resources.Secret:
        secret = resources.Secret.deserialize(resources.Secret.serialize(self._secrets[key].resource))
        secret.name = self._names.secret_name(key)
        return secret

    def _render_version(self, key: SecretKey, version: _Version) -> resources.SecretVersion:
        rendered = resources.SecretVersion(
            name=self._names.version_name(key, version.number),
            create_time=version.create_time,
            state=version.state,
            etag=version.etag,
            client_specified_payload_checksum=version.client_checksum,
        )
        if version.destroy_time is not None:
            rendered.destroy_time = version.destroy_time
        return rendered
