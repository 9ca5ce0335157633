"""A credentials-step submission through the real app vs a bare Bolt ack, on the same server.

    python -m bench.bench_wizard [--n 300] [--concurrency 32] [--rounds 10] [--database-url …]

Both apps run under the production server (bench/servers.py: `app.serve_http`, gunicorn, one
gthread worker, WEB_THREADS threads) in their own processes on loopback; the Secret Manager
emulator and the Slack Web API stand-in run in child processes too, so the load generator
(bench/load.py, threads in this process) shares no GIL with any of them. Bounded in count and time.

The measured request is a signed view_submission of a registration's credentials step with a new
value for its stored credential: one AddSecretVersion to a secret the bot knows, the vault's
reference row, one transaction for the step (items, answers, audit), and response_action="update"
with the summary. The measured submissions are edits made from the summary (each registration
reached it once before, with the DM that confirms the end of the wizard — the "first time" row),
so no DM follows them. The bare app acks the same body with nothing. Sequentially the two take
turns slice by slice, so drift on the machine falls on both; then `--concurrency` submitters send
`--rounds` submissions each. The first submission of each registration (which also creates its
secret) is measured too, for reference.

Goals: median ≤ bare + 5 ms; p99 with 32 concurrent submitters ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if not __package__:  # run as a file (python bench/bench_wizard.py): import from the repository's root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import LoadResult, Request, run_load
from bench.servers import LOOPBACK, REPO_ROOT, Server, ack_only, bare_bolt_app, free_port, start_server
from simulators.slack.web_api import DEFAULT_BOT_TOKEN

if TYPE_CHECKING:
    from core.settings import Settings

os.environ.setdefault("NO_GCE_CHECK", "true")  # never probe the metadata server

WARMUP = 30
SLICE = 25
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = DEFAULT_BOT_TOKEN
USER = "U0ALICE"
PLATFORM = "xero"
TIME_LIMIT = 120.0
TARGET_OVERHEAD_MS = 5.0
TARGET_P99_MS = 300.0


def bare_wizard(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """WSGI factory: Bolt with nothing of ours, acking the wizard's view_submission empty."""
    from bot.wizard.ids import CallbackId

    return bare_bolt_app(settings, lambda app: app.view(CallbackId.wizard.value)(ack_only))


def serve_slack(port: int) -> int:
    """The Slack Web API stand-in in its own process, until SIGTERM (DMs and auth.test land here)."""
    from simulators.slack.web_api import SlackWebApi

    api = SlackWebApi(bot_token=TOKEN, port=port).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(3600)
    api.stop()
    return 0


