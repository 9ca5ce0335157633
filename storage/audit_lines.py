"""Every audit event, once committed, as one log line marked `audit` (with LOG_FORMAT=json, one
structured entry: `"audit": true`, action, team, subject, actor, and when known registration,
platform, environment and surface).

A listener on the engine sees each INSERT into audit_events, whoever writes it (the ORM, Core
statements, a migration), keeps the rows on the connection until its transaction commits and logs
them then; a rollback drops them. Only those fields are logged, never `details` (which may name
people); no audit field ever holds a value (a credential).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.sql.dml import Insert

AUDIT_TABLE = "audit_events"
_PENDING = "codat_register.audit_lines"  # key in the connection's info
# (log field, row column): ids and names only.
_OPTIONAL = (
    ("registration", "registration_id"),
    ("platform", "platform"),
    ("environment", "environment"),
    ("surface", "surface"),
)

logger = logging.getLogger("codat_register.audit")


def watch(engine: Engine) -> None:
    """Log the audit events written through `engine` when their transaction commits."""
    event.listen(engine, "after_execute", _collect)
    event.listen(engine, "commit", _emit)
    event.listen(engine, "rollback", _drop)


def _collect(
    connection: Connection,
    statement: Any,
    multiparams: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    execution_options: Any,
    result: Any,
) -> None:
    if not isinstance(statement, Insert) or getattr(statement.table, "name", None) != AUDIT_TABLE:
        return
    rows = list(multiparams) or [params or statement.compile().params]  # values() inline: compiled
    connection.info.setdefault(_PENDING, []).extend(_fields(row) for row in rows)


def _fields(row: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "audit": True,
        "action": str(row.get("action")),
        "team": str(row.get("team_id")),
        "subject": str(row.get("subject")),
        "actor": str(row.get("actor")),
    }
    details = row.get("details")
    details = details if isinstance(details, Mapping) else {}
    for field, column in _OPTIONAL:  # a column of the row, or (older rows) a key of its details
        value = row.get(column) or details.get(column)
        if isinstance(value, str) and value:
            fields[field] = value
    # The row's place in its workspace's hash chain (storage.audit): a SIEM that keeps these holds
    # a copy of the chain's heads that nobody with only database access can rewrite.
    if isinstance(row.get("sequence"), int) and isinstance(row.get("row_hash"), str):
        fields["sequence"], fields["row_hash"] = row["sequence"], row["row_hash"]
    return fields


def _emit(connection: Connection) -> None:
    for fields in connection.info.pop(_PENDING, ()):
        logger.info(
            "audit %s team=%s subject=%s actor=%s",
            fields["action"],
            fields["team"],
            fields["subject"],
            fields["actor"],
            extra=fields,
        )


def _drop(connection: Connection) -> None:
    connection.info.pop(_PENDING, None)
