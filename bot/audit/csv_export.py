"""The audit trail as a CSV file (RFC 4180, UTF-8): one row per event, in chain order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from storage.audit_trail import AuditRow

COLUMNS = (
    "time",
    "team",
    "sequence",
    "actor",
    "action",
    "surface",
    "platform",
    "environment",
    "registration",
    "details",
    "row_hash",
)
# A spreadsheet runs a cell that starts with one of these as a formula: such a cell gets a leading '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def details_of(row: AuditRow) -> Mapping[str, Any]:
    """The event's details, with its subject when that is not the registration (e.g. an item key)."""
    if row.subject and row.subject != row.registration_id:
        return {**row.details, "subject": row.subject}
    return row.details


def csv_bytes(rows: Iterable[AuditRow]) -> bytes:
    """The CSV file: a header row (COLUMNS), then one line per event. Never a value: rows hold
    ids, names and codes only (storage.audit)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = (
            row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            row.team_id,
            str(row.sequence),
            row.actor,
            row.action,
            row.surface.value if row.surface else "",
            row.platform or "",
            row.environment or "",
            row.registration_id or "",
            json.dumps(details_of(row), sort_keys=True, ensure_ascii=False, separators=(",", ":")),
            row.row_hash,
        )
        writer.writerow([_safe(cell) for cell in cells])
    return buffer.getvalue().encode()


def _safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell
