"""Migrations and team scoping on the configured backend (SQLite, or PostgreSQL in CI's second run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database, alembic_config
from storage.models import ChecklistItem, Registration, SecretRef
from storage.statuses import RegistrationStatus
from storage.team_scope import TeamScope
from tests.support.database import fresh_database_url

TABLES = {"workspaces", "registrations", "checklist_items", "secret_refs", "audit_events", "slack_users"}


def test_migrations_apply_from_empty_and_reach_head(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        database = Database(url)
        try:
            assert not TABLES & set(inspect(database.engine).get_table_names())
            database.upgrade()
            assert set(inspect(database.engine).get_table_names()) >= TABLES | {"alembic_version"}
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            with database.engine.connect() as connection:
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            database.upgrade()  # a second start on a current schema is a no-op
        finally:
            database.dispose()


def test_migration_chain_is_linear() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "two migration heads: merge them"


def test_migration_0005_completes_registrations_left_in_progress_with_nothing_open(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        database = Database(url)
        try:
            command.upgrade(alembic_config(database.engine), "0004")
            with database.engine.begin() as connection:
                for registration_id, item_statuses in (
                    ("finished", ("done", "n/a")),  # its last step was done from a reminder
                    ("open", ("done", "todo")),
                    ("empty", ()),
                ):
                    connection.execute(
                        text(
                            "INSERT INTO registrations (id, team_id, platform, environment, status, step, "
                            "created_by, answers, created_at, updated_at) VALUES (:id, 'T1', 'xero', :id, "
                            "'in_progress', 'credentials', 'U1', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                        ),
                        {"id": registration_id},
                    )
                    for position, status in enumerate(item_statuses):
                        connection.execute(
                            text(
                                "INSERT INTO checklist_items (registration_id, team_id, item_key, position, "
                                "status, reminder_count, updated_at) VALUES (:id, 'T1', :key, :position, "
                                ":status, 0, CURRENT_TIMESTAMP)"
                            ),
                            {
                                "id": registration_id,
                                "key": f"step_{position}",
                                "position": position,
                                "status": status,
                            },
                        )
            database.upgrade()
            with database.session() as session:
                scope = TeamScope(session, "T1")
                statuses = {r.id: r.status for r in scope.registrations()}
                events = [(e.action, e.subject) for e in scope.audit_events()]
            assert statuses == {"finished": "completed", "open": "in_progress", "empty": "in_progress"}
            assert events == [("registration.completed", "finished")]
        finally:
            database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    database.dispose()


def _registration(
    scope: TeamScope, platform: str = "xero", status: RegistrationStatus = RegistrationStatus.in_progress
) -> Registration:
    registration = scope.add_registration(
        Registration(platform=platform, environment="sandbox", created_by="U1", status=status)
    )
    scope.session.add(
        ChecklistItem(registration_id=registration.id, team_id=scope.team_id, item_key="vault_approved")
    )
    return registration


def test_one_workspace_never_sees_another(db: Database) -> None:
    with db.session() as session:
        mine = _registration(TeamScope(session, "TMINE"))
        theirs = _registration(TeamScope(session, "TTHEIRS"))
        session.add(
            SecretRef(
                registration_id=theirs.id,
                team_id="TTHEIRS",
                field="credentials",
                backend="google",
                resource_name="projects/p/secrets/s",
                version="1",
                fingerprint="f",
                created_by="U2",
            )
        )
    with db.session() as session:
        scope = TeamScope(session, "TMINE")
        assert [r.id for r in scope.registrations()] == [mine.id]
        assert scope.registration(theirs.id) is None
        assert scope.secret_refs(theirs.id) == []
        assert scope.active_registration("xero", "sandbox").id == mine.id
        other_item = session.scalar(select(ChecklistItem).where(ChecklistItem.team_id == "TTHEIRS"))
        assert scope.item(other_item.id) is None


def test_one_active_registration_per_platform_and_environment(db: Database) -> None:
    with db.session() as session:
        _registration(TeamScope(session, "T1"))
    with pytest.raises(IntegrityError), db.session() as session:
        _registration(TeamScope(session, "T1"))
    with db.session() as session:  # a completed one does not block a new one
        scope = TeamScope(session, "T1")
        scope.active_registration("xero", "sandbox").status = RegistrationStatus.completed
    with db.session() as session:
        _registration(TeamScope(session, "T1"))
        assert len(TeamScope(session, "T1").registrations()) == 2


def test_secret_ref_is_unique_per_registration_field_and_fingerprint(db: Database) -> None:
    with db.session() as session:
        registration = _registration(TeamScope(session, "T1"))
    ref = dict(
        registration_id=registration.id,
        team_id="T1",
        field="credentials",
        backend="google",
        resource_name="projects/p/secrets/s",
        version="1",
        fingerprint="abc",
        created_by="U1",
    )
    with db.session() as session:
        session.add(SecretRef(**ref))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(SecretRef(**{**ref, "version": "2"}))


def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    with db.session() as session:
        registration_id = _registration(TeamScope(session, "T1")).id
    with db.session() as session:
        loaded = TeamScope(session, "T1").registration(registration_id)
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset().total_seconds() == 0


def test_team_scope_requires_a_team(db: Database) -> None:
    with db.session() as session, pytest.raises(ValueError):
        TeamScope(session, "")
