"""What to run. `python app.py --help` lists the commands:

  serve     Slack over HTTP (gunicorn), or Socket Mode when SLACK_APP_TOKEN is set — the default
            when Slack is configured; migrates the schema first (under a lock on PostgreSQL)
  sandbox   the whole bot against a local Slack page — the default when Slack is not configured
  migrate   upgrade the schema and exit (on PostgreSQL under an advisory lock: replicas may race)
  sweep     run one reminder sweep and exit 0 (cron, Cloud Scheduler, a Kubernetes CronJob)

Imports of the bot happen inside each command: `serve` must set up the metrics directory for its
worker processes before anything imports prometheus-client.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from core.logs import configure_logging
from core.settings import ConfigError, Settings, load_settings


def serve(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings, args)
    import runtime

    if settings.socket_mode:
        return runtime.serve_socket_mode(settings)
    runtime.serve_http(settings)
    return 0


def sandbox(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings, args)
    from simulators.sandbox import run_sandbox

    return run_sandbox(settings)


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        database.upgrade()
    finally:
        database.dispose()  # a server builds its own engine after fork
    return 0


def sweep(settings: Settings, args: argparse.Namespace) -> int:
    import runtime

    result = runtime.sweep_once(settings)
    print(
        f"codat-register sweep: claimed={result.claimed} digests={result.digests} "
        f"reminded={result.reminded} deferred={result.deferred} failed={result.failed}"
    )
    return 0


COMMANDS: dict[str, tuple[Callable[[Settings, argparse.Namespace], int], str]] = {
    "serve": (serve, "serve Slack over HTTP (or Socket Mode); the default when Slack is configured"),
    "sandbox": (sandbox, "run the bot against a local Slack page; the default when Slack is not configured"),
    "migrate": (migrate, "upgrade the database schema and exit"),
    "sweep": (sweep, "run one reminder sweep and exit"),
}


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="app.py", description="codat-register: the Slack bot and its jobs.")
    commands = parse.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        commands.add_parser(name, help=summary, description=summary)
    return parse


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"codat-register cannot start:\n{error}\nSee README.md > Settings.", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL)
    command = args.command or ("serve" if settings.slack_configured else "sandbox")
    if command == "serve" and not settings.slack_configured:
        print(
            "codat-register cannot serve: no Slack settings — set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
            "(or SLACK_APP_TOKEN), or run `python app.py sandbox`. See README.md > Settings.",
            file=sys.stderr,
        )
        return 2
    return COMMANDS[command][0](settings, args)


if __name__ == "__main__":
    sys.exit(main())
