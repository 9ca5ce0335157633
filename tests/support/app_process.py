"""Running `python app.py` as a person would: a subprocess with only the settings a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
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
