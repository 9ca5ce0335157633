"""Keyed fingerprints of credential values: HMAC-SHA256, never a plain hash.

A plain hash of a short or guessable credential can be brute-forced offline from a database dump;
an HMAC cannot without the key, which lives outside the database (a setting, or a 0600 file for
development). The stored form keeps 128 bits (enough for the idempotency key to be unique); the
displayed form keeps 48 bits, enough to tell two values apart in Slack and nothing more.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from core.settings import ConfigError, Settings

logger = logging.getLogger(__name__)

PREFIX = "hmac:"
STORED_HEX = 32
DISPLAY_HEX = 12
KEY_FILE_NAME = "fingerprint.key"
MIN_KEY_CHARS = 16


class Fingerprinter:
    """Computes the keyed fingerprint of a value."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_CHARS:
            raise ValueError(f"the fingerprint key needs at least {MIN_KEY_CHARS} bytes")
        self._key = key

    def __repr__(self) -> str:  # never show the key
        return "Fingerprinter(key=[redacted])"

    def stored(self, value: str | bytes) -> str:
        """The form kept in secret_refs.fingerprint, e.g. "hmac:" + 32 hex characters."""
        data = value.encode() if isinstance(value, str) else value
        return PREFIX + hmac.new(self._key, data, hashlib.sha256).hexdigest()[:STORED_HEX]


def display(stored_fingerprint: str) -> str:
    """The short form shown to people, e.g. "hmac:3f9a1c2b7d0e"."""
    return stored_fingerprint[: len(PREFIX) + DISPLAY_HEX]


def load_fingerprint_key(settings: Settings) -> bytes:
    """FINGERPRINT_KEY, or in development a key generated once into DATA_DIR/fingerprint.key (0600).

    Production requires the setting: a key that changed between deployments would make every
    fingerprint new, so a double submit after a redeploy would add a second version.
    """
    if settings.FINGERPRINT_KEY:
        key = settings.FINGERPRINT_KEY.get_secret_value().encode()
        if len(key) < MIN_KEY_CHARS:
            raise ConfigError(
                f"FINGERPRINT_KEY is too short — use at least {MIN_KEY_CHARS} random characters, "
                'e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )
        return key
    if settings.production:
        raise ConfigError(
            "FINGERPRINT_KEY is not set — production needs a fixed key for the credential fingerprints; "
            'generate one with python -c "import secrets; print(secrets.token_hex(32))" '
            "and keep it in your deployment's secret store"
        )
    return _development_key(Path(settings.DATA_DIR) / KEY_FILE_NAME)


def _development_key(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(path, secrets.token_hex(32).encode())
    logger.info("generated a development fingerprint key at %s", path)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("%s was readable by others (mode %o); restricting it to 0600", path, mode)
        path.chmod(0o600)
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(f"{path} is empty or too short — delete it to generate a new development key")
    return key


def create_private_file(path: Path, content: bytes) -> None:
    """Write `content` to a new 0600 file, atomically; if another process won the race, keep theirs."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: keep its file
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
