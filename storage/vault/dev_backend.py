"""The development vault: versions as Fernet-encrypted files under DATA_DIR/dev-vault/.

For running the bot without a Google Cloud project. The key sits next to the data, so this only
keeps values out of plain sight (grep, backups, screen shares); it is no place for real
credentials, and it refuses to start when APP_ENV=production.

Layout::

    dev-vault/key                               Fernet key, 0600
    dev-vault/secrets/<secret-id>/secret.json   labels, annotations, and rotation/topics when an
                                                expiry date was given with ROTATION_TOPIC (no value)
    dev-vault/secrets/<secret-id>/<n>.fernet    version n, encrypted
    dev-vault/secrets/<secret-id>/<n>.disabled  marker while version n is disabled (e.g. waiting for approval)
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from core import settings as core_settings
from core.settings import Settings
from storage.vault import errors
from storage.vault.backend import SecretTarget, WrittenVersion
from storage.vault.base import VaultError
from storage.vault.fingerprint import create_private_file

logger = logging.getLogger(__name__)

SCHEME = "dev-vault://"
LOCATION_LABEL = "development vault (local, encrypted file — development only; not for real credentials)"


def refuse_in_production(settings: Settings) -> None:
    """ConfigError in production: the development vault is for development only."""
    core_settings.refuse_in_production(
        settings,
        "GCP_PROJECT_ID is not set, and the development vault",
        "set GCP_PROJECT_ID to the Google Cloud project that keeps the credentials in Secret Manager",
    )


class DevelopmentBackend:
    """Encrypted local files, one directory per secret id and one file per version."""

    name = "development"
    location_label = LOCATION_LABEL
    development_only = True

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._secrets = self.root / "secrets"
        self._secrets.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        key_path = self.root / "key"
        if not key_path.exists():
            create_private_file(key_path, Fernet.generate_key())
        self._fernet = Fernet(key_path.read_bytes().strip())
        self._lock = threading.Lock()
        logger.warning("vault: %s at %s", LOCATION_LABEL, self.root)

    @classmethod
    def from_settings(cls, settings: Settings) -> DevelopmentBackend:
        """The development vault under DATA_DIR/dev-vault; ConfigError in production."""
        refuse_in_production(settings)
        return cls(Path(settings.DATA_DIR) / "dev-vault")

    def add_version(
        self, target: SecretTarget, payload: bytes, *, deadline: float, disabled: bool = False
    ) -> WrittenVersion:
        directory = self._secrets / target.secret_id
        token = self._fernet.encrypt(payload)
        existed = True
        try:
            with self._lock:
                if not directory.exists():
                    existed = False
                    directory.mkdir(mode=0o700, exist_ok=True)
                    metadata = _with_rotation(
                        {"labels": dict(target.labels), "annotations": dict(target.annotations)}, target
                    )
                    create_private_file(directory / "secret.json", json.dumps(metadata, indent=2).encode())
                number = self._write_next_version(directory, token)
                if disabled:  # waiting for approval: marked before the version is reported
                    (directory / f"{number}.disabled").touch(mode=0o600)
        except OSError as error:
            raise errors.development_write_failed(type(error).__name__) from None
        if target.refresh_metadata and existed:  # best effort, like Secret Manager's UpdateSecret
            try:
                self.update_metadata(target, deadline=deadline)
            except VaultError as error:
                logger.warning(
                    "development vault: the expiry date of secret %s was not written (%s)",
                    target.secret_id,
                    error.code,
                )
        resource_name = f"{SCHEME}{target.secret_id}/versions/{number}"
        return WrittenVersion(resource_name=resource_name, version=str(number))

    def update_metadata(self, target: SecretTarget, *, deadline: float) -> None:
        """Replace the annotations in secret.json (and, when managed, rotation and topics)."""
        path = self._secrets / target.secret_id / "secret.json"
        try:
            with self._lock:
                if not path.exists():
                    raise errors.development_not_found()
                metadata = json.loads(path.read_text())
                metadata["annotations"] = dict(target.annotations)
                metadata = _with_rotation(metadata, target)
                _replace_private_file(path, json.dumps(metadata, indent=2).encode())
        except (OSError, ValueError) as error:
            raise errors.development_write_failed(type(error).__name__) from None

    def metadata(self, secret_id: str) -> dict[str, Any]:
        """A secret's secret.json (tests, the sandbox); never a value."""
        loaded: dict[str, Any] = json.loads((self._secrets / secret_id / "secret.json").read_text())
        return loaded

    def disable_version(self, resource_name: str, *, deadline: float) -> None:
        self._marker(resource_name).touch(mode=0o600)

    def enable_version(self, resource_name: str, *, deadline: float) -> None:
        self._marker(resource_name).unlink(missing_ok=True)

    def is_disabled(self, resource_name: str) -> bool:
        """Whether a version is disabled (tests, the sandbox)."""
        return self._marker(resource_name).exists()

    def _marker(self, resource_name: str) -> Path:
        """The `.disabled` marker of an existing version."""
        secret_id, _, number = resource_name.removeprefix(SCHEME).partition("/versions/")
        version = self._secrets / secret_id / f"{number}.fernet"
        if not resource_name.startswith(SCHEME) or not number.isdigit() or not version.exists():
            raise errors.development_write_failed("unknown version")
        return self._secrets / secret_id / f"{number}.disabled"

    def close(self) -> None:
        return None

    @staticmethod
    def _write_next_version(directory: Path, token: bytes) -> int:
        # O_EXCL claims the number even if another process writes to the same directory.
        number = sum(1 for _ in directory.glob("*.fernet")) + 1
        while True:
            try:
                fd = os.open(directory / f"{number}.fernet", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                number += 1
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(token)
                handle.flush()
                os.fsync(handle.fileno())
            return number


def _with_rotation(metadata: dict[str, Any], target: SecretTarget) -> dict[str, Any]:
    """`metadata` with the target's rotation schedule and topics, as Secret Manager keeps them
    (ISO time); both removed when nothing is scheduled, untouched when rotation is not managed."""
    schedule = target.rotation
    if schedule is None:
        return metadata
    updated = {k: v for k, v in metadata.items() if k not in ("rotation", "topics")}
    if schedule.next_rotation_time is not None:
        updated["topics"] = [{"name": schedule.topic}]
        updated["rotation"] = {"next_rotation_time": schedule.next_rotation_time.isoformat()}
    return updated


def _replace_private_file(path: Path, content: bytes) -> None:
    """Replace `path` with a 0600 file holding `content`, atomically (write, fsync, rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
