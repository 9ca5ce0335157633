"""Sandbox start-up: `python app.py` with no settings prints a URL within seconds and serves the
page; it binds loopback only, falls back when its port is taken, and stops on SIGTERM / Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from core.settings import load_settings, reveal
from simulators.sandbox import run_sandbox
from simulators.sandbox.runner import Sandbox, bot_settings, secrets_destination
from storage.db import Database
from tests.support.canary import new_canary

REPO = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(
    r"^codat-register sandbox: open (http://127\.0\.0\.1:(\d+)/) \(Slack simulator; secrets go to "
    r"the development vault — development only\)$"
)
START_SECONDS = 20  # generous for a loaded CI machine; it prints in about two seconds


class AppProcess:
    """`python app.py` in a clean environment, its output read line by line with bounded waits."""

    def __init__(self, tmp: Path, **env: str) -> None:
        clean = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "NO_GCE_CHECK": "true",
            "DATA_DIR": str(tmp / "data"),
            "SANDBOX_PORT": "0",
        }
        # cwd=tmp: no .env from the repository; no SLACK_* (or anything else) from this process.
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "app.py")],
            cwd=tmp,
            env={**clean, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
            for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream: io.TextIOBase | None, sink: list[str]) -> None:
        assert stream is not None
        for line in stream:
            sink.append(line)
            if sink is self.out:
                self._lines.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    break
                continue
            if match := pattern.match(line):
                return match
        raise AssertionError(f"no line like {pattern.pattern!r}; stdout={self.out} stderr={self.err}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            for pump in self._pumps:  # every line the process wrote is read before anyone looks
                pump.join(timeout=5)


@contextmanager
def app_process(tmp: Path, **env: str) -> Iterator[AppProcess]:
    running = AppProcess(tmp, **env)
    try:
        yield running
    finally:
        running.stop(signal.SIGKILL, timeout=5)


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read()


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with opener.open(request, timeout=15) as response:
        return json.loads(response.read())


def modal_titled(base: str, title: str, timeout: float = 10) -> dict[str, Any]:
    """The user's top modal once its title is `title` (the page's long poll, as the page uses it)."""
    deadline, version = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        _, raw = get(f"{base}api/state?user=U0ALICE&since={version}&wait=2")
        state = json.loads(raw)
        version = state["version"]
        if state["modals"] and state["modals"][-1]["title"]["text"] == title:
            return state["modals"][-1]
    raise AssertionError(f"no modal titled {title!r}")


def submit(base: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Submit `view` through the page API with {block_id: value}, as the page collects it."""
    action_ids = {b.get("block_id"): (b.get("element") or {}).get("action_id") for b in view["blocks"]}
    typed = {block_id: {action_ids[block_id]: value} for block_id, value in values.items()}
    return post(base + "api/view/submit", {"user": "U0ALICE", "view_id": view["id"], "values": typed})


def test_python_app_py_with_no_settings_starts_the_sandbox(tmp_path: Path) -> None:
    with app_process(tmp_path) as app:
        started = time.monotonic()
        match = app.wait_for_line(URL_LINE, START_SECONDS)
        print(f"sandbox printed its URL after {time.monotonic() - started:.1f}s")
        url = match.group(1)
        status, page = get(url)
        assert status == 200 and b"Local Slack simulator" in page
        status, raw = get(url + "api/state?wait=0")
        state = json.loads(raw)
        assert status == 200 and state["user"] == "U0ALICE"
        assert app.stop(signal.SIGTERM) == 0
        assert "codat-register sandbox: stopped\n" in app.out
        assert (tmp_path / "data" / "codat-register.sqlite3").exists()  # SQLite in DATA_DIR
        assert (tmp_path / "data" / "dev-vault").is_dir()  # the development vault


def test_a_secret_typed_into_the_page_ends_up_only_in_the_vault(tmp_path: Path) -> None:
    canary = new_canary()
    with app_process(tmp_path) as app:
        base = app.wait_for_line(URL_LINE, START_SECONDS).group(1)
        post(base + "api/command", {"user": "U0ALICE", "text": "/codat-register start qbo"})
        view = modal_titled(base, "2/5 Prerequisites")
        prerequisites = {"agreements": "no", "vault_status": "approved", "contacted": ["contacted"]}
        assert submit(base, view, prerequisites)["response_action"] == "update"
        view = modal_titled(base, "3/5 Registration")
        assert submit(base, view, {"mailbox": "system-admins@acme.example"})["response_action"] == "update"
        view = modal_titled(base, "4/5 Credentials")
        credentials = {"credential_client_id": "ABqbo-client-id", "credential_client_secret": canary}
        assert submit(base, view, credentials)["response_action"] == "update"
        summary = modal_titled(base, "5/5 Summary")
        assert "dev-vault://" in json.dumps(summary) and canary not in json.dumps(summary)
        assert app.stop(signal.SIGTERM) == 0
    data = tmp_path / "data"
    fernet = Fernet((data / "dev-vault" / "key").read_bytes().strip())
    stored = [fernet.decrypt(path.read_bytes()) for path in (data / "dev-vault").rglob("*.fernet")]
    assert any(canary.encode() in value for value in stored), "the canary never reached the vault"
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert data / "codat-register.sqlite3" in files
    for path in files:  # the database (and its WAL), the vault's files, anything else written
        assert canary.encode() not in path.read_bytes(), f"the canary is in clear in {path}"
    assert canary not in "".join(app.out) + "".join(app.err)


