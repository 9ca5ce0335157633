"""`alembic check` stays clean: after every migration, the database's schema is what the models
(storage.models, slack_sdk's OAuth store tables included) describe — nothing left to autogenerate."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import Database
from storage.models import Base


def test_the_migrated_schema_is_what_the_models_describe(migrated_db: Database) -> None:
    with migrated_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
