"""`python app.py COMMAND`: the subcommands a deployment runs (serve, sandbox, migrate, sweep)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.support.app_process import app_env, run_app
from tests.support.database import backend_url, fresh_database_url, is_postgres


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_app(env, cwd, args=tuple(args))


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run(["--help"], app_env(), tmp_path)
    assert result.returncode == 0
    for command in ("serve", "sandbox", "migrate", "sweep"):
        assert command in result.stdout


def test_an_unknown_command_exits_2_with_usage(tmp_path: Path) -> None:
    result = run(["launch"], app_env(), tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_serve_without_slack_settings_says_what_to_set(tmp_path: Path) -> None:
    result = run(["serve"], app_env(DATA_DIR=str(tmp_path / "data")), tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "app.py sandbox" in result.stderr


def test_several_workers_with_the_in_process_scheduler_are_refused(tmp_path: Path) -> None:
    result = run_app(app_env(DATA_DIR=str(tmp_path / "data"), WEB_WORKERS="2"), tmp_path)
    assert result.returncode == 2
    assert "WEB_WORKERS" in result.stderr and "RUN_SCHEDULER=false" in result.stderr


def test_migrate_creates_the_schema_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        env = app_env(DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"))
        first = run(["migrate"], env, tmp_path)
        assert first.returncode == 0, first.stderr
        engine = create_engine(url)
        try:
            assert "registrations" in inspect(engine).get_table_names()
            with engine.connect() as connection:
                head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            again = run(["migrate"], env, tmp_path)
            assert again.returncode == 0, again.stderr
            with engine.connect() as connection:
                versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            assert versions == [head]
        finally:
            engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(backend_url()), reason="the advisory lock is PostgreSQL's")
def test_two_migrations_started_together_on_postgresql_upgrade_once_without_error(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        env = app_env(DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: run(["migrate"], env, tmp_path), range(2)))
        assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
        assert not any("Traceback" in r.stderr for r in results)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                assert len(connection.execute(text("SELECT version_num FROM alembic_version")).all()) == 1
        finally:
            engine.dispose()


def test_sweep_on_an_empty_database_exits_0_and_reports(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        env = app_env(DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"))
        assert run(["migrate"], env, tmp_path).returncode == 0
        result = run(["sweep"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "claimed=0" in result.stdout
