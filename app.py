"""What to run. `python app.py --help` lists the commands:

  serve     Slack over HTTP (gunicorn), or Socket Mode when SLACK_APP_TOKEN is set — the default
            when Slack is configured; migrates the schema first (under a lock on PostgreSQL)
  sandbox   the whole bot against a local Slack page — the default when Slack is not configured
  migrate   upgrade the schema and exit (on PostgreSQL under an advisory lock: replicas may race)
  sweep     run one reminder sweep, then the daily Codat check's due registrations, and exit 0
            (cron, Cloud Scheduler, a Kubernetes CronJob)
  audit     `audit verify`: check every workspace's audit chain; exit 1 naming each chain's first
            broken row

Imports of the bot happen inside each command: `serve` must set up the metrics directory for its
worker processes before anything imports prometheus-client.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from core.logs import configure_logging
from core.settings import ConfigError, Settings, load_settings


def serve(settings: Settings, args: argparse.Namespace) -> int:
    if settings.METRICS_ENABLED and settings.web_workers > 1 and not settings.socket_mode:
        shared_metrics_directory()
    migrate(settings, args)
    import runtime

    if settings.socket_mode:
        return runtime.serve_socket_mode(settings)
    runtime.serve_http(settings)
    return 0


def sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from simulators.sandbox.runner import SandboxError, refuse_real_secret_manager, run_sandbox

    # `python app.py` alone (no Slack settings) never reaches the real Secret Manager: only
    # `python app.py sandbox --real-secret-manager` does. Checked before the schema is touched.
    real = bool(getattr(args, "real_secret_manager", False))
    try:
        refuse_real_secret_manager(settings, asked=real)
    except SandboxError as error:
        print(f"codat-register sandbox cannot start: {error}", file=sys.stderr)
        return 2
    migrate(settings, args)
    if getattr(args, "oauth", False):  # the bot as a deployment serving several workspaces
        return run_sandbox(settings, real_secret_manager=real, oauth=True)
    return run_sandbox(settings, real_secret_manager=real)


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

    stop = threading.Event()  # SIGTERM (a cancelled job): stop at the next owner, release the rest
    terminated = threading.Event()  # `stop` is also set by the sweep's own shutdown

    def on_sigterm(*_: object) -> None:
        terminated.set()
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    result = runtime.sweep_once(settings, stop=stop)
    print(
        f"codat-register sweep: claimed={result.claimed} digests={result.digests} "
        f"reminded={result.reminded} deferred={result.deferred} failed={result.failed} "
        f"released={result.released}"
    )
    if terminated.is_set() or not settings.codat_configured:
        return 0
    stop = threading.Event()  # the daily Codat check's, set by SIGTERM from now on
    checks = runtime.codat_check_once(settings, stop=stop)  # due registrations only
    if checks.configured:
        print(
            f"codat-register codat check: claimed={checks.claimed} checked={checks.checked} "
            f"ticked={checks.ticked} not_enabled={checks.not_enabled} failed={checks.failed} "
            f"released={checks.released}"
        )
    return 0


def audit(settings: Settings, args: argparse.Namespace) -> int:
    """`audit verify`: read-only; exit 0 when every chain holds, 1 naming each broken chain's first
    broken row, 2 when the audit trail cannot be read (e.g. the schema is not migrated)."""
    from sqlalchemy.exc import DBAPIError

    from storage.audit_verify import verify
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        report = verify(database)
    except DBAPIError as error:  # its text may name the host: the type only
        print(
            f"codat-register audit verify: cannot read the audit trail ({type(error.orig).__name__}); "
            "is the schema current? `python app.py migrate` upgrades it.",
            file=sys.stderr,
        )
        return 2
    finally:
        database.dispose()
    if report.intact:
        print(f"codat-register audit verify: intact — {report.chains} chain(s), {report.rows} row(s)")
        return 0
    for found in report.breaks:
        print(f"codat-register audit verify: BROKEN — {found}", file=sys.stderr)
    print(
        f"codat-register audit verify: {len(report.breaks)} of {report.chains} chain(s) broken "
        f"({report.rows} row(s) read)",
        file=sys.stderr,
    )
    return 1


def shared_metrics_directory() -> Path:
    """Set PROMETHEUS_MULTIPROC_DIR for the workers to share their metrics through (prometheus-client
    reads it when first imported, hence before any import of the bot): the operator's directory,
    emptied, or a fresh one under the temp dir (the container's /app is read-only), removed when
    the server exits."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory was set")
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # a previous run's files would add to these totals
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="codat-register-metrics-"))
        atexit.register(_remove_in, os.getpid(), directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def _remove_in(owner: int, directory: Path) -> None:
    # Forked workers inherit this exit hook: only the process that made the directory removes it.
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


COMMANDS: dict[str, tuple[Callable[[Settings, argparse.Namespace], int], str]] = {
    "serve": (serve, "serve Slack over HTTP (or Socket Mode); the default when Slack is configured"),
    "sandbox": (sandbox, "run the bot against a local Slack page; the default when Slack is not configured"),
    "migrate": (migrate, "upgrade the database schema and exit"),
    "sweep": (sweep, "run one reminder sweep and the daily Codat check, and exit"),
    "audit": (audit, "the audit trail: `audit verify` checks every workspace's hash chain"),
}


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="app.py", description="codat-register: the Slack bot and its jobs.")
    commands = parse.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        commands.add_parser(name, help=summary, description=summary)
    commands.choices["sandbox"].add_argument(
        "--real-secret-manager",
        action="store_true",
        help="let the sandbox store credentials in the real Google Cloud Secret Manager of "
        "GCP_PROJECT_ID (without it, the sandbox needs the development vault or an emulator)",
    )
    commands.choices["sandbox"].add_argument(
        "--oauth",
        action="store_true",
        help="run the bot as a deployment serving several workspaces (installed through Slack's OAuth, "
        "token rotation on), with an Add to Slack round trip into a second workspace on the page",
    )
    actions = commands.choices["audit"].add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = "check every chain; exit 1 naming the first broken row of each broken one"
    actions.add_parser("verify", help=verify, description=verify)
    return parse


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"codat-register cannot start:\n{error}\nSee README.md > Settings.", file=sys.stderr)
        return 2
    configure_logging(settings.LOG_LEVEL, log_format=settings.log_format, project_id=settings.GCP_PROJECT_ID)
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
