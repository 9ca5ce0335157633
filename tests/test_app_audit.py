"""`python app.py audit verify`: exit 0 when every chain holds, 1 naming each chain's first broken row."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import text

from storage import audit
from storage.db import Database
from tests.support.app_process import app_env, run_app
from tests.support.database import fresh_database_url


def verify(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = app_env(DATABASE_URL=url, DATA_DIR=str(cwd / "data"))
    return run_app(env, cwd, args=("audit", "verify"))


def test_audit_verify_exits_0_on_intact_chains_and_1_naming_the_first_broken_row(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        database = Database(url)
        try:
            database.upgrade()
            for team_id in ("T1", "T2"):
                for n in range(3):
                    audit.record(database, team_id, audit.Record("U1", "checklist.done", f"step_{n}"))

            clean = verify(url, tmp_path)
            assert clean.returncode == 0, clean.stderr
            assert "intact — 2 chain(s), 6 row(s)" in clean.stdout

            with database.engine.begin() as connection:
                row_id = connection.execute(
                    text("SELECT id FROM audit_events WHERE team_id = 'T2' AND sequence = 2")
                ).scalar_one()
                connection.execute(
                    text("UPDATE audit_events SET subject = 'other' WHERE id = :id"), {"id": row_id}
                )
            broken = verify(url, tmp_path)
            assert broken.returncode == 1
            assert (
                f"team T2, sequence 2, id {row_id}: its content does not match its row_hash" in broken.stderr
            )
            assert "1 of 2 chain(s) broken" in broken.stderr and "Traceback" not in broken.stderr
        finally:
            database.dispose()


def test_audit_verify_on_a_database_without_the_schema_says_so(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        result = verify(url, tmp_path)
    assert result.returncode == 2
    assert "app.py migrate" in result.stderr and "Traceback" not in result.stderr
