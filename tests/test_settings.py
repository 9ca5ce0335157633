"""Start-up settings: one clear message naming the variable, exit status 2, no traceback, no value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core.settings import ConfigError, load_settings
from tests.support.app_process import app_env
from tests.support.app_process import run_app as start_app


def run_app(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return start_app(app_env(DATA_DIR=str(tmp_path), **env), tmp_path)


@pytest.mark.parametrize(
    ("env", "variable", "hint"),
    [
        (
            {"SLACK_BOT_TOKEN": "not-a-token-12345", "SLACK_SIGNING_SECRET": "s"},
            "SLACK_BOT_TOKEN",
            "manifest.yml",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1-secretvalue-abc"}, "SLACK_SIGNING_SECRET", "Signing Secret"),
        ({"SLACK_SIGNING_SECRET": "secretvalue-abc"}, "SLACK_BOT_TOKEN", "Bot User OAuth Token"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-secretvalue-abc", "SLACK_SIGNING_SECRET": "s", "PORT": "http"},
            "PORT",
            "port",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1-secretvalue-abc",
                "SLACK_SIGNING_SECRET": "s",
                "SECRET_MANAGER_ENDPOINT": "10.1.2.3:8085",
                "GCP_PROJECT_ID": "p",
            },
            "SECRET_MANAGER_ENDPOINT",
            "loopback",
        ),
        (
            {"SLACK_APP_TOKEN": "xoxb-wrong-kind-secretvalue", "SLACK_BOT_TOKEN": "xoxb-1-secretvalue-abc"},
            "SLACK_APP_TOKEN",
            "xapp-",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1-secretvalue-abc",
                "SLACK_SIGNING_SECRET": "s",
                "APP_ENV": "production",
            },
            "GCP_PROJECT_ID",
            "Secret Manager",
        ),
    ],
)
def test_bad_settings_exit_2_with_one_clear_message(
    env: dict[str, str], variable: str, hint: str, tmp_path: Path
) -> None:
    result = run_app(env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert variable in result.stderr
    assert hint.lower() in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert "secretvalue" not in result.stderr + result.stdout


def test_settings_defaults_and_derived_values(tmp_path: Path) -> None:
    settings = load_settings(DATA_DIR=tmp_path)
    assert settings.PORT == 3000
    assert settings.LOG_LEVEL == "INFO"
    assert settings.SLACK_API_URL == "https://slack.com/api/"
    assert settings.database_url == f"sqlite:///{tmp_path / 'codat-register.sqlite3'}"
    assert not settings.slack_configured


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1")
    assert settings.socket_mode


def test_config_error_never_carries_the_value() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(SLACK_BOT_TOKEN="oops-secretvalue", SLACK_SIGNING_SECRET="x")
    assert "secretvalue" not in str(raised.value)
    assert "SLACK_BOT_TOKEN" in str(raised.value)
