"""The development vault: encrypted files under DATA_DIR, the same idempotency, refused in production."""

from __future__ import annotations

import io
import json
import logging
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from core.settings import ConfigError, Settings, load_settings
from storage.db import Database
from storage.models import Registration, SecretRef
from storage.team_scope import TeamScope
from storage.vault.base import StoredSecret, VaultError
from storage.vault.dev_backend import DevelopmentBackend
from storage.vault.factory import build_vault
from storage.vault.service import CredentialVault
from tests.support.canary import assert_only_in_secret_manager, new_canary

TEAM = "T0001"
SECRET_ID = "codat-register_t0001_xero_sandbox_credentials"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings(DATA_DIR=data_dir)


@pytest.fixture
def vault(settings: Settings, db: Database) -> Iterator[CredentialVault]:
    built = build_vault(settings, db)
    assert isinstance(built, CredentialVault)
    yield built
    built.close()


@pytest.fixture
def registration_id(db: Database) -> str:
    with db.session() as session:
        registration = TeamScope(session, TEAM).add_registration(
            Registration(platform="xero", environment="sandbox", created_by="U0ALICE")
        )
        return registration.id


def store(vault: CredentialVault, registration_id: str, value: str, **overrides: Any) -> StoredSecret:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": "xero",
        "environment": "sandbox",
        "field": "credentials",
        "value": value,
        "actor": "U0ALICE",
        **overrides,
    }
    return vault.store(**arguments)


def vault_files(data_dir: Path) -> list[Path]:
    return sorted(path for path in (data_dir / "dev-vault").rglob("*") if path.is_file())


def decrypted_payloads(data_dir: Path) -> list[bytes]:
    fernet = Fernet((data_dir / "dev-vault" / "key").read_bytes())
    return [fernet.decrypt(path.read_bytes()) for path in sorted((data_dir / "dev-vault").rglob("*.fernet"))]


def refs(db: Database, registration_id: str) -> list[SecretRef]:
    with db.session() as session:
        return list(TeamScope(session, TEAM).secret_refs(registration_id))


def test_without_a_project_the_development_vault_is_used_and_says_so(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        vault = build_vault(settings, db)
    assert (vault.backend, vault.development_only) == ("development", True)
    assert vault.location_label == (
        "development vault (local, encrypted file — development only; not for real credentials)"
    )
    assert any(r.levelno == logging.WARNING and "development only" in r.getMessage() for r in caplog.records)


def test_values_are_encrypted_at_rest(
    vault: CredentialVault, data_dir: Path, registration_id: str, db: Database
) -> None:
    value = new_canary()
    stored = store(vault, registration_id, value)

    assert stored.created and stored.backend == "development"
    assert stored.resource_name == f"dev-vault://{SECRET_ID}/versions/1"
    files = vault_files(data_dir)
    assert data_dir / "dev-vault" / "secrets" / SECRET_ID / "1.fernet" in files
    for path in files:
        assert value.encode() not in path.read_bytes(), f"{path} holds the value in clear"
    assert decrypted_payloads(data_dir) == [value.encode()]  # …and it really is stored
    assert_only_in_secret_manager(value, db=db, payloads=decrypted_payloads(data_dir), files=files)


def test_key_and_files_are_private(vault: CredentialVault, data_dir: Path, registration_id: str) -> None:
    store(vault, registration_id, "some-value")
    root = data_dir / "dev-vault"
    assert mode(root / "key") == 0o600
    assert mode(root) == 0o700 and mode(root / "secrets" / SECRET_ID) == 0o700
    assert mode(root / "secrets" / SECRET_ID / "1.fernet") == 0o600
    assert mode(data_dir / "fingerprint.key") == 0o600


def test_metadata_never_holds_the_value(vault: CredentialVault, data_dir: Path, registration_id: str) -> None:
    store(vault, registration_id, "metadata-check-value")
    metadata = (data_dir / "dev-vault" / "secrets" / SECRET_ID / "secret.json").read_text()
    assert '"stored-by": "U0ALICE"' in metadata and '"team": "t0001"' in metadata
    assert "metadata-check-value" not in metadata


def test_keys_survive_a_restart_and_so_does_idempotency(
    settings: Settings, db: Database, data_dir: Path, registration_id: str
) -> None:
    first = build_vault(settings, db)
    stored = store(first, registration_id, "kept-value")
    key = (data_dir / "dev-vault" / "key").read_bytes()
    fingerprint_key = (data_dir / "fingerprint.key").read_bytes()

    second = build_vault(settings, db)
    again = store(second, registration_id, "kept-value")

    assert (data_dir / "dev-vault" / "key").read_bytes() == key
    assert (data_dir / "fingerprint.key").read_bytes() == fingerprint_key
    assert not again.created and again.fingerprint == stored.fingerprint
    assert len(decrypted_payloads(data_dir)) == 1


def test_same_value_is_one_version_and_a_new_value_supersedes(
    vault: CredentialVault, data_dir: Path, registration_id: str, db: Database
) -> None:
    first = store(vault, registration_id, "value-one")
    same = store(vault, registration_id, "value-one")
    second = store(vault, registration_id, "value-two")

    assert first.created and not same.created and same.resource_name == first.resource_name
    assert second.created and second.version == "2"
    assert decrypted_payloads(data_dir) == [b"value-one", b"value-two"]
    assert [(r.version, r.superseded_at is None) for r in refs(db, registration_id)] == [
        ("1", False),
        ("2", True),
    ]


def test_previous_versions_can_be_disabled(data_dir: Path, db: Database, registration_id: str) -> None:
    vault = build_vault(load_settings(DATA_DIR=data_dir, DISABLE_PREVIOUS_VERSIONS=True), db)
    store(vault, registration_id, "value-one")
    store(vault, registration_id, "value-two")
    directory = data_dir / "dev-vault" / "secrets" / SECRET_ID
    assert (directory / "1.disabled").exists() and not (directory / "2.disabled").exists()


def test_limits_apply_before_anything_is_written(
    vault: CredentialVault, data_dir: Path, registration_id: str
) -> None:
    for value, code in (("", "empty_value"), ("x" * 65_537, "payload_too_large")):
        with pytest.raises(VaultError) as failure:
            store(vault, registration_id, value)
        assert failure.value.code == code
    assert decrypted_payloads(data_dir) == []


def test_production_is_refused(tmp_path: Path, db: Database) -> None:
    # load_settings refuses this combination already; the vault refuses it on its own too.
    production = Settings(APP_ENV="production", DATA_DIR=tmp_path / "data", FINGERPRINT_KEY="k" * 32)
    with pytest.raises(ConfigError, match="development vault refuses"):
        build_vault(production, db)
    with pytest.raises(ConfigError, match="APP_ENV=production"):
        DevelopmentBackend.from_settings(production)
    assert not (tmp_path / "data").exists()  # nothing was created


def test_nothing_is_logged_with_the_value(
    settings: Settings, db: Database, registration_id: str, log_output: io.StringIO
) -> None:
    value = new_canary()
    vault = build_vault(settings, db)
    store(vault, registration_id, value)
    store(vault, registration_id, value)
    assert "development only" in log_output.getvalue()
    assert value not in log_output.getvalue()


# -- expiry dates ------------------------------------------------------------------------------

TOPIC = "projects/test-project/topics/credential-expiry"


def metadata(data_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (data_dir / "dev-vault" / "secrets" / SECRET_ID / "secret.json").read_text()
    )
    return loaded


def set_expiry(
    vault: CredentialVault, registration_id: str, expires_on: date | None, **overrides: Any
) -> bool:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": "xero",
        "environment": "sandbox",
        "field": "credentials",
        "actor": "U0BOB",
        "expires_on": expires_on,
        **overrides,
    }
    return vault.set_expiry(**arguments)


