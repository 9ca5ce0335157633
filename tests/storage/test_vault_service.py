"""CredentialVault: idempotency record, replacement, races, the canary, and what credentials become.

Real database (the shared `db` fixture: SQLite, or PostgreSQL in CI), the real Secret Manager
client talking to the emulator over gRPC; no mocks.
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # read when google.auth's metadata module loads

import io
import json
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.cloud.secretmanager_v1.types import SecretVersion

from bot.catalogue import Platform, load_catalogue
from bot.wizard import credentials
from bot.wizard.credentials import JSON_FIELD, CredentialInputError, payloads_for
from core.settings import load_settings
from simulators.secret_manager import Emulator
from storage.db import Database
from storage.models import SecretRef
from storage.team_scope import TeamScope
from storage.vault.base import StoredSecret, VaultError
from storage.vault.factory import build_vault
from storage.vault.service import CredentialVault
from tests.storage.conftest import FINGERPRINT_KEY as KEY
from tests.storage.conftest import PLATFORM, PROJECT, TEAM, MakeVault, new_registration
from tests.support.canary import assert_only_in_secret_manager, new_canary

SECRET = f"projects/{PROJECT}/secrets/codat-register_t0001_quickbooks-online_sandbox_credentials"


@pytest.fixture
def vault(make_vault: MakeVault) -> CredentialVault:
    return make_vault()


def store(vault: CredentialVault, registration_id: str, value: str, **overrides: Any) -> StoredSecret:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": PLATFORM,
        "environment": "sandbox",
        "field": "credentials",
        "value": value,
        "actor": "U0ALICE",
        **overrides,
    }
    return vault.store(**arguments)


def refs(db: Database, registration_id: str, team_id: str = TEAM) -> list[SecretRef]:
    with db.session() as session:
        return list(TeamScope(session, team_id).secret_refs(registration_id))


def current(db: Database, registration_id: str) -> list[SecretRef]:
    return [ref for ref in refs(db, registration_id) if ref.superseded_at is None]


# -- idempotency -------------------------------------------------------------------------------------


def test_the_same_value_twice_is_one_version_and_no_second_rpc(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    first = store(vault, registration_id, "same-value")
    calls = len(secret_manager.calls)
    second = store(vault, registration_id, "same-value")

    assert first.created and not second.created
    assert (second.resource_name, second.version, second.fingerprint) == (
        first.resource_name,
        first.version,
        first.fingerprint,
    )
    assert len(secret_manager.calls) == calls  # answered from the idempotency record
    assert len(secret_manager.versions(SECRET)) == 1
    assert len(refs(db, registration_id)) == 1


def test_the_record_survives_a_restart(
    make_vault: MakeVault, secret_manager: Emulator, registration_id: str
) -> None:
    store(make_vault(), registration_id, "same-value")
    again = store(make_vault(), registration_id, "same-value")
    assert not again.created
    assert len(secret_manager.versions(SECRET)) == 1


def test_a_different_value_adds_a_version_and_supersedes_the_old_reference(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    first = store(vault, registration_id, "old-value")
    second = store(vault, registration_id, "new-value")

    assert second.created and second.version == "2" and second.fingerprint != first.fingerprint
    rows = refs(db, registration_id)
    assert [(r.version, r.superseded_at is None) for r in rows] == [("1", False), ("2", True)]
    assert [v.state for v in secret_manager.versions(SECRET)] == [SecretVersion.State.ENABLED] * 2


def test_a_value_coming_back_is_stored_again_as_the_newest_version(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    store(vault, registration_id, "value-a")
    store(vault, registration_id, "value-b")
    back = store(vault, registration_id, "value-a")

    assert back.created and back.version == "3"  # "latest" must hold value-a again
    [now] = current(db, registration_id)
    assert now.version == "3" and now.resource_name == back.resource_name
    assert len(refs(db, registration_id)) == 2  # the (registration, field, fingerprint) row was reused
    assert not store(vault, registration_id, "value-a").created


def test_fields_and_registrations_are_independent(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    other = new_registration(db, status="completed")
    a = store(vault, registration_id, "shared-value")
    b = store(vault, other, "shared-value")
    c = store(vault, registration_id, "shared-value", field="webhook_secret")

    assert a.created and b.created and c.created
    assert len(current(db, registration_id)) == 2 and len(current(db, other)) == 1


def test_disable_previous_versions_disables_the_superseded_version(
    make_vault: MakeVault, secret_manager: Emulator, registration_id: str
) -> None:
    vault = make_vault(DISABLE_PREVIOUS_VERSIONS=True)
    store(vault, registration_id, "old-value")
    store(vault, registration_id, "new-value")
    store(vault, registration_id, "new-value")
    assert [v.state for v in secret_manager.versions(SECRET)] == [
        SecretVersion.State.DISABLED,
        SecretVersion.State.ENABLED,
    ]


def test_a_double_submit_race_keeps_one_reference(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    barrier = threading.Barrier(4)
    results: list[StoredSecret] = []
    failures: list[BaseException] = []

    def submit() -> None:
        barrier.wait()
        try:
            results.append(store(vault, registration_id, "raced-value", timeout=5.0))
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert failures == []
    [row] = refs(db, registration_id)
    assert len(results) == 4 and {r.fingerprint for r in results} == {results[0].fingerprint}
    winners = {(r.resource_name, r.version) for r in results if r.created}
    assert (row.resource_name, row.version) in winners
    losers = {(r.resource_name, r.version) for r in results if not r.created}
    assert losers <= {(row.resource_name, row.version)}
    # Each racer that wrote a version holds the same payload: duplicates are harmless.
    assert set(secret_manager.payloads()) == {b"raced-value"}


def test_a_reference_from_another_backend_does_not_count(
    make_vault: MakeVault, secret_manager: Emulator, db: Database, registration_id: str, tmp_path: Path
) -> None:
    development = make_vault(GCP_PROJECT_ID=None, SECRET_MANAGER_ENDPOINT=None)
    assert development.backend == "development"
    store(development, registration_id, "moving-value")

    stored = store(make_vault(), registration_id, "moving-value")

    assert stored.created and stored.backend == "google"
    [row] = refs(db, registration_id)
    assert (row.backend, row.resource_name) == ("google", stored.resource_name)


# -- scoping --------------------------------------------------------------------------------------


def test_another_teams_registration_is_refused_before_any_rpc(
    vault: CredentialVault, secret_manager: Emulator, db: Database
) -> None:
    theirs = new_registration(db, team_id="T0OTHER")
    with pytest.raises(VaultError) as failure:
        store(vault, theirs, "value")
    assert failure.value.code == "registration_not_found"
    with pytest.raises(VaultError):
        store(vault, "no-such-registration", "value")
    assert secret_manager.calls == []
    assert refs(db, theirs, team_id="T0OTHER") == []


def test_a_database_failure_before_the_write_is_a_vault_error_without_any_rpc(
    secret_manager: Emulator, tmp_path: Path
) -> None:
    unmigrated = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    settings = load_settings(
        GCP_PROJECT_ID=PROJECT,
        SECRET_MANAGER_ENDPOINT=secret_manager.address,
        DATA_DIR=tmp_path,
        FINGERPRINT_KEY=KEY,
    )
    vault = build_vault(settings, unmigrated)
    assert isinstance(vault, CredentialVault)
    try:
        with pytest.raises(VaultError) as failure:
            store(vault, "some-registration", "db-down-value")
    finally:
        vault.close()
        unmigrated.dispose()
    assert failure.value.code == "database" and failure.value.retryable
    assert "db-down-value" not in repr(failure.value)
    assert secret_manager.calls == []


# -- the canary ------------------------------------------------------------------------------------


def test_the_canary_lives_only_in_secret_manager(
    vault: CredentialVault,
    secret_manager: Emulator,
    db: Database,
    registration_id: str,
    log_output: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = new_canary()
    caplog.set_level("DEBUG")

    stored = store(vault, registration_id, canary)
    store(vault, registration_id, canary)  # the idempotent path too
    replaced = new_canary()
    store(vault, registration_id, replaced)
    # A failing store of another canary, with a server message that quotes it.
    failing = new_canary()
    secret_manager.inject_fault(grpc.StatusCode.INVALID_ARGUMENT, method="AddSecretVersion", message=failing)
    with pytest.raises(VaultError) as failure:
        store(vault, registration_id, failing)
    secret_manager.inject_fault(grpc.StatusCode.PERMISSION_DENIED, method="AddSecretVersion", message=failing)
    with pytest.raises(VaultError) as denied:
        store(vault, registration_id, failing)

    texts = [
        log_output.getvalue(),
        caplog.text,
        repr(stored),
        *(
            text
            for error in (failure.value, denied.value)
            for text in (
                str(error),
                repr(error),
                error.user_message,
                "".join(traceback.format_exception(error)),
            )
        ),
    ]
    for value in (canary, replaced):
        assert_only_in_secret_manager(value, db=db, payloads=secret_manager.payloads(), texts=texts)
    for text in texts:
        assert failing not in text
    assert log_output.getvalue(), "nothing was logged: the log check would prove nothing"


def test_a_json_credential_canary_lives_only_in_secret_manager(
    vault: CredentialVault,
    secret_manager: Emulator,
    db: Database,
    registration_id: str,
    log_output: io.StringIO,
) -> None:
    client_id, client_secret = new_canary(), new_canary()
    [stored] = store_form(
        vault,
        platform("quickbooks-online"),
        {"client_id": client_id, "client_secret": client_secret},
        registration_id,
    )
    assert stored.field == JSON_FIELD
    for value in (client_id, client_secret):
        assert_only_in_secret_manager(
            value, db=db, payloads=secret_manager.payloads(), texts=[log_output.getvalue(), repr(stored)]
        )


# -- what credentials become -------------------------------------------------------------------------


def platform(platform_id: str) -> Platform:
    return load_catalogue().get(platform_id)


def store_form(
    vault: CredentialVault, platform: Platform, submitted: dict[str, str], registration_id: str
) -> list[StoredSecret]:
    """What the wizard stores for a submitted credentials form: its payloads, then the vault."""
    return credentials.store(
        vault,
        payloads_for(platform, submitted),
        deadline=time.monotonic() + 30,
        team_id=TEAM,
        registration_id=registration_id,
        platform=platform.id,
        environment="sandbox",
        actor="U0ALICE",
    )


def test_json_platforms_store_one_payload_with_the_field_keys(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    qbo = platform("quickbooks-online")
    assert qbo.store_as_json
    submitted = {"client_secret": "  the-secret\n", "client_id": "ABC123"}

    [stored] = store_form(vault, qbo, submitted, registration_id)

    assert stored.field == "credentials" and stored.resource_name == f"{SECRET}/versions/1"
    [payload] = secret_manager.payloads()
    assert payload == b'{"client_id":"ABC123","client_secret":"the-secret"}'  # stripped, sorted, compact
    assert json.loads(payload) == {"client_id": "ABC123", "client_secret": "the-secret"}
    # Same form again (a double submit): nothing new.
    [again] = store_form(vault, qbo, submitted, registration_id)
    assert not again.created


def test_other_platforms_store_one_secret_per_field(
    vault: CredentialVault, secret_manager: Emulator, db: Database, registration_id: str
) -> None:
    per_field = platform("sage-200").model_copy(update={"store_as_json": False})
    submitted = {
        "client_id": "id-1",
        "client_secret": "secret-1",
        "subscription_key": "sub-1",
        "signing_key": "",
    }

    stored = store_form(vault, per_field, submitted, registration_id)

    assert [s.field for s in stored] == [
        "client_id",
        "client_secret",
        "subscription_key",
    ]  # optional empty: omitted
    assert sorted(secret_manager.payloads()) == [b"id-1", b"secret-1", b"sub-1"]
    assert [name.rsplit("/", 1)[1] for name in secret_manager.secrets()] == [
        "codat-register_t0001_sage-200_sandbox_client-id",
        "codat-register_t0001_sage-200_sandbox_client-secret",
        "codat-register_t0001_sage-200_sandbox_subscription-key",
    ]


def test_missing_or_unknown_fields_are_refused_before_anything_is_stored(
    vault: CredentialVault, secret_manager: Emulator, registration_id: str
) -> None:
    qbo = platform("quickbooks-online")
    with pytest.raises(CredentialInputError) as failure:
        store_form(
            vault,
            qbo,
            {"client_id": "id-only-value", "client_secret": "  ", "extra": "unexpected-value"},
            registration_id,
        )
    assert failure.value.missing == ("client_secret",) and failure.value.unknown == ("extra",)
    assert str(failure.value) == "missing: Client Secret; not a field of this platform: extra"
    assert "id-only-value" not in str(failure.value) and "unexpected-value" not in str(failure.value)
    assert secret_manager.calls == []


def test_payloads_never_show_their_value() -> None:
    [payload] = payloads_for(platform("xero"), {"client_id": "visible-id", "client_secret": "hidden-secret"})
    assert "hidden-secret" not in repr(payload) and "visible-id" not in repr(payload)
