"""Running `python app.py` as a person would: a subprocess with only the settings a test gives it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"
# Settings the machine's environment might carry; a test starts from none of them.
_SETTING_PREFIXES = ("SLACK_", "GCP_", "SECRET_MANAGER", "DATABASE_", "APP_ENV", "CODAT_")


def app_env(**settings: str) -> dict[str, str]:
    """The current environment without any of the bot's settings, plus `settings`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    return clean | settings


def run_app(
    env: dict[str, str], cwd: Path, timeout: float = 60, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run `app.py [args]` to completion, capturing its output as text."""
    return subprocess.run(
        [sys.executable, str(APP), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> dict[str, object]:
    """The first 200 answer of GET /readyz (the database answers, the vault is configured)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"app.py exited early with {process.returncode}")
        try:
            with opener.open(url + "/readyz", timeout=2) as response:
                return json.loads(response.read())
        except OSError:  # not listening yet, or 503 (HTTPError is an OSError)
            time.sleep(0.2)
    raise AssertionError("app.py did not become ready in time")
