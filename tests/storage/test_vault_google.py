"""The Google backend through the real Secret Manager client and the emulator, over gRPC; no mocks."""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # read when google.auth's metadata module loads

import functools
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as datetime_time
from typing import Any

import google.auth
import google_crc32c
import grpc
import pytest
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
    SecretManagerServiceGrpcTransport,
)
from google.cloud.secretmanager_v1.types import SecretVersion

from core.settings import ConfigError, Settings, load_settings
from simulators.secret_manager import Emulator, client_for
from storage.db import Database
from storage.models import SecretRef
from storage.team_scope import TeamScope
from storage.vault import errors
from storage.vault.base import StoredSecret, VaultError
from storage.vault.factory import build_vault
from storage.vault.fingerprint import Fingerprinter
from storage.vault.google_backend import GoogleSecretManagerBackend, make_client
from storage.vault.secret_ids import secret_id
from storage.vault.service import CredentialVault
from tests.storage.conftest import PLATFORM, PROJECT, TEAM, MakeVault, new_registration

ENVIRONMENT = "sandbox"
FIELD = "credentials"
SECRET_ID = "codat-register_t0001_quickbooks-online_sandbox_credentials"
SECRET = f"projects/{PROJECT}/secrets/{SECRET_ID}"
LEAST_PRIVILEGE = {"secretmanager.secrets.create", "secretmanager.versions.add"}
WRITE_METHODS = {"CreateSecret", "AddSecretVersion"}


@pytest.fixture
def make_vault(make_vault: MakeVault) -> MakeVault:
    """The shared factory with a shorter deadline, so deadline tests stay quick."""
    return functools.partial(make_vault, VAULT_DEADLINE_SECONDS=1.0)


@pytest.fixture
def vault(make_vault: MakeVault) -> CredentialVault:
    return make_vault()


@contextmanager
def own_emulator(**options: Any) -> Iterator[Emulator]:
    emulator = Emulator(**options)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def client(secret_manager: Emulator) -> Iterator[SecretManagerServiceClient]:
    assert secret_manager.address
    sm = client_for(secret_manager.address)
    yield sm
    sm.transport.close()


def store(vault: CredentialVault, registration_id: str, value: str, **overrides: Any) -> StoredSecret:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": PLATFORM,
        "environment": ENVIRONMENT,
        "field": FIELD,
        "value": value,
        "actor": "U0ALICE",
        **overrides,
    }
    return vault.store(**arguments)


def methods(emulator: Emulator) -> list[str]:
    return [method for method, _ in emulator.calls]


def refs(db: Database, registration_id: str) -> list[SecretRef]:
    with db.session() as session:
        return list(TeamScope(session, TEAM).secret_refs(registration_id))


# -- create or reuse, add version ------------------------------------------------------------


def test_first_store_creates_the_secret_and_adds_version_1(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str, db: Database
) -> None:
    stored = store(vault, registration_id, "first-value")

    assert stored.created
    assert (stored.backend, stored.field, stored.version) == ("google", FIELD, "1")
    assert stored.resource_name == f"{SECRET}/versions/1"
    assert stored.fingerprint.startswith("hmac:") and len(stored.fingerprint) == len("hmac:") + 12
    assert methods(secret_manager) == ["CreateSecret", "AddSecretVersion"]
    assert secret_manager.secrets() == [SECRET]
    [version] = secret_manager.versions(SECRET)
    assert version.state == SecretVersion.State.ENABLED
    assert secret_manager.payloads() == [b"first-value"]
    [ref] = refs(db, registration_id)
    assert (ref.resource_name, ref.version, ref.backend, ref.created_by) == (
        stored.resource_name,
        "1",
        "google",
        "U0ALICE",
    )
    assert ref.fingerprint.startswith(stored.fingerprint) and len(ref.fingerprint) == len("hmac:") + 32


def test_known_secret_is_reused_with_one_rpc(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str, db: Database
) -> None:
    store(vault, registration_id, "first-value")
    store(vault, registration_id, "second-value")
    # Another registration of the same team, platform and environment shares the secret.
    other = new_registration(db, status="completed")
    third = store(vault, other, "third-value")

    assert methods(secret_manager) == [
        "CreateSecret",
        "AddSecretVersion",
        "AddSecretVersion",
        "AddSecretVersion",
    ]
    assert third.resource_name == f"{SECRET}/versions/3"