def _child(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", *args], env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )


def _registrations(deps: Any, teams: list[str]) -> list[str]:
    """One registration per team, at its credentials step, started by a person the bot has seen:
    as in Slack, where `start` fetched their users.info after its ack (the facts the policy and
    the language read at the submission are cached, not asked of Slack inside it)."""
    from sqlalchemy import update

    from bot.wizard.save import resume_or_create
    from storage.models import Registration

    platform = deps.catalogue.get(PLATFORM)
    ids = [resume_or_create(deps, team, USER, platform, "sandbox") for team in teams]
    with deps.db.session() as session:
        session.execute(update(Registration).values(step="credentials"))
    for team in teams:
        if deps.slack.person(team, USER) is None:
            raise RuntimeError(f"users.info of {USER} in {team} failed at the Slack stand-in")
    return ids


def _submissions(deps: Any, teams: list[str], ids: list[str], tag: str) -> list[Request]:
    """A signed view_submission of each registration's credentials step with a new value: the step
    itself while the registration is there, its Edit form once it has reached the summary."""
    from bot.wizard.ids import Step
    from bot.wizard.snapshot import load
    from bot.wizard.step_views import step_view
    from simulators.slack.payloads import view_submission_payload
    from simulators.slack.signing import sign_request

    requests = []
    for number, (team, registration_id) in enumerate(zip(teams, ids, strict=True)):
        snapshot = load(deps, team, registration_id, USER)
        assert snapshot is not None
        view = step_view(snapshot, Step.credentials, editing=snapshot.step is Step.summary)
        view |= {"id": f"VBENCH{number:06d}", "hash": f"{number}.{tag}"}
        secret = f"secret-{tag}-{number:06d}-0123456789abcdef"
        inputs = {"credential_client_id": f"id-{number}", "credential_client_secret": secret}
        body = view_submission_payload(view, inputs, USER, team).encode()
        requests.append(Request("POST", "/slack/events", body, sign_request(body, SIGNING_SECRET)))
    return requests


def _summary(status: int, body: bytes) -> str | None:
    answer = json.loads(body)
    if answer.get("response_action") != "update" or answer["view"]["title"]["text"] != "5/5 Summary":
        return f"not the summary: {body[:200]!r}"
    return None


def _load(server: Server, requests: list[Request], concurrency: int, check: Any = None) -> LoadResult:
    result = run_load(LOOPBACK, server.port, requests, concurrency, time_limit=TIME_LIMIT, check=check)
    if result.errors:
        raise RuntimeError(f"{server.name}: {result.errors} errors, first: {result.first_error}")
    return result


def run(n: int, concurrency: int, rounds: int, database_url: str | None) -> int:
    from sqlalchemy import func, select

    from core.settings import load_settings
    from runtime import build_deps
    from storage.db import Database
    from storage.models import SecretRef

    load_before = os.getloadavg()[0]
    children: list[subprocess.Popen[str]] = []
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="bench-wizard-") as tmp:
        try:
            children.append(_child(["simulators.secret_manager", "--port", "0"]))
            address = (children[0].stdout.readline() if children[0].stdout else "").strip()
            slack_port = free_port()
            children.append(_child(["bench.bench_wizard", "--serve-slack", str(slack_port)]))
            values = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": f"http://{LOOPBACK}:{slack_port}/api/",
                "DATABASE_URL": database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "GCP_PROJECT_ID": "bench-project",
                "SECRET_MANAGER_ENDPOINT": address,
                "DATA_DIR": tmp,
                "FINGERPRINT_KEY": "bench-fingerprint-key-0123456789",
                "RUN_SCHEDULER": "false",
                "LOG_LEVEL": "WARNING",
            }
            db = Database(values["DATABASE_URL"])
            db.upgrade()
            settings = load_settings(**{**values, "DATA_DIR": Path(tmp), "RUN_SCHEDULER": False})
            deps = build_deps(settings, db=db)
            teams = [f"T{i:06d}" for i in range(WARMUP + n + concurrency * rounds)]
            ids = _registrations(deps, teams)
            first_requests = _submissions(deps, teams, ids, "first")
            env = {**os.environ, **values}
            log_dir = Path(tmp)
            real = start_server("runtime:wsgi_factory", env, name="bot", log_dir=log_dir)
            servers.append(real)
            bare = start_server("bench.bench_wizard:bare_wizard", env, name="bare", log_dir=log_dir)
            servers.append(bare)
            first = _load(real, first_requests, 1, check=_summary)
            requests = _submissions(deps, teams, ids, "next")
            _load(bare, requests[:WARMUP], 1)
            _load(real, requests[:WARMUP], 1, check=_summary)
            timed = requests[WARMUP : WARMUP + n]
            bare_seq = real_seq = LoadResult([], 0.0)
            for start in range(0, n, SLICE):
                chunk = timed[start : start + SLICE]
                bare_seq = bare_seq.merge(_load(bare, chunk, 1))
                real_seq = real_seq.merge(_load(real, chunk, 1))
            loaded = requests[WARMUP + n :]
            bare_con = _load(bare, loaded, concurrency)
            real_con = _load(real, loaded, concurrency)
            with db.session() as session:
                references = session.scalar(select(func.count()).select_from(SecretRef))
            deps.background.shutdown()
            db.dispose()
        finally:
            for server in servers:
                server.stop()
            for child in children:
                child.terminate()
                child.wait(10)

    submissions = len(first_requests) + len(requests)
    print(f"wizard benchmark: {PLATFORM} credentials step, {db.dialect}, "
          f"production server (gunicorn gthread x{settings.WEB_THREADS}); {os.cpu_count()} CPUs, "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")  # fmt: skip
    print(f"{'':<48} {'median':>8} {'p99':>8} {'rps':>8}   (ms)")
    rows = [
        (f"bare Bolt ack, sequential (n={n})", bare_seq),
        ("credentials submission, sequential", real_seq),
        ("  first time (+ CreateSecret), for reference", first),
        (f"bare Bolt ack, {concurrency} concurrent x {rounds}", bare_con),
        (f"credentials submission, {concurrency} concurrent x {rounds}", real_con),
    ]
    for name, result in rows:
        median, p99 = result.percentile_ms(0.5), result.percentile_ms(0.99)
        print(f"{name:<48} {median:>8.2f} {p99:>8.2f} {result.rps:>8.0f}")
    print(f"secret references written: {references} for {submissions} submissions (one per new value)")
    overhead = real_seq.percentile_ms(0.5) - bare_seq.percentile_ms(0.5)
    p99 = real_con.percentile_ms(0.99)
    met = ("met" if overhead <= TARGET_OVERHEAD_MS else "MISSED", "met" if p99 <= TARGET_P99_MS else "MISSED")
    print(
        f"median overhead over the bare ack: {overhead:+.2f} ms (goal ≤ {TARGET_OVERHEAD_MS:.0f}) — {met[0]}"
    )
    print(f"p99 at {concurrency} concurrent: {p99:.1f} ms (goal ≤ {TARGET_P99_MS:.0f}) — {met[1]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="sequential submissions per app (default 300)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent submitters (default 32)")
    parser.add_argument("--rounds", type=int, default=10, help="submissions per concurrent submitter")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--serve-slack", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_slack:
        return serve_slack(args.serve_slack)
    for name, value in (("--n", args.n), ("--concurrency", args.concurrency), ("--rounds", args.rounds)):
        if not 1 <= value <= 2000:
            parser.error(f"{name} must be between 1 and 2000")
    return run(args.n, args.concurrency, args.rounds, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
