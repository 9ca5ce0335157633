"""Engine, sessions and schema upgrades.

SQLite runs in WAL mode with synchronous=NORMAL and a busy timeout, and is shared safely across
Bolt's listener threads (one session per unit of work, check_same_thread off).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import audit_lines

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
logger = logging.getLogger(__name__)
SQLITE_BUSY_TIMEOUT_MS = 5000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the pragmas and pool settings the bot relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write; issue BEGIN
        # ourselves so a claiming transaction holds the write lock from its first statement.
        event.listen(engine, "begin", _sqlite_begin)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
    audit_lines.watch(engine)  # each committed audit event also becomes one log line
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # autocommit at the driver; SQLAlchemy emits BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


_sqlite_writers: dict[str, threading.RLock] = {}
_writers_lock = threading.Lock()


class Database:
    """The bot's handle on storage: an engine, a session factory and schema upgrades."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """Like session(), but on SQLite takes the write lock at BEGIN (BEGIN IMMEDIATE)."""
        if self.dialect != "sqlite":
            with self.session() as session:
                yield session
            return
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection:
            session = Session(bind=connection, expire_on_commit=False)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def one_writer(self) -> Iterator[None]:
        """On SQLite, this process's hot write transactions (the vault's reference, the wizard's
        step) take turns on a lock: SQLite has one writer, and its busy handler sleeps in steps of
        up to 100 ms, which under concurrent submissions costs far more than queueing. Hold it
        around a transaction only, never around a network call. No-op on PostgreSQL."""
        if self.dialect != "sqlite":
            yield
            return
        with _writers_lock:
            lock = _sqlite_writers.setdefault(self.url, threading.RLock())
        with lock:
            yield

    def upgrade(self) -> None:
        """Bring the schema up to date (Alembic head)."""
        upgrade_schema(self.engine)

    def ping(self) -> bool:
        """Whether the database answers and holds the schema (its Alembic version table), for
        readiness; never raises (the reason is logged by type only: its text may name the host)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM alembic_version"))
            return True
        except Exception as error:
            logger.warning("database not ready: %s", type(error).__name__)
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["connection_engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Apply every pending Alembic migration to the engine's database."""
    command.upgrade(alembic_config(engine), "head")
