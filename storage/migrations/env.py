"""Alembic environment: upgrades the engine handed over by storage.db, or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from storage.models import Base

# An arbitrary, fixed 64-bit key for PostgreSQL's advisory lock around migrations.
MIGRATION_LOCK_KEY = 0x636F646174_6D6967  # "codat" "mig"

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("connection_engine")
    if engine is not None:
        return engine
    from core.settings import load_settings
    from storage.db import make_engine

    return make_engine(load_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        # batch mode lets ALTER TABLE migrations run on SQLite too.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas starting together queue here; each then reads the version table afresh,
                # so one upgrades and the others find nothing left to do. Released at commit.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
