"""What to run: the bot over HTTP, in Socket Mode, or the local sandbox.

python app.py            # Slack over HTTP (gunicorn), Socket Mode when SLACK_APP_TOKEN is set,
                         # or the local sandbox when no Slack credentials are configured.
"""

from __future__ import annotations

import sys

import runtime
from core.logs import configure_logging
from core.settings import ConfigError, load_settings
from storage.db import Database


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"codat-register cannot start:\n{error}\nSee README.md > Settings.", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL)
    migrator = Database(settings.database_url)
    migrator.upgrade()
    migrator.dispose()  # the server builds its own engine after fork
    if not settings.slack_configured:
        from simulators.sandbox import run_sandbox

        return run_sandbox(settings)
    if settings.socket_mode:
        return runtime.serve_socket_mode(settings)
    runtime.serve_http(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
