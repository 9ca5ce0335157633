"""The canary check: a unique secret value must afterwards exist only inside Secret Manager.

Reused by every feature whose path carries a secret (vault, wizard, sandbox).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import text

from storage.db import Database
from storage.models import Base


def new_canary() -> str:
    return f"canary-{uuid.uuid4().hex}-{secrets.token_hex(6)}"


def database_dump(db: Database) -> str:
    """Every row of every table, as text."""
    parts = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def sqlite_files(db: Database) -> list[Path]:
    if db.dialect != "sqlite" or not db.engine.url.database:
        return []
    base = Path(db.engine.url.database)
    return [path for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if path.exists()]


def assert_only_in_secret_manager(
    value: str,
    *,
    db: Database,
    payloads: Iterable[bytes],
    slack_calls: Iterable[object] = (),
    texts: Iterable[str] = (),
    files: Iterable[Path] = (),
) -> None:
    """Fail unless `value` is in a Secret Manager payload and in none of the other places."""
    encoded = value.encode()
    assert any(encoded in payload for payload in payloads), "the canary never reached Secret Manager"
    assert value not in database_dump(db), "the canary is in a database row"
    # Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    # included: close the pool's connections before reading the database's files, or a later
    # connection finds its WAL locks gone ("disk I/O error", then a malformed database).
    db.engine.dispose()
    for path in [*sqlite_files(db), *files]:
        assert encoded not in path.read_bytes(), f"the canary is in {path}"
    for call in slack_calls:
        raw = getattr(call, "raw_body", b"") or b""
        assert encoded not in raw and value not in repr(getattr(call, "params", "")), (
            f"the canary reached Slack in {getattr(call, 'method', call)}"
        )
    for chunk in texts:
        assert value not in chunk, "the canary is in captured output"
