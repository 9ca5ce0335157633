"""The web tier with 1 and 2 gunicorn workers on PostgreSQL: req/s of `help` acks and of credentials
submissions at concurrency 32, start-up to ready, and idle memory.

    python -m bench.bench_workers [--rounds 3] [--help-requests 3000] [--submissions 15]
                                  [--concurrency 32] [--postgres-url postgresql+psycopg://…]

Each server is the app's own `serve` command (bench/servers.py `start_app`: `app.main(["serve"])`,
WEB_WORKERS=1 or 2, RUN_SCHEDULER=false, metrics on — several workers share them through
prometheus-client's multiprocess files), on a fresh PostgreSQL schema (dropped afterwards). The
Secret Manager emulator and the Slack Web API stand-in run in child processes; the load generator
(bench/load.py) is threads in this process. Everything is on loopback; every load is bounded in
count and in time.

Per round, each worker count in turn (the order alternates between rounds, so drift on the shared
machine falls on both): start the server and time it until GET /readyz answers 200 (the schema is
current: `serve` still takes the migration lock and checks), warm up, then measure
- `help` acks: `--help-requests` signed `/codat-register help` commands, `--concurrency` keep-alive
  connections;
- credentials submissions: `--concurrency` submitters, `--submissions` each on average (one
  registration per submission; a connection takes the next), every one a new value for the
  registration's credentials, edited from the summary (one AddSecretVersion, the reference, the
  step's transaction, response_action="update" with the summary);
- idle memory, once just ready and once after the loads: RSS of the master and each worker
  (/proc), and their PSS sum (each page shared between the forked processes split between them,
  so the sum counts it once: what the processes use together);
- where the CPU went during each load (server, emulator, stand-in, PostgreSQL, client), which shows
  how much of the 2 cores the other parts take (and the shared machine's other tenants: the rest);
and stop it (SIGTERM). Rounds are pooled per worker count.

Goals: 2 workers ≥ 1.6× the req/s of 1 (both loads); credentials p99 at 32 submitters ≤ 300 ms;
start-up to ready ≤ 1.5 s; idle memory of master + worker ≤ 150 MB with one worker (PSS).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if not __package__:  # run as a file: import from the repository's root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_ack import COMMAND, SLACK_PATH, _check_help
from bench.bench_wizard import SIGNING_SECRET, TOKEN, USER, _child, _registrations, _submissions, _summary
from bench.load import LoadResult, Request, run_load
from bench.servers import LOOPBACK, Server, free_port, start_app

os.environ.setdefault("NO_GCE_CHECK", "true")  # never probe the metadata server

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HELP_TEAM = "T0BENCH01"
WORKERS = (1, 2)
WARMUP_HELP = 300
TIME_LIMIT = 90.0
IDLE_SECONDS = 2.0  # idle before memory is read
GOAL_SPEEDUP = 1.6
GOAL_P99_MS = 300.0
GOAL_READY_S = 1.5
GOAL_MEMORY_MB = 150.0


@dataclass
class Memory:
    rss_mb: list[float]  # master first, then each worker
    pss_mb: float

    def __str__(self) -> str:
        parts = " + ".join(f"{mb:.0f}" for mb in self.rss_mb)
        return f"RSS {sum(self.rss_mb):.0f} MB ({parts}), PSS {self.pss_mb:.0f} MB"


@dataclass
class Measured:
    help: LoadResult = field(default_factory=lambda: LoadResult([], 0.0))
    submissions: LoadResult = field(default_factory=lambda: LoadResult([], 0.0))
    ready_s: list[float] = field(default_factory=list)
    memory_start: list[Memory] = field(default_factory=list)  # just ready, before any request
    memory: list[Memory] = field(default_factory=list)  # idle after the loads
    cpu: list[str] = field(default_factory=list)  # where each load's CPU went, per round


@contextmanager
def fresh_schema(postgres_url: str) -> Iterator[str]:
    """A URL to a new, empty PostgreSQL schema (the first `serve` migrates it), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(postgres_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuShare:
    """CPU seconds each part spends during a load: the server (master and workers), the Secret
    Manager emulator, the Slack stand-in, PostgreSQL (every backend on the machine) and the client."""

    def __init__(self, server: Server, emulator: int, slack: int) -> None:
        self._groups = {
            "server": lambda: [server.process.pid, *_children(server.process.pid)],
            "emulator": lambda: [emulator],
            "slack stand-in": lambda: [slack],
            "postgres": _postgres_pids,
        }

    def _now(self) -> dict[str, float]:
        used = {name: sum(_cpu_seconds(pid) for pid in pids()) for name, pids in self._groups.items()}
        times = os.times()
        return {**used, "client": times.user + times.system, "wall": time.monotonic()}

    def __enter__(self) -> CpuShare:
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._now()
        self.used = {name: end[name] - self._start[name] for name in end}

    def __str__(self) -> str:
        wall = self.used["wall"]
        shares = {name: seconds / wall for name, seconds in self.used.items() if name != "wall"}
        parts = ", ".join(f"{name} {share:.2f}" for name, share in shares.items())
        return f"CPU cores busy over {wall:.1f} s: {parts}"


def _kib(path: Path, key: str) -> float:
    for line in path.read_text().splitlines():
        if line.startswith(key):
            return float(line.split()[1])
    return 0.0


def memory(server: Server) -> Memory:
    """RSS of the master and its workers, and their PSS sum (Linux /proc)."""
    pids = [server.process.pid, *_children(server.process.pid)]
    rss = [_kib(Path(f"/proc/{pid}/status"), "VmRSS:") / 1024 for pid in pids]
    pss = sum(_kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") for pid in pids) / 1024
    return Memory(rss, pss)


def help_requests(count: int) -> list[Request]:
    """`count` signed `/codat-register help` commands from a person the stand-in knows."""
    from simulators.slack.payloads import slash_command_body
    from simulators.slack.signing import sign_request

    requests = []
    for _ in range(count):
        body = slash_command_body(COMMAND, "help", user_id=USER, team_id=HELP_TEAM).encode()
        requests.append(Request("POST", SLACK_PATH, body, sign_request(body, SIGNING_SECRET)))
    return requests


def _load(server: Server, requests: list[Request], concurrency: int, check: Any = None) -> LoadResult:
    result = run_load(LOOPBACK, server.port, requests, concurrency, time_limit=TIME_LIMIT, check=check)
    if result.errors:
        raise RuntimeError(f"{server.name}: {result.errors} errors, first: {result.first_error}")
    return result


def run(args: argparse.Namespace) -> int:
    from core.settings import load_settings
    from runtime import build_deps
    from storage.db import Database

    load_before = os.getloadavg()[0]
    results = {workers: Measured() for workers in WORKERS}
    children = []
    first_start = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp, fresh_schema(args.postgres_url) as url:
        server: Server | None = None
        try:
            children.append(_child(["simulators.secret_manager", "--port", "0"]))
            address = (children[0].stdout.readline() if children[0].stdout else "").strip()
            slack_port = free_port()
            children.append(_child(["bench.bench_wizard", "--serve-slack", str(slack_port)]))
            values = {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": f"http://{LOOPBACK}:{slack_port}/api/",
                "DATABASE_URL": url,
                "GCP_PROJECT_ID": "bench-project",
                "SECRET_MANAGER_ENDPOINT": address,
                "DATA_DIR": tmp,
                "FINGERPRINT_KEY": "bench-fingerprint-key-0123456789",
                "RUN_SCHEDULER": "false",
                "LOG_LEVEL": "WARNING",
            }
            env = {**os.environ, **values}
            log_dir = Path(tmp)
            # The first start migrates the empty schema; the bench then writes its registrations.
            server, first_start = start_app({**env, "WEB_WORKERS": "1"}, name="first", log_dir=log_dir)
            settings = load_settings(**{**values, "DATA_DIR": Path(tmp), "RUN_SCHEDULER": False})
            db = Database(url)
            deps = build_deps(settings, db=db)
            # One registration per submission of a round: each connection takes the next one.
            teams = [f"T{i:06d}" for i in range(args.concurrency * args.submissions)]
            ids = _registrations(deps, teams)
            # Each person's facts cached, as after their first request (which asks users.info).
            for team in [*teams, HELP_TEAM]:
                deps.slack.person(team, USER)
            first = _submissions(deps, teams, ids, "first")  # reach the summary (+ CreateSecret, DM)
            _load(server, first, args.concurrency, check=_summary)
            server.stop()
            server = None
            for round_number in range(args.rounds):
                order = WORKERS if round_number % 2 == 0 else tuple(reversed(WORKERS))
                for workers in order:
                    name = f"w{workers}.r{round_number}"
                    server, ready = start_app(
                        {**env, "WEB_WORKERS": str(workers)}, name=name, log_dir=log_dir
                    )
                    measured = results[workers]
                    measured.ready_s.append(ready)
                    time.sleep(IDLE_SECONDS)
                    measured.memory_start.append(memory(server))
                    _load(server, help_requests(WARMUP_HELP), args.concurrency, check=_check_help)
                    acks = help_requests(args.help_requests)
                    with CpuShare(server, children[0].pid, children[1].pid) as cpu:
                        loaded = _load(server, acks, args.concurrency)
                    measured.help = measured.help.merge(loaded)
                    measured.cpu.append(f"help acks, round {round_number + 1}: {cpu}")
                    edits = _submissions(deps, teams, ids, name)  # a new value each, from the summary
                    with CpuShare(server, children[0].pid, children[1].pid) as cpu:
                        loaded = _load(server, edits, args.concurrency, check=_summary)
                    measured.submissions = measured.submissions.merge(loaded)
                    measured.cpu.append(f"credentials, round {round_number + 1}: {cpu}")
                    time.sleep(IDLE_SECONDS)
                    measured.memory.append(memory(server))
                    server.stop()
                    server = None
            deps.background.shutdown()
            db.dispose()
        finally:
            if server is not None:
                server.stop()
            for child in children:
                child.terminate()
                child.wait(10)
    return report(args, results, first_start, load_before)


def report(
    args: argparse.Namespace, results: dict[int, Measured], first_start: float, load_before: float
) -> int:
    """Print the table and the goals; 0 when every goal is met."""
    c = args.concurrency
    print(
        f"workers benchmark: `python app.py serve` (gunicorn gthread, WEB_THREADS default), PostgreSQL "
        f"(fresh schema), RUN_SCHEDULER=false, metrics on; {os.cpu_count()} CPUs, load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after; {args.rounds} rounds, order alternating"
    )
    print(
        f"per round and worker count: {args.help_requests} help acks at concurrency {c}; "
        f"{c * args.submissions} credentials submissions by {c} submitters; client: threads in this process"
    )
    header = f"{'help req/s':>10} {'p50':>6} {'p99':>6}   {'creds req/s':>11} {'p50':>6} {'p99':>6}"
    print(f"\n{'':<9} {header}  (ms)")
    for workers, measured in results.items():
        h, s = measured.help, measured.submissions
        acks = f"{h.rps:>10.0f} {h.percentile_ms(0.5):>6.1f} {h.percentile_ms(0.99):>6.1f}"
        creds = f"{s.rps:>11.0f} {s.percentile_ms(0.5):>6.1f} {s.percentile_ms(0.99):>6.1f}"
        print(f"{workers} worker{'s' if workers > 1 else ' '} {acks}   {creds}")
    one, two = results[1], results[2]
    goals: list[bool] = []

    def goal(label: str, value: str, target: str, ok: bool) -> None:
        goals.append(ok)
        print(f"{label:<58} {value:>22} (goal {target}) — {'met' if ok else 'MISSED'}")

    print()
    for load, rps in (("help acks", lambda m: m.help.rps), ("credentials", lambda m: m.submissions.rps)):
        speedup = rps(two) / rps(one)
        goal(
            f"2 workers / 1 worker, {load}", f"{speedup:.2f}x", f"≥ {GOAL_SPEEDUP}x", speedup >= GOAL_SPEEDUP
        )
    for workers, measured in results.items():
        p99 = measured.submissions.percentile_ms(0.99)
        label = f"credentials p99 at {c} submitters, {workers} worker(s)"
        goal(label, f"{p99:.0f} ms", f"≤ {GOAL_P99_MS:.0f} ms", p99 <= GOAL_P99_MS)
    print(f"{'start-up to ready, first start (migrates an empty schema)':<58} {first_start:>20.2f} s")
    for workers, measured in results.items():
        times = "/".join(f"{seconds:.2f}" for seconds in measured.ready_s)
        goal(f"start-up to ready (/readyz 200), {workers} worker(s)", f"{times} s", f"≤ {GOAL_READY_S} s",
             max(measured.ready_s) <= GOAL_READY_S)  # fmt: skip
    one_worker = max(m.pss_mb for m in one.memory)
    goal("idle memory, master + 1 worker after the load (PSS, worst)", f"{one_worker:.0f} MB",
         f"≤ {GOAL_MEMORY_MB:.0f} MB", one_worker <= GOAL_MEMORY_MB)  # fmt: skip
    for workers, measured in results.items():
        print(f"idle memory, {workers} worker(s), just ready:    {measured.memory_start[-1]}")
        print(f"idle memory, {workers} worker(s), after the load: {measured.memory[-1]}")
    print("(RSS counts the pages the workers share with the master once per process; PSS splits them)")
    for workers, measured in results.items():
        for cpu in measured.cpu:
            print(f"{workers} worker(s), {cpu}")
    return 0 if all(goals) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 1 and 2 workers (3)")
    parser.add_argument(
        "--help-requests", type=int, default=3000, help="help acks per round and count (3000)"
    )
    parser.add_argument(
        "--submissions", type=int, default=10, help="submissions per submitter per round (10)"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections and submitters (32)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"default: {POSTGRES_URL}")
    args = parser.parse_args(argv)
    for name, value, limit in (
        ("--rounds", args.rounds, 10),
        ("--help-requests", args.help_requests, 20000),
        ("--submissions", args.submissions, 100),
        ("--concurrency", args.concurrency, 256),
    ):
        if not 1 <= value <= limit:
            parser.error(f"{name} must be between 1 and {limit}")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
