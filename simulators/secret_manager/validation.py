"""Input rules of Secret Manager, checked the way the service checks them.

The label rules are PCRE classes in the API docs (``[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{N}_-]{0,62}``);
Python's ``re`` has no ``\\p{..}``, so they are approximated with ``unicodedata`` categories.
Messages never quote payloads; they may quote names, keys and label values (not secret).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import google_crc32c
import grpc
from google.cloud.secretmanager_v1.types import resources

from simulators.secret_manager.errors import RpcError

MAX_PAYLOAD_BYTES = 65536
MAX_LABELS = 64
MAX_LABEL_CHARS = 63
MAX_KEY_BYTES = 128
MAX_ANNOTATIONS_BYTES = 16 * 1024  # keys and values together must stay *under* this
MAX_TOPICS = 10
MIN_ROTATION_AHEAD = timedelta(seconds=300)  # next_rotation_time at least 5 minutes ahead
MIN_ROTATION_PERIOD = timedelta(seconds=3600)
MAX_YEARS = 100  # next_rotation_time and rotation_period at most 100 years ahead / long

_SECRET_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,255}")
_TOPIC_RE = re.compile(r"projects/[^/]+/topics/[^/]+")
_ANNOTATION_KEY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
_LETTER = frozenset({"Ll", "Lo"})
_LETTER_OR_NUMBER = frozenset({"Ll", "Lo", "Nd", "Nl", "No"})


def _invalid(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message)


def is_valid_secret_id(secret_id: str) -> bool:
    """True for 1–255 characters of ``[A-Za-z0-9_-]``."""
    return _SECRET_ID_RE.fullmatch(secret_id) is not None


def _is_label_char(char: str) -> bool:
    return char in "_-" or unicodedata.category(char) in _LETTER_OR_NUMBER


def is_valid_label_key(key: str) -> bool:
    """``[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{N}_-]{0,62}``, at most 128 UTF-8 bytes."""
    return (
        0 < len(key) <= MAX_LABEL_CHARS
        and len(key.encode()) <= MAX_KEY_BYTES
        and unicodedata.category(key[0]) in _LETTER
        and all(_is_label_char(char) for char in key[1:])
    )


def is_valid_label_value(value: str) -> bool:
    """``[\\p{Ll}\\p{Lo}\\p{N}_-]{0,63}``, at most 128 UTF-8 bytes."""
    return (
        len(value) <= MAX_LABEL_CHARS
        and len(value.encode()) <= MAX_KEY_BYTES
        and all(_is_label_char(char) for char in value)
    )


def check_labels(labels: Mapping[str, str]) -> None:
    """INVALID_ARGUMENT unless every label key and value is valid and there are ≤ 64 labels."""
    if len(labels) > MAX_LABELS:
        raise _invalid(f"A secret can have at most {MAX_LABELS} labels; got {len(labels)}.")
    for key, value in labels.items():
        if not is_valid_label_key(key):
            raise _invalid(f"Label key [{key}] is not in a valid format.")
        if not is_valid_label_value(value):
            raise _invalid(f"Label value [{value}] of key [{key}] is not in a valid format.")


def check_annotations(annotations: Mapping[str, str]) -> None:
    """INVALID_ARGUMENT for a bad key, or when keys and values reach 16 KiB together."""
    total = 0
    for key, value in annotations.items():
        if len(key.encode()) > MAX_KEY_BYTES or _ANNOTATION_KEY_RE.fullmatch(key) is None:
            raise _invalid(f"Annotation key [{key}] is not in a valid format.")
        total += len(key.encode()) + len(value.encode())
    if total >= MAX_ANNOTATIONS_BYTES:
        raise _invalid(f"Annotations total {total} bytes; they must be less than {MAX_ANNOTATIONS_BYTES}.")


def check_topics(topics: Sequence[resources.Topic]) -> None:
    """INVALID_ARGUMENT for more than 10 topics or a name that is not ``projects/*/topics/*``."""
    if len(topics) > MAX_TOPICS:
        raise _invalid(f"A secret can have at most {MAX_TOPICS} topics; got {len(topics)}.")
    for topic in topics:
        if _TOPIC_RE.fullmatch(topic.name) is None:
            raise _invalid(f"Topic [{topic.name}] is not in a valid format: projects/*/topics/*.")


def _years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def check_rotation(
    rotation: resources.Rotation | None, topics: Sequence[resources.Topic], now: datetime
) -> None:
    """INVALID_ARGUMENT unless a rotation schedule has topics to publish to, a next_rotation_time
    between 5 minutes and 100 years ahead (required with a period), and a period of at least
    an hour and at most 100 years. `rotation` None: no schedule, nothing to check."""
    if rotation is None:
        return
    if not topics:
        raise _invalid("Secret.topics must be set when Secret.rotation is set.")
    has_time = "next_rotation_time" in rotation
    has_period = "rotation_period" in rotation
    if has_period and not has_time:
        raise _invalid("Rotation.next_rotation_time must be set when Rotation.rotation_period is set.")
    if has_time:
        moment = rotation.next_rotation_time
        if moment < now + MIN_ROTATION_AHEAD:
            raise _invalid("Rotation.next_rotation_time must be at least 5 minutes in the future.")
        if moment > _years_after(now, MAX_YEARS):
            raise _invalid("Rotation.next_rotation_time must be at most 100 years in the future.")
    if has_period:
        period = rotation.rotation_period
        if period < MIN_ROTATION_PERIOD:
            raise _invalid("Rotation.rotation_period must be at least 3600 seconds.")
        if now + period > _years_after(now, MAX_YEARS):
            raise _invalid("Rotation.rotation_period must be at most 100 years.")


def check_replication(secret: resources.Secret, regional: bool) -> None:
    """Global secrets need a replication policy; regional ones take none."""
    present = "replication" in secret
    if regional:
        if present:
            raise _invalid("Regional secrets do not accept a replication policy.")
        return
    policy = resources.Replication.pb(secret.replication).WhichOneof("replication") if present else None
    if policy is None:
        raise _invalid("Secret.replication is required: set automatic or user_managed.")
    if policy == "user_managed":
        locations = [replica.location for replica in secret.replication.user_managed.replicas]
        if not locations or not all(locations):
            raise _invalid("user_managed replication needs at least one replica with a location.")
        if len(set(locations)) != len(locations):
            raise _invalid("user_managed replication lists a location twice.")


def check_payload(payload: resources.SecretPayload) -> tuple[int, bool]:
    """Validate a payload; return (its CRC32C, whether the client sent one)."""
    data = payload.data
    if not data:
        raise _invalid("Secret Payload cannot be empty.")
    if len(data) > MAX_PAYLOAD_BYTES:
        raise _invalid(f"Secret Payload cannot be larger than {MAX_PAYLOAD_BYTES} bytes; got {len(data)}.")
    crc = google_crc32c.value(data)
    client_specified = "data_crc32c" in payload
    if client_specified and payload.data_crc32c != crc:
        raise _invalid("Checksum mismatch: data_crc32c does not match the CRC32C of the payload data.")
    return crc, client_specified
