"""The random values of the secure page, and how they are kept: only as SHA-256.

A link's token is `<id>.<secret>`: the id (64 bits, hex) finds the row, the secret (192 bits,
URL-safe) proves the holder; the row keeps the SHA-256 of the whole token. CSRF tokens, sign-in
states and nonces, and browser sessions are 128-bit random values, hashed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_TOKEN = re.compile(r"^([0-9a-f]{16})\.([A-Za-z0-9_-]{32})$")
ID_BYTES, SECRET_BYTES, NONCE_BYTES = 8, 24, 16


@dataclass(frozen=True)
class LinkToken:
    """A link's token: `value` goes into the URL once and is never stored; `hash` is kept."""

    link_id: str
    value: str = ""

    def __repr__(self) -> str:
        return f"LinkToken({self.link_id!r}, [redacted])"

    __str__ = __repr__

    @property
    def hash(self) -> str:
        return digest(self.value)


def new_link_token() -> LinkToken:
    link_id = secrets.token_hex(ID_BYTES)
    return LinkToken(link_id, f"{link_id}.{secrets.token_urlsafe(SECRET_BYTES)}")


def parse_link_token(raw: str) -> LinkToken | None:
    """The token in a URL, or None when it cannot be one (cut short, changed, padded)."""
    match = _TOKEN.fullmatch(raw or "")
    return None if match is None else LinkToken(match.group(1), raw)


def new_secret() -> str:
    """A CSRF token, sign-in state or nonce, or browser session: 128 random bits."""
    return secrets.token_urlsafe(NONCE_BYTES)


def digest(value: str) -> str:
    """The SHA-256 (hex) of a random value: what the database keeps instead of it."""
    return hashlib.sha256(value.encode()).hexdigest()


def same(value: str | None, expected_hash: str | None) -> bool:
    """Whether `value` hashes to `expected_hash`, in constant time (False when either is missing)."""
    if not value or not expected_hash:
        return False
    return hmac.compare_digest(digest(value), expected_hash)
