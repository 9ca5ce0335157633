"""Secret ids, labels and annotations: deterministic, valid for Secret Manager, and never a value.

One secret per (team, platform, environment, field), e.g.
``codat-register_t0001_quickbooks-online_sandbox_credentials``; each stored value is a version of it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

APP = "codat-register"
MAX_SECRET_ID = 255
MAX_LABEL_VALUE = 63
SECRET_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,255}")
_NOT_ID_CHAR = re.compile(r"[^a-z0-9]+")
_NOT_LABEL_CHAR = re.compile(r"[^a-z0-9_-]+")
_HASH_HEX = 12
EXPIRES_AT = "expires-at"  # annotation: the credential's expiry date (ISO), when one was given


def secret_id(*, team_id: str, platform: str, environment: str, field: str) -> str:
    """The Secret Manager secret id for one credential field of a team's platform environment.

    Parts are lowercased and anything outside ``[a-z0-9]`` becomes ``-`` (``_`` separates parts).
    When that loses more than case and ``_``/``-`` (dots, spaces, accents…), or the id would be
    longer than 255 characters, a hash of the exact parts is appended so distinct inputs never
    share a secret.
    """
    raw = (team_id, platform, environment, field)
    if not all(raw):
        raise ValueError("team_id, platform, environment and field are all required for a secret id")
    parts = [_NOT_ID_CHAR.sub("-", part.lower()).strip("-") or "x" for part in raw]
    lossy = any(clean != part.lower().replace("_", "-") for clean, part in zip(parts, raw, strict=True))
    candidate = "_".join([APP, *parts])
    if not lossy and len(candidate) <= MAX_SECRET_ID:
        return candidate
    suffix = "_h" + hashlib.sha256("\x1f".join(raw).encode()).hexdigest()[:_HASH_HEX]
    return candidate[: MAX_SECRET_ID - len(suffix)].rstrip("_-") + suffix


def is_valid_secret_id(value: str) -> bool:
    return SECRET_ID_RE.fullmatch(value) is not None


def label_value(text: str) -> str:
    """A label value under Secret Manager's rules: lowercase letters, digits, ``_`` and ``-``, ≤ 63."""
    return _NOT_LABEL_CHAR.sub("-", text.lower()).strip("-")[:MAX_LABEL_VALUE]


def labels(*, team_id: str, platform: str, environment: str) -> dict[str, str]:
    """Labels for filtering in the console and in IAM conditions: app, platform, environment, team."""
    return {
        "app": APP,
        "platform": label_value(platform),
        "environment": label_value(environment),
        "team": label_value(team_id),
    }


def secret_annotations(
    *, actor: str, registration_id: str, stored_at: datetime, expires_on: date | None = None
) -> dict[str, str]:
    """Who stored the secret from Slack, when, for which registration and, when known, the date the
    credential expires (``expires-at``, ISO ``2027-06-30``). Never a value.

    Written when the secret is created, and again (the full set: UpdateSecret's mask replaces the
    whole map) when an expiry date is set or changed, which needs ``secretmanager.secrets.update``.
    Later versions without a date are recorded in secret_refs only.
    """
    annotations = {
        "stored-by": actor[:128],
        "stored-at": stored_at.isoformat(timespec="seconds"),
        "registration-id": registration_id[:128],
    }
    if expires_on is not None:
        annotations[EXPIRES_AT] = expires_on.isoformat()
    return annotations