def test_an_expiry_date_goes_into_secret_json_new_or_existing(
    vault: CredentialVault, data_dir: Path, registration_id: str
) -> None:
    store(vault, registration_id, "value-one", expires_on=date(2027, 6, 30))
    assert metadata(data_dir)["annotations"]["expires-at"] == "2027-06-30"
    assert "rotation" not in metadata(data_dir) and "topics" not in metadata(data_dir)  # no topic set

    store(vault, registration_id, "value-two", expires_on=date(2028, 1, 15), actor="U0BOB")
    written = metadata(data_dir)
    assert written["annotations"]["expires-at"] == "2028-01-15"
    assert written["annotations"]["stored-by"] == "U0BOB"
    assert written["labels"]["team"] == "t0001"  # kept
    assert "value-two" not in json.dumps(written)


def test_set_expiry_writes_rotation_and_topics_then_clears_them(
    data_dir: Path, db: Database, registration_id: str
) -> None:
    vault = build_vault(
        load_settings(DATA_DIR=data_dir, ROTATION_TOPIC=TOPIC, EXPIRY_REMINDER_DAYS="7,1"), db
    )
    store(vault, registration_id, "a-value")
    assert "rotation" not in metadata(data_dir)
    expiry = datetime.now(UTC).date() + timedelta(days=100)

    assert set_expiry(vault, registration_id, expiry) is True

    written = metadata(data_dir)
    assert written["annotations"]["expires-at"] == expiry.isoformat()
    assert (written["annotations"]["stored-by"], written["annotations"]["registration-id"]) == (
        "U0BOB",
        registration_id,
    )
    moment = datetime.combine(expiry, datetime.min.time(), tzinfo=UTC) - timedelta(days=7)
    assert datetime.fromisoformat(written["rotation"]["next_rotation_time"]) == moment
    assert written["topics"] == [{"name": TOPIC}]
    assert mode(data_dir / "dev-vault" / "secrets" / SECRET_ID / "secret.json") == 0o600

    assert set_expiry(vault, registration_id, None) is True

    cleared = metadata(data_dir)
    assert "expires-at" not in cleared["annotations"] and "stored-at" in cleared["annotations"]
    assert "rotation" not in cleared and "topics" not in cleared
    vault.close()


def test_set_expiry_on_a_secret_never_stored_is_false_with_a_warning(
    vault: CredentialVault, registration_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert set_expiry(vault, registration_id, date(2027, 6, 30)) is False
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "NOT_FOUND" in warning and "credentials" in warning