def test_existing_secret_answers_already_exists_and_the_version_is_added(
    make_vault: MakeVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    client.create_secret(
        request={
            "parent": f"projects/{PROJECT}",
            "secret_id": SECRET_ID,
            "secret": {"replication": {"automatic": {}}},
        }
    )
    stored = store(make_vault(), registration_id, "a-value")

    assert methods(secret_manager)[-2:] == ["CreateSecret", "AddSecretVersion"]
    assert stored.resource_name == f"{SECRET}/versions/1"
    # A restarted bot (empty cache) goes through ALREADY_EXISTS again, then adds.
    again = store(make_vault(), registration_id, "another-value")
    assert again.version == "2"
    assert methods(secret_manager)[-2:] == ["CreateSecret", "AddSecretVersion"]


def test_secret_deleted_behind_the_cache_is_created_again(
    vault: CredentialVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    store(vault, registration_id, "first-value")
    client.delete_secret(name=SECRET)

    stored = store(vault, registration_id, "second-value")

    assert stored.resource_name == f"{SECRET}/versions/1"
    assert methods(secret_manager)[2:] == [
        "DeleteSecret",
        "AddSecretVersion",
        "CreateSecret",
        "AddSecretVersion",
    ]


def test_only_write_rpcs_are_used(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    store(vault, registration_id, "first-value")
    store(vault, registration_id, "first-value")
    store(vault, registration_id, "second-value")
    assert set(methods(secret_manager)) <= WRITE_METHODS


# -- labels, annotations, CRC32C, replication --------------------------------------------------


def test_labels_and_annotations_describe_the_secret_without_the_value(
    vault: CredentialVault, client: SecretManagerServiceClient, registration_id: str
) -> None:
    value = "label-check-value-7f3a"
    before = datetime.now(UTC)
    store(vault, registration_id, value)

    secret = client.get_secret(name=SECRET, timeout=5)
    assert dict(secret.labels) == {
        "app": "codat-register",
        "platform": "quickbooks-online",
        "environment": "sandbox",
        "team": "t0001",
    }
    annotations = dict(secret.annotations)
    assert set(annotations) == {"stored-by", "stored-at", "registration-id"}
    assert annotations["stored-by"] == "U0ALICE"
    assert annotations["registration-id"] == registration_id
    stored_at = datetime.fromisoformat(annotations["stored-at"])
    assert before - timedelta(seconds=1) <= stored_at <= datetime.now(UTC)
    assert value not in repr(secret) and value not in str(dict(secret.labels)) + str(annotations)


def test_crc32c_is_sent_and_verified_by_the_server(
    vault: CredentialVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    stored = store(vault, registration_id, "crc-value")

    [version] = secret_manager.versions(SECRET)
    assert version.client_specified_payload_checksum  # the server checked the CRC we sent
    answer = client.access_secret_version(name=stored.resource_name, timeout=5, retry=None)
    assert answer.payload.data_crc32c == google_crc32c.value(b"crc-value")


class _Tamper(grpc.UnaryUnaryClientInterceptor):
    """Rewrites AddSecretVersion answers, to check that the vault verifies what comes back."""

    def __init__(self, change: Callable[[SecretVersion], None]) -> None:
        self.change = change

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        outcome = continuation(details, request)
        if details.method.endswith("/AddSecretVersion") and outcome.exception() is None:
            self.change(outcome.result())
        return outcome


def _disabled(version: SecretVersion) -> None:
    version.state = SecretVersion.State.DISABLED


def _unchecked(version: SecretVersion) -> None:
    version.client_specified_payload_checksum = False


def _other_secret(version: SecretVersion) -> None:
    version.name = f"projects/{PROJECT}/secrets/someone-else/versions/1"


@pytest.mark.parametrize("change", [_disabled, _unchecked, _other_secret])
def test_an_unconfirmed_version_is_an_error_and_nothing_is_recorded(
    secret_manager: Emulator, db: Database, registration_id: str, change: Callable[[SecretVersion], None]
) -> None:
    assert secret_manager.address
    channel = grpc.intercept_channel(grpc.insecure_channel(secret_manager.address), _Tamper(change))
    client = SecretManagerServiceClient(transport=SecretManagerServiceGrpcTransport(channel=channel))
    backend = GoogleSecretManagerBackend(client, project_id=PROJECT)
    vault = CredentialVault(backend, db, Fingerprinter(b"test-fingerprint-key-0123"))
    try:
        with pytest.raises(VaultError) as failure:
            store(vault, registration_id, "tampered-value")
    finally:
        vault.close()
    assert failure.value.code == "unconfirmed_version"
    assert SECRET_ID in failure.value.user_message
    assert refs(db, registration_id) == []


def test_replication_is_automatic_by_default(
    vault: CredentialVault, client: SecretManagerServiceClient, registration_id: str
) -> None:
    store(vault, registration_id, "a-value")
    replication = client.get_secret(name=SECRET, timeout=5).replication
    assert "automatic" in replication and "user_managed" not in replication


def test_replication_is_user_managed_with_locations(
    make_vault: MakeVault, client: SecretManagerServiceClient, registration_id: str
) -> None:
    vault = make_vault(SECRET_REPLICATION_LOCATIONS="europe-west1, europe-west4")
    store(vault, registration_id, "a-value")
    replication = client.get_secret(name=SECRET, timeout=5).replication
    assert [replica.location for replica in replication.user_managed.replicas] == [
        "europe-west1",
        "europe-west4",
    ]


def test_project_number_answers_are_compared_by_secret_id(
    make_vault: MakeVault, db: Database, registration_id: str
) -> None:
    with own_emulator(project_numbers={PROJECT: "123456789012"}) as emulator:
        vault = make_vault(emulator)
        first = store(vault, registration_id, "first-value")
        second = store(vault, registration_id, "second-value")
        again = store(vault, registration_id, "second-value")

    assert first.resource_name == f"projects/123456789012/secrets/{SECRET_ID}/versions/1"
    assert second.version == "2" and second.created
    assert again == StoredSecret(
        FIELD, "google", second.resource_name, "2", second.fingerprint, created=False
    )


# -- least privilege ---------------------------------------------------------------------------------


def test_the_write_only_role_is_enough(make_vault: MakeVault, registration_id: str) -> None:
    with own_emulator(permissions=LEAST_PRIVILEGE) as emulator:
        vault = make_vault(emulator)
        store(vault, registration_id, "first-value")
        store(vault, registration_id, "second-value")
        store(make_vault(emulator), registration_id, "third-value")  # ALREADY_EXISTS path too
        assert set(methods(emulator)) == WRITE_METHODS
        assert len(emulator.payloads()) == 3


@pytest.mark.parametrize(
    ("granted", "missing"),
    [
        ({"secretmanager.versions.add"}, "secretmanager.secrets.create"),
        ({"secretmanager.secrets.create"}, "secretmanager.versions.add"),
    ],
)
def test_a_missing_permission_is_named_with_the_secret(
    make_vault: MakeVault, db: Database, registration_id: str, granted: set[str], missing: str
) -> None:
    with own_emulator(permissions=granted) as emulator, pytest.raises(VaultError) as failure:
        store(make_vault(emulator), registration_id, "denied-value")
    error = failure.value
    assert error.code == "permission_denied" and not error.retryable
    assert missing in error.user_message and SECRET_ID in error.user_message and PROJECT in error.user_message
    assert refs(db, registration_id) == []


def test_disabling_previous_versions_needs_its_permission_and_never_fails_the_store(
    make_vault: MakeVault, registration_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with own_emulator(permissions=LEAST_PRIVILEGE) as emulator:
        vault = make_vault(emulator, DISABLE_PREVIOUS_VERSIONS=True)
        store(vault, registration_id, "first-value")
        second = store(vault, registration_id, "second-value")
        assert second.created
        assert [v.state for v in emulator.versions(SECRET)] == [SecretVersion.State.ENABLED] * 2
        assert "could not disable previous version" in caplog.text

    with own_emulator(permissions={*LEAST_PRIVILEGE, "secretmanager.versions.disable"}) as emulator:
        vault = make_vault(emulator, DISABLE_PREVIOUS_VERSIONS=True)
        store(vault, registration_id, "first-value")
        store(vault, registration_id, "second-value")
        assert [v.state for v in emulator.versions(SECRET)] == [
            SecretVersion.State.DISABLED,
            SecretVersion.State.ENABLED,
        ]


# -- errors --------------------------------------------------------------------------------------------


def test_unavailable_once_is_retried(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion")
    stored = store(vault, registration_id, "retried-value")
    assert stored.created and stored.version == "1"
    assert methods(secret_manager) == ["CreateSecret", "AddSecretVersion", "AddSecretVersion"]
    assert secret_manager.payloads() == [b"retried-value"]


def test_unavailable_on_create_is_retried_too(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="CreateSecret", times=2)
    assert store(vault, registration_id, "retried-value").created
    assert methods(secret_manager) == ["CreateSecret"] * 3 + ["AddSecretVersion"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [(grpc.StatusCode.UNAVAILABLE, "unavailable"), (grpc.StatusCode.DEADLINE_EXCEEDED, "deadline_exceeded")],
)
def test_persistent_transient_failures_end_within_the_deadline(
    make_vault: MakeVault,
    secret_manager: Emulator,
    db: Database,
    registration_id: str,
    code: grpc.StatusCode,
    expected: str,
) -> None:
    vault = make_vault(VAULT_DEADLINE_SECONDS=0.8)
    secret_manager.inject_fault(code, method="AddSecretVersion", times=10_000)
    start = time.monotonic()
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, "never-stored")
    elapsed = time.monotonic() - start

    error = failure.value
    assert error.retryable and error.code == expected
    assert error.user_message == "Secret Manager did not answer in time. Nothing was saved. Please try again."
    assert elapsed < 0.8 + 0.2
    assert methods(secret_manager).count("AddSecretVersion") >= 3  # backed off and retried
    assert refs(db, registration_id) == []


def test_a_server_slower_than_the_deadline_fails_in_time(
    make_vault: MakeVault, db: Database, registration_id: str
) -> None:
    # A private emulator: the delayed call would otherwise land in the next test's secrets.
    with own_emulator() as emulator:
        vault = make_vault(emulator, VAULT_DEADLINE_SECONDS=1.0)
        emulator.delay(3.0, method="AddSecretVersion")
        start = time.monotonic()
        with pytest.raises(VaultError) as failure:
            store(vault, registration_id, "slow-value")
        elapsed = time.monotonic() - start

    assert failure.value.retryable and failure.value.code == "deadline_exceeded"
    assert elapsed < 1.0 + 1.0
    assert refs(db, registration_id) == []


def test_a_per_call_timeout_overrides_the_deadline(make_vault: MakeVault, registration_id: str) -> None:
    with own_emulator() as emulator:
        vault = make_vault(emulator)
        emulator.delay(2.0, method="CreateSecret")
        start = time.monotonic()
        with pytest.raises(VaultError):
            store(vault, registration_id, "slow-value", timeout=0.3)
        assert time.monotonic() - start < 0.3 + 0.5


def test_an_ambiguous_failure_then_retry_duplicates_the_same_payload(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    """The documented trade-off: applied-then-UNAVAILABLE is retried, adding the same payload twice."""
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion", after_apply=True)
    stored = store(vault, registration_id, "ambiguous-value")
    assert stored.version == "2"
    assert secret_manager.payloads() == [b"ambiguous-value", b"ambiguous-value"]


@pytest.mark.parametrize(
    ("code", "error_code", "retryable", "expected"),
    [
        (grpc.StatusCode.PERMISSION_DENIED, "permission_denied", False, "secretmanager.versions.add"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "quota", True, errors.QUOTA),
        (grpc.StatusCode.INVALID_ARGUMENT, "invalid_argument", False, "Injected fault: INVALID_ARGUMENT"),
        (grpc.StatusCode.FAILED_PRECONDITION, "failed_precondition", False, "error FAILED_PRECONDITION"),
        (grpc.StatusCode.INTERNAL, "internal", False, "error INTERNAL"),
        (grpc.StatusCode.NOT_FOUND, "not_found", False, "error NOT_FOUND"),
    ],
)
def test_injected_faults_map_to_clear_messages(
    vault: CredentialVault,
    secret_manager: Emulator,
    db: Database,
    registration_id: str,
    code: grpc.StatusCode,
    error_code: str,
    retryable: bool,
    expected: str,
) -> None:
    secret_manager.inject_fault(code, method="AddSecretVersion", times=3)
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, "fault-value")
    error = failure.value
    assert (error.code, error.retryable) == (error_code, retryable)
    assert expected in error.user_message
    assert "fault-value" not in error.user_message
    # Not retried: only transient failures are.
    assert methods(secret_manager).count("AddSecretVersion") == 1
    assert refs(db, registration_id) == []


def test_an_error_never_carries_the_value(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    value = "echoed-secret-4b1d9e"
    # A server message that quotes the value (Secret Manager doesn't, but nothing may rely on it).
    secret_manager.inject_fault(
        grpc.StatusCode.INVALID_ARGUMENT, method="AddSecretVersion", message=f"bad payload {value}"
    )
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, value)
    error = failure.value
    assert error.code == "invalid_argument"
    assert error.__cause__ is None and error.__context__ is None
    for text in (str(error), repr(error), error.user_message, "".join(traceback.format_exception(error))):
        assert value not in text


def test_a_closed_port_is_unavailable_and_retryable(
    db: Database, registration_id: str, tmp_path: Any
) -> None:
    with own_emulator() as emulator:
        address = emulator.address
    settings = load_settings(
        GCP_PROJECT_ID=PROJECT,
        SECRET_MANAGER_ENDPOINT=address,
        DATA_DIR=tmp_path,
        FINGERPRINT_KEY="test-fingerprint-key-0123",
        VAULT_DEADLINE_SECONDS=0.5,
    )
    vault = build_vault(settings, db)
    assert isinstance(vault, CredentialVault)
    try:
        with pytest.raises(VaultError) as failure:
            store(vault, registration_id, "nowhere-value")
    finally:
        vault.close()
    assert failure.value.retryable and failure.value.code in {"unavailable", "deadline_exceeded"}


# -- payload checks before any RPC --------------------------------------------------------------------


def test_a_payload_over_64_kib_is_refused_before_any_rpc(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, "x" * 65_537)
    assert failure.value.code == "payload_too_large"
    assert "65,537 bytes" in failure.value.user_message and "64 KiB" in failure.value.user_message
    assert secret_manager.calls == []
    # The limit itself is accepted (multi-byte characters count as bytes).
    assert store(vault, registration_id, "é" * 32_768).created


@pytest.mark.parametrize("value", ["", "   \n"])
def test_an_empty_value_is_refused_before_any_rpc(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str, value: str
) -> None:
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, value)
    assert failure.value.code == "empty_value"
    assert secret_manager.calls == []


# -- construction ----------------------------------------------------------------------------------


def test_the_emulator_endpoint_needs_no_credentials_and_is_labelled(vault: CredentialVault) -> None:
    assert vault.backend == "google"
    assert vault.development_only
    assert "emulator" in vault.location_label and "development only" in vault.location_label


@pytest.mark.parametrize("endpoint", ["10.0.0.8:8085", "secretmanager.googleapis.com:443", "8085"])
def test_a_non_loopback_endpoint_is_refused(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        make_client(endpoint)


def test_without_an_endpoint_application_default_credentials_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(*args: object, **kwargs: object) -> None:
        raise DefaultCredentialsError("none here")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    with pytest.raises(ConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        make_client(None)


def test_production_needs_a_fingerprint_key(db: Database, tmp_path: Any) -> None:
    settings = Settings(GCP_PROJECT_ID=PROJECT, APP_ENV="production", DATA_DIR=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="FINGERPRINT_KEY is not set"):
        build_vault(settings, db)
    assert not (tmp_path / "fingerprint.key").exists()


def test_secret_ids_are_valid_and_distinct() -> None:
    assert secret_id(team_id=TEAM, platform=PLATFORM, environment=ENVIRONMENT, field=FIELD) == SECRET_ID
    assert secret_id(team_id="T1", platform="xero", environment="sandbox", field="client_secret") == (
        "codat-register_t1_xero_sandbox_client-secret"
    )
    odd = secret_id(team_id="T1", platform="x.y", environment="sandbox", field="a b")
    assert odd != secret_id(team_id="T1", platform="x-y", environment="sandbox", field="a-b")
    long = secret_id(team_id="T1", platform="p" * 300, environment="sandbox", field="f")
    assert len(long) == 255 and long != secret_id(
        team_id="T2", platform="p" * 300, environment="sandbox", field="f"
    )
    for value in (odd, long):
        assert all(c.isascii() and (c.isalnum() or c in "_-") for c in value)


# -- expiry dates: annotation, rotation schedule, UpdateSecret -----------------------------------

TOPIC = f"projects/{PROJECT}/topics/credential-expiry"
UPDATE = "secretmanager.secrets.update"


def in_days(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime_time(0), tzinfo=UTC)


def set_expiry(
    vault: CredentialVault, registration_id: str, expires_on: date | None, **overrides: Any
) -> bool:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": PLATFORM,
        "environment": ENVIRONMENT,
        "field": FIELD,
        "actor": "U0BOB",
        "expires_on": expires_on,
        **overrides,
    }
    return vault.set_expiry(**arguments)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """WARNING lines of the stores and set_expiry (not the factory's "emulator: development only")."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and record.name != "storage.vault.factory"
    ]


def test_an_expiry_date_is_annotated_on_a_new_secret_at_creation(
    vault: CredentialVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    store(vault, registration_id, "expiring-value", expires_on=date(2027, 6, 30))

    assert methods(secret_manager) == ["CreateSecret", "AddSecretVersion"]  # no UpdateSecret
    secret = client.get_secret(name=SECRET, timeout=5)
    annotations = dict(secret.annotations)
    assert annotations["expires-at"] == "2027-06-30"
    assert set(annotations) == {"stored-by", "stored-at", "registration-id", "expires-at"}
    # Without ROTATION_TOPIC: no schedule, no topics, and never an expiration (it deletes the secret).
    assert "rotation" not in secret and list(secret.topics) == []
    assert secret.expire_time is None


def test_an_expiry_date_on_a_known_secret_is_written_after_the_version(
    vault: CredentialVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    store(vault, registration_id, "first-value")
    stored = store(vault, registration_id, "second-value", expires_on=date(2027, 6, 30), actor="U0BOB")

    assert stored.created and stored.version == "2"
    assert methods(secret_manager) == ["CreateSecret", "AddSecretVersion", "AddSecretVersion", "UpdateSecret"]
    annotations = dict(client.get_secret(name=SECRET, timeout=5).annotations)
    # The full set: the mask replaces the whole map.
    assert annotations["expires-at"] == "2027-06-30"
    assert (annotations["stored-by"], annotations["registration-id"]) == ("U0BOB", registration_id)
    assert "stored-at" in annotations


def test_an_expiry_date_on_an_existing_secret_goes_through_already_exists_then_update(
    make_vault: MakeVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    client.create_secret(
        request={
            "parent": f"projects/{PROJECT}",
            "secret_id": SECRET_ID,
            "secret": {"replication": {"automatic": {}}},
        }
    )
    store(make_vault(), registration_id, "a-value", expires_on=date(2028, 1, 15))

    assert methods(secret_manager)[-3:] == ["CreateSecret", "AddSecretVersion", "UpdateSecret"]
    assert dict(client.get_secret(name=SECRET, timeout=5).annotations)["expires-at"] == "2028-01-15"


def test_without_an_expiry_date_an_existing_secret_is_not_updated(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    store(vault, registration_id, "first-value")
    store(vault, registration_id, "second-value")
    assert "UpdateSecret" not in methods(secret_manager)


def test_the_same_value_with_a_date_makes_no_call(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    store(vault, registration_id, "same-value")
    calls = len(secret_manager.calls)
    again = store(vault, registration_id, "same-value", expires_on=date(2027, 6, 30))
    assert not again.created
    assert len(secret_manager.calls) == calls


@pytest.mark.parametrize(("reminder_days", "lead"), [(None, 30), ("14,3", 14)])
def test_with_a_rotation_topic_the_schedule_is_the_expiry_minus_the_first_lead(
    make_vault: MakeVault,
    client: SecretManagerServiceClient,
    registration_id: str,
    reminder_days: str | None,
    lead: int,
) -> None:
    vault = make_vault(ROTATION_TOPIC=TOPIC, EXPIRY_REMINDER_DAYS=reminder_days)
    expiry = in_days(90)
    store(vault, registration_id, "rotating-value", expires_on=expiry)

    secret = client.get_secret(name=SECRET, timeout=5)
    assert [topic.name for topic in secret.topics] == [TOPIC]
    assert secret.rotation.next_rotation_time == midnight(expiry) - timedelta(days=lead)
    assert "rotation_period" not in secret.rotation  # one-time: the bot's reminders do the rest
    assert secret.expire_time is None
    assert dict(secret.annotations)["expires-at"] == expiry.isoformat()


def test_with_a_rotation_topic_an_existing_secret_gets_the_schedule_by_update(
    make_vault: MakeVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    vault = make_vault(ROTATION_TOPIC=TOPIC)
    store(vault, registration_id, "first-value")
    secret = client.get_secret(name=SECRET, timeout=5)
    assert "rotation" not in secret and list(secret.topics) == []  # no date, no schedule

    expiry = in_days(120)
    store(vault, registration_id, "second-value", expires_on=expiry)

    assert methods(secret_manager)[-2:] == ["AddSecretVersion", "UpdateSecret"]
    secret = client.get_secret(name=SECRET, timeout=5)
    assert [topic.name for topic in secret.topics] == [TOPIC]
    assert secret.rotation.next_rotation_time == midnight(expiry) - timedelta(days=30)


def test_a_rotation_moment_less_than_an_hour_ahead_is_left_out(
    make_vault: MakeVault,
    client: SecretManagerServiceClient,
    registration_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="storage.vault")
    vault = make_vault(ROTATION_TOPIC=TOPIC)
    expiry = in_days(30)  # minus 30 days: today at 00:00 UTC, already past
    stored = store(vault, registration_id, "soon-value", expires_on=expiry)

    assert stored.created
    secret = client.get_secret(name=SECRET, timeout=5)
    assert "rotation" not in secret and list(secret.topics) == []
    assert dict(secret.annotations)["expires-at"] == expiry.isoformat()  # the annotation still is
    assert any("no rotation schedule" in message for message in caplog.messages)
    assert warnings(caplog) == []


@pytest.mark.parametrize(("minutes_before", "scheduled"), [(59, False), (61, True)])
def test_the_one_hour_margin_is_measured_on_the_vaults_clock(
    secret_manager: Emulator,
    client: SecretManagerServiceClient,
    db: Database,
    registration_id: str,
    minutes_before: int,
    scheduled: bool,
) -> None:
    expiry = in_days(90)
    moment = midnight(expiry) - timedelta(days=30)
    assert secret_manager.address
    backend = GoogleSecretManagerBackend(client_for(secret_manager.address), project_id=PROJECT)
    vault = CredentialVault(
        backend,
        db,
        Fingerprinter(b"test-fingerprint-key-0123"),
        rotation_topic=TOPIC,
        clock=lambda: moment - timedelta(minutes=minutes_before),
    )
    try:
        store(vault, registration_id, "clocked-value", expires_on=expiry)
    finally:
        vault.close()
    secret = client.get_secret(name=SECRET, timeout=5)
    assert ("rotation" in secret) is scheduled
    assert [topic.name for topic in secret.topics] == ([TOPIC] if scheduled else [])


def test_a_date_too_close_for_a_schedule_clears_an_earlier_one(
    make_vault: MakeVault, client: SecretManagerServiceClient, registration_id: str
) -> None:
    vault = make_vault(ROTATION_TOPIC=TOPIC)
    store(vault, registration_id, "first-value", expires_on=in_days(90))
    assert "rotation" in client.get_secret(name=SECRET, timeout=5)

    store(vault, registration_id, "second-value", expires_on=in_days(10))

    secret = client.get_secret(name=SECRET, timeout=5)
    assert "rotation" not in secret and list(secret.topics) == []
    assert dict(secret.annotations)["expires-at"] == in_days(10).isoformat()


def test_a_refused_update_is_one_warning_and_the_store_still_succeeds(
    make_vault: MakeVault, db: Database, registration_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    value = "update-refused-value-51c2"
    with own_emulator(permissions=LEAST_PRIVILEGE) as emulator:
        vault = make_vault(emulator, ROTATION_TOPIC=TOPIC)
        store(vault, registration_id, "first-value")
        stored = store(vault, registration_id, value, expires_on=in_days(90))

        assert stored.created and stored.version == "2"
        assert methods(emulator)[-1] == "UpdateSecret"
        emulator.permissions = None  # look, as an admin would
        inspector = client_for(emulator.address or "")
        try:
            secret = inspector.get_secret(name=SECRET, timeout=5)
        finally:
            inspector.transport.close()
    # The annotations and schedule stay as they were; the reference is recorded all the same.
    assert "expires-at" not in secret.annotations and "rotation" not in secret
    assert [ref.version for ref in refs(db, registration_id) if ref.superseded_at is None] == ["2"]
    [warning] = warnings(caplog)
    assert "PERMISSION_DENIED" in warning and UPDATE in warning and SECRET_ID in warning
    assert value not in caplog.text


def test_an_update_out_of_time_is_one_warning_and_the_store_still_succeeds(
    make_vault: MakeVault, registration_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with own_emulator() as emulator:
        vault = make_vault(emulator)
        store(vault, registration_id, "first-value")
        emulator.delay(3.0, method="UpdateSecret")
        started = time.monotonic()
        stored = store(vault, registration_id, "second-value", expires_on=in_days(90), timeout=0.4)
        elapsed = time.monotonic() - started
    assert stored.created
    assert elapsed < 0.4 + 0.5  # inside the same deadline
    [warning] = warnings(caplog)
    assert "DEADLINE_EXCEEDED" in warning and SECRET_ID in warning


def test_a_create_refused_with_a_schedule_is_sent_again_without_it(
    make_vault: MakeVault,
    secret_manager: Emulator,
    client: SecretManagerServiceClient,
    registration_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    vault = make_vault(ROTATION_TOPIC=TOPIC)
    secret_manager.inject_fault(grpc.StatusCode.FAILED_PRECONDITION, method="CreateSecret")
    stored = store(vault, registration_id, "topic-refused-value", expires_on=in_days(90))

    assert stored.created
    assert methods(secret_manager) == ["CreateSecret", "CreateSecret", "AddSecretVersion"]
    secret = client.get_secret(name=SECRET, timeout=5)
    assert "rotation" not in secret and list(secret.topics) == []
    assert dict(secret.annotations)["expires-at"] == in_days(90).isoformat()
    [warning] = warnings(caplog)
    assert "FAILED_PRECONDITION" in warning and "topic-refused-value" not in caplog.text


def test_a_pending_store_ignores_the_expiry_date(
    vault: CredentialVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    stored = store(vault, registration_id, "pending-value", pending=True, expires_on=date(2027, 6, 30))
    assert stored.pending
    assert "UpdateSecret" not in methods(secret_manager)
    assert "expires-at" not in client.get_secret(name=SECRET, timeout=5).annotations


def test_set_expiry_writes_the_annotations_and_schedule_then_clears_them(
    make_vault: MakeVault, secret_manager: Emulator, client: SecretManagerServiceClient, registration_id: str
) -> None:
    vault = make_vault(ROTATION_TOPIC=TOPIC)
    store(vault, registration_id, "a-value")
    calls = len(secret_manager.calls)
    expiry = in_days(200)

    assert set_expiry(vault, registration_id, expiry) is True

    assert methods(secret_manager)[calls:] == ["UpdateSecret"]
    secret = client.get_secret(name=SECRET, timeout=5)
    annotations = dict(secret.annotations)
    assert annotations["expires-at"] == expiry.isoformat()
    assert (annotations["stored-by"], annotations["registration-id"]) == ("U0BOB", registration_id)
    assert secret.rotation.next_rotation_time == midnight(expiry) - timedelta(days=30)
    assert [topic.name for topic in secret.topics] == [TOPIC]

    assert set_expiry(vault, registration_id, None) is True

    secret = client.get_secret(name=SECRET, timeout=5)
    assert "expires-at" not in secret.annotations and "stored-at" in secret.annotations
    assert "rotation" not in secret and list(secret.topics) == []


def test_set_expiry_without_a_topic_leaves_rotation_alone(
    vault: CredentialVault, client: SecretManagerServiceClient, registration_id: str
) -> None:
    store(vault, registration_id, "a-value")
    assert set_expiry(vault, registration_id, date(2027, 6, 30)) is True
    secret = client.get_secret(name=SECRET, timeout=5)
    assert dict(secret.annotations)["expires-at"] == "2027-06-30"
    assert "rotation" not in secret and list(secret.topics) == []


def test_set_expiry_is_false_with_one_warning_when_refused_or_missing(
    make_vault: MakeVault, registration_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with own_emulator(permissions=LEAST_PRIVILEGE) as emulator:
        vault = make_vault(emulator)
        store(vault, registration_id, "a-value")
        assert set_expiry(vault, registration_id, date(2027, 6, 30)) is False
        [refused] = warnings(caplog)
        assert "PERMISSION_DENIED" in refused and UPDATE in refused

        caplog.clear()
        emulator.permissions = None
        assert set_expiry(vault, registration_id, date(2027, 6, 30), field="no-such-field") is False
        [missing] = warnings(caplog)
        assert "NOT_FOUND" in missing

        caplog.clear()
        emulator.inject_fault(grpc.StatusCode.UNAVAILABLE, method="UpdateSecret", times=10_000)
        assert set_expiry(vault, registration_id, date(2027, 6, 30), timeout=0.3) is False
        [unavailable] = warnings(caplog)
        assert "UNAVAILABLE" in unavailable