def test_ctrl_c_stops_it(tmp_path: Path) -> None:
    with app_process(tmp_path) as app:
        app.wait_for_line(URL_LINE, START_SECONDS)
        assert app.stop(signal.SIGINT) == 0
        assert not any("Traceback" in line for line in app.err), app.err


def test_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    with app_process(tmp_path, HOST="0.0.0.0") as app:
        assert app.proc.wait(timeout=START_SECONDS) == 2
        app.stop()  # it has exited: this only collects the rest of its output
    message = "".join(app.err)
    assert "the sandbox listens on 127.0.0.1 only, not '0.0.0.0'" in message
    assert app.out == []


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "::1", "example.com"])
def test_run_sandbox_refuses_non_loopback_hosts(tmp_path: Path, host: str) -> None:
    err = io.StringIO()
    assert run_sandbox(load_settings(HOST=host, DATA_DIR=tmp_path), out=io.StringIO(), err=err) == 2
    assert "127.0.0.1 only" in err.getvalue()


def test_run_sandbox_refuses_production(tmp_path: Path) -> None:
    err = io.StringIO()
    settings = load_settings(
        APP_ENV="production", GCP_PROJECT_ID="acme-prod", FINGERPRINT_KEY="k" * 64, DATA_DIR=tmp_path
    )
    assert run_sandbox(settings, out=io.StringIO(), err=err) == 2
    assert "APP_ENV=production" in err.getvalue()


def test_a_taken_port_falls_back_to_a_free_one(tmp_path: Path, db: Database) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = load_settings(
            DATA_DIR=tmp_path, DATABASE_URL=db.url, RUN_SCHEDULER=False, SANDBOX_PORT=port
        )
        out, stop = io.StringIO(), threading.Event()
        result: list[int] = []
        runner = threading.Thread(target=lambda: result.append(run_sandbox(settings, stop=stop, out=out)))
        runner.start()
        deadline = time.monotonic() + START_SECONDS
        while "open http" not in out.getvalue() and runner.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        runner.join(timeout=15)
    text = out.getvalue()
    assert result == [0], text
    assert f"port {port} is taken (set SANDBOX_PORT to choose another)" in text
    fallback = re.search(r"open http://127\.0\.0\.1:(\d+)/", text)
    assert fallback and int(fallback.group(1)) != port


def test_the_bot_keeps_the_users_settings_with_slack_pointed_at_the_stand_in(tmp_path: Path) -> None:
    mine = load_settings(
        DATA_DIR=tmp_path,
        DATABASE_URL="sqlite:///" + str(tmp_path / "mine.sqlite3"),
        REMINDER_FIRST_AFTER_BUSINESS_DAYS=1,
        LOG_LEVEL="WARNING",
        SLACK_API_URL="https://slack.com/api/",
    )
    bot = bot_settings(mine, "xoxb-sandbox-1", "secret-1", "http://127.0.0.1:9/api/")
    assert (reveal(bot.SLACK_BOT_TOKEN), reveal(bot.SLACK_SIGNING_SECRET)) == ("xoxb-sandbox-1", "secret-1")
    assert bot.SLACK_API_URL == "http://127.0.0.1:9/api/" and not bot.socket_mode
    assert bot.database_url == mine.database_url and tmp_path == bot.DATA_DIR
    assert bot.REMINDER_FIRST_AFTER_BUSINESS_DAYS == 1 and bot.LOG_LEVEL == "WARNING"
    emulator = load_settings(GCP_PROJECT_ID="p", SECRET_MANAGER_ENDPOINT="127.0.0.1:8085")
    assert (
        secrets_destination(emulator, "x")
        == "the Secret Manager emulator at 127.0.0.1:8085 — development only"
    )


def test_each_run_signs_with_a_new_secret(tmp_path: Path, db: Database) -> None:
    settings = load_settings(DATA_DIR=tmp_path, DATABASE_URL=db.url, RUN_SCHEDULER=False, SANDBOX_PORT=0)
    secrets_seen = []
    for _ in range(2):
        with Sandbox(settings) as sandbox:
            assert sandbox.events is not None and sandbox.api is not None
            assert sandbox.api.url == sandbox.deps.settings.SLACK_API_URL
            assert sandbox.events.signing_secret == reveal(sandbox.deps.settings.SLACK_SIGNING_SECRET)
            secrets_seen.append(sandbox.events.signing_secret)
    assert len(set(secrets_seen)) == 2 and all(len(s) >= 32 for s in secrets_seen)
