"""`python app.py` as a person runs it: gunicorn serving Slack over HTTP, schema created on start."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.slack.events_client import SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support.app_process import APP, app_env, free_port, run_app, wait_ready
from tests.support.database import fresh_database_url


@pytest.fixture
def served_app(tmp_path: Path, slack_api: SlackWebApi) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with fresh_database_url(tmp_path) as database_url:
        env = app_env(
            **{
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack_api.url,
                "DATABASE_URL": database_url,
                "DATA_DIR": str(tmp_path / "data"),
                "PORT": str(port),
                "HOST": "127.0.0.1",
                "RUN_SCHEDULER": "false",
                "WEB_THREADS": "4",
            }
        )
        process = subprocess.Popen(
            [sys.executable, str(APP)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            yield f"http://127.0.0.1:{port}", process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def test_app_serves_signed_commands_over_http_and_never_prints_the_token(
    served_app: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = served_app
    assert wait_ready(url, process) == {"ok": True, "database": "up", "vault": "configured"}
    events = SlackEventsClient(url + "/slack/events", SIGNING_SECRET)
    response = events.command("help", user_id="U0ALICE")
    assert response.status == 200
    assert "/codat-register start" in json.dumps(response.body)
    unsigned = SlackEventsClient(url + "/slack/events", "not-the-secret").command("help", user_id="U0ALICE")
    assert unsigned.status == 401
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    output = (stdout + stderr).decode(errors="replace")
    assert BOT_TOKEN not in output
    assert SIGNING_SECRET not in output
    assert "Traceback" not in output


def test_socket_mode_with_a_refused_app_token_exits_2_with_a_clear_message(
    tmp_path: Path, slack_api: SlackWebApi
) -> None:
    env = app_env(
        **{
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": "xapp-1-refused-by-the-stand-in",
            "SLACK_API_URL": slack_api.url,
            "DATA_DIR": str(tmp_path / "data"),
            "RUN_SCHEDULER": "false",
        }
    )
    result = run_app(env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Socket Mode" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "refused-by-the-stand-in" not in result.stderr + result.stdout
    assert slack_api.calls_to("apps.connections.open"), "the bot never asked Slack for a connection"
