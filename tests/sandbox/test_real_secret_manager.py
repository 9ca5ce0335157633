"""The sandbox writes only to the development vault or a Secret Manager emulator: with GCP_PROJECT_ID
and no SECRET_MANAGER_ENDPOINT, `python app.py` (the implicit sandbox) and `python app.py sandbox`
refuse to start, saying why and what to do, before anything is touched; `python app.py sandbox
--real-secret-manager` asks for the real Secret Manager explicitly and starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import app
from core.settings import load_settings
from simulators.sandbox.runner import Sandbox, SandboxError, refuse_real_secret_manager
from tests.support.app_process import APP, app_env, run_app

REFUSAL = "would go to the real Google Cloud Secret Manager"


def test_the_implicit_sandbox_refuses_the_real_secret_manager(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_app(app_env(GCP_PROJECT_ID="acme-prod", DATA_DIR=str(data)), tmp_path)
    assert result.returncode == 2, result.stderr
    assert REFUSAL in result.stderr and "python app.py sandbox --real-secret-manager" in result.stderr
    assert "SECRET_MANAGER_ENDPOINT" in result.stderr and "Traceback" not in result.stderr
    assert "acme-prod" not in result.stderr  # settings' values are never printed
    assert not (data / "codat-register.sqlite3").exists()  # refused before the schema is touched


def test_the_sandbox_command_without_the_flag_refuses_too(tmp_path: Path) -> None:
    env = app_env(GCP_PROJECT_ID="acme-prod", DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, str(APP), "sandbox"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and REFUSAL in result.stderr


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "GCP_", "SECRET_MANAGER", "DATABASE_", "APP_ENV")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GCP_PROJECT_ID", "acme-prod")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env of the machine's
    return tmp_path


def test_asking_explicitly_starts_the_sandbox(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(
        "simulators.sandbox.runner.run_sandbox", lambda settings, **kwargs: started.append(kwargs) or 0
    )
    assert app.main(["sandbox", "--real-secret-manager"]) == 0
    assert started == [{"real_secret_manager": True}]
    assert app.main([]) == 2 and app.main(["sandbox"]) == 2  # without asking: refused
    assert len(started) == 1


def test_the_runner_refuses_unless_asked_and_allows_the_emulator(tmp_path: Path) -> None:
    real = load_settings(GCP_PROJECT_ID="acme-prod", DATA_DIR=tmp_path)
    with pytest.raises(SandboxError, match="real Google Cloud Secret Manager"):
        Sandbox(real)
    refuse_real_secret_manager(real, asked=True)
    assert Sandbox(real, real_secret_manager=True).settings is real  # constructed, not started
    refuse_real_secret_manager(load_settings(DATA_DIR=tmp_path))  # the development vault
    emulator = load_settings(GCP_PROJECT_ID="p", SECRET_MANAGER_ENDPOINT="127.0.0.1:8085", DATA_DIR=tmp_path)
    refuse_real_secret_manager(emulator)
