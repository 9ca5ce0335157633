"""Ack latency of `/codat-register help`: the bot against a bare Bolt app, on the production server.

    python -m bench.bench_ack [--requests 2000] [--concurrency 1,8,32] [--time-limit 60] [--profile]

Four servers run side by side, each `app.serve_http` (gunicorn, 1 gthread worker, WEB_THREADS
threads) in its own process on a free loopback port (bench/servers.py):
- bot: the real app built like production (`app.wsgi_factory`): SLACK_API_URL -> a SlackWebApi
  stand-in in this process, a migrated SQLite database and DATA_DIR in a temp dir,
  RUN_SCHEDULER=false, no GCP (development vault);
- bare, process_before_response=True and =False: one slash-command listener that only acks, the
  same signing secret, token and stand-in (Bolt's single-team authorization calls auth.test once);
  the faster of the two (by p50) is the baseline at each concurrency;
- server floor: a WSGI app without Bolt, for reference (what gunicorn and the client cost).
The load generator (bench/load.py) runs as threads in this process, which is none of the servers,
and sends all of them the same prepared, signed requests. At each concurrency the requests are cut
into slices and the apps take turns slice by slice (rotating who goes first), so drift on the
machine falls on all of them alike. Goal: bot/bare ≤ 1.2 for p50 and for throughput.

Then, without any server, both apps' WSGI callables are called in this process to show the app's
own cost per request; `--profile` adds a cProfile of the bot's.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.load import LoadResult, Request, call_wsgi, run_load
from bench.servers import Server, ack_only, bare_bolt_app, start_server
from bot.catalogue.texts import HELP_TITLE
from bot.slack.texts import COMMAND
from simulators.slack.web_api import DEFAULT_BOT_TOKEN

if TYPE_CHECKING:
    from core.settings import Settings

WsgiApp = Callable[..., Iterable[bytes]]

SLACK_PATH = "/slack/events"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = DEFAULT_BOT_TOKEN
TEAM_ID = "T0BENCH01"
USER_ID = "U0BENCH01"
GOAL = 1.2
WARMUP_REQUESTS = 300
WARMUP_CONCURRENCY = 8
IN_PROCESS_CALLS = 1000
IN_PROCESS_ROUNDS = 7


# --- the apps under test (factories for bench.servers: Settings -> WSGI app) ----------------------
def _bare(settings: Settings, *, process_before_response: bool) -> WsgiApp:
    return bare_bolt_app(
        settings, lambda app: app.command(COMMAND)(ack_only), process_before_response=process_before_response
    )


def bare_fast(settings: Settings) -> WsgiApp:
    return _bare(settings, process_before_response=True)


def bare_default(settings: Settings) -> WsgiApp:
    return _bare(settings, process_before_response=False)


def server_floor(settings: Settings) -> WsgiApp:
    """No Bolt at all: reads the body and answers 200, to show what the server and client cost."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    return wsgi


# --- requests and answers -------------------------------------------------------------------------
def signed_requests(count: int, text: str = "help") -> list[Request]:
    """`count` slash commands as Slack posts them, signed now (Bolt accepts 5 minutes)."""
    from simulators.slack.payloads import slash_command_body
    from simulators.slack.signing import sign_request

    requests = []
    for _ in range(count):
        body = slash_command_body(COMMAND, text, user_id=USER_ID, team_id=TEAM_ID).encode()
        requests.append(Request("POST", SLACK_PATH, body, sign_request(body, SIGNING_SECRET)))
    return requests


def _check_help(status: int, body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:120]!r}"
    if answer.get("response_type") != "ephemeral" or HELP_TITLE not in answer.get("text", ""):
        return f"not the help message: {body[:120]!r}"
    return None


def _check_empty(status: int, body: bytes) -> str | None:
    return None if status == 200 and not body.strip() else f"unexpected ack: {status} {body[:120]!r}"


@dataclass
class Target:
    label: str
    role: str  # "bare" (a baseline candidate), "bot", or "floor" (reference only)
    factory: str
    check: Callable[[int, bytes], str | None]
    server: Server | None = None


def _targets() -> list[Target]:
    return [
        Target("bare, process_before_response=True", "bare", "bench.bench_ack:bare_fast", _check_empty),
        Target("bare, process_before_response=False", "bare", "bench.bench_ack:bare_default", _check_empty),
        Target("bot, /codat-register help", "bot", "runtime:wsgi_factory", _check_help),
        Target("(server floor: WSGI app, no Bolt)", "floor", "bench.bench_ack:server_floor", _check_empty),
    ]


def _environment(api_url: str, data_dir: Path, threads: int) -> dict[str, str]:
    """The servers' whole environment: nothing from this shell (no GCP, no Socket Mode, no .env)."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {
        **keep,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
        "DATA_DIR": str(data_dir),
        "RUN_SCHEDULER": "false",
        "WEB_THREADS": str(threads),
        "LOG_LEVEL": "WARNING",
        "APP_ENV": "development",
        "NO_GCE_CHECK": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


# --- over HTTP ------------------------------------------------------------------------------------
def measure(
    targets: list[Target], concurrency: int, requests: int, slices: int, time_limit: float
) -> list[LoadResult]:
    """One point: `requests` per target in `slices` interleaved turns, at most `time_limit` s each."""
    results = [LoadResult([], 0.0) for _ in targets]
    per_slice = max(1, requests // slices)
    for turn in range(slices):
        batch = signed_requests(per_slice)  # the very same requests for every target
        for k in range(len(targets)):
            i = (turn + k) % len(targets)
            server = targets[i].server
            left = time_limit - results[i].elapsed
            if server is None or left <= 0:
                continue
            results[i] = results[i].merge(
                run_load(server.host, server.port, batch, concurrency, time_limit=left)
            )
    return results


def _row(label: str, result: LoadResult) -> str:
    note = f"  errors={result.errors} ({result.first_error})" if result.errors else ""
    note += "  (time limit hit)" if result.timed_out else ""
    return (
        f"  {label:<38} {result.rps:>7.0f} {result.percentile_ms(0.5):>8.3f} "
        f"{result.percentile_ms(0.99):>8.3f} {result.ok:>6}{note}"
    )


def report(
    concurrency: int, requests: int, seconds: float, targets: list[Target], results: list[LoadResult]
) -> bool:
    """Print one concurrency's table and ratios; True when the goal is met."""
    print(f"\nconcurrency {concurrency}: {requests} requests per app ({seconds:.1f} s)")
    print(f"  {'app':<38} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'ok':>6}")
    for target, result in zip(targets, results, strict=True):
        print(_row(target.label, result))
    pairs = list(zip(targets, results, strict=True))
    base, bare = min(((t, r) for t, r in pairs if t.role == "bare"), key=lambda p: p[1].percentile_ms(0.5))
    bot = next(r for t, r in pairs if t.role == "bot")
    p50 = bot.percentile_ms(0.5) / bare.percentile_ms(0.5)
    p99 = bot.percentile_ms(0.99) / bare.percentile_ms(0.99)
    slower = bare.rps / bot.rps if bot.rps else float("inf")
    met = p50 <= GOAL and slower <= GOAL and not bot.errors and not bare.errors
    print(
        f"  bot/bare (baseline: {base.label.removeprefix('bare, ')}): p50 {p50:.3f}x, "
        f"p99 {p99:.3f}x, req/s {slower:.3f}x fewer — {'met' if met else 'MISSED'} (goal ≤ {GOAL})"
    )
    return met


# --- in-process -----------------------------------------------------------------------------------
def in_process(env: dict[str, str], profile: bool) -> None:
    """The apps' WSGI callables called here, without a server: each app's own cost per request.

    A third variant is a diagnostic, not the bot as it ships: the same bot with its slash-command
    listener moved to the front of Bolt's list, which shows what the listener order costs.
    """
    import runtime as production
    from core.logs import configure_logging
    from core.settings import Settings, load_settings
    from handlers.http import make_wsgi_app

    configure_logging("ERROR")  # as quiet as the servers' logs; Bolt's debug path is off either way
    # Init arguments beat the shell's environment; no .env: the same settings as the servers'.
    overrides: dict[str, Any] = {k: v for k, v in env.items() if k in Settings.model_fields}
    overrides.update(GCP_PROJECT_ID=None, SECRET_MANAGER_ENDPOINT=None, SLACK_APP_TOKEN=None)
    settings = load_settings(**overrides, _env_file=None)
    deps, bolt = production.build_runtime(settings)
    deps_first, bolt_first = production.build_runtime(settings)
    listeners = getattr(bolt_first, "_listeners", [])
    listeners.sort(key=lambda x: getattr(x.ack_function, "__module__", "") != "handlers.commands")
    apps = {
        "bare, process_before_response=True": bare_fast(settings),
        "bot": make_wsgi_app(bolt, deps),
        "bot, slash command matched first": make_wsgi_app(bolt_first, deps_first),
    }
    request = signed_requests(1)[0]
    for name, wsgi in apps.items():
        for _ in range(WARMUP_REQUESTS):
            status, body = call_wsgi(wsgi, request)
            if status != 200:
                raise RuntimeError(f"{name}: HTTP {status} in-process: {body[:120]!r}")
    rounds: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(IN_PROCESS_ROUNDS):
        for name, wsgi in apps.items():
            began = time.perf_counter()
            for _ in range(IN_PROCESS_CALLS):
                call_wsgi(wsgi, request)
            rounds[name].append((time.perf_counter() - began) / IN_PROCESS_CALLS * 1e6)
    print(
        f"\napp alone, in-process (no server): µs per request, best and median of {IN_PROCESS_ROUNDS} "
        f"interleaved rounds of {IN_PROCESS_CALLS}; ratio of the best to the bare app's best"
    )
    bare_best = min(rounds["bare, process_before_response=True"])
    for name, samples in rounds.items():
        best = min(samples)
        print(f"  {name:<38} {best:>8.1f} {statistics.median(samples):>8.1f} {best / bare_best:>6.2f}x")
    order = [getattr(x.ack_function, "__module__", "?") for x in getattr(bolt, "_listeners", [])]
    print(f"  the bot's listeners, in the order Bolt tries them: {', '.join(order)}")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(IN_PROCESS_CALLS):
            call_wsgi(apps["bot"], request)
        profiler.disable()
        print(f"\ncProfile of the bot, {IN_PROCESS_CALLS} in-process requests, by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
    production.shutdown(deps)
    production.shutdown(deps_first)


# --- the run --------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    from simulators.slack import SlackWebApi
    from storage.db import Database

    goal_met = True
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp, SlackWebApi(BOT_TOKEN) as api:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        env = _environment(api.url, data_dir, args.threads)
        migrator = Database(env["DATABASE_URL"])
        migrator.upgrade()  # as `python app.py` does before serving
        migrator.dispose()
        targets = _targets()
        try:
            for target in targets:
                name = target.factory.rpartition(":")[2]
                target.server = start_server(target.factory, env, name=name, log_dir=Path(tmp))
            for target in targets:
                assert target.server is not None
                warm = signed_requests(WARMUP_REQUESTS)
                result = run_load(
                    target.server.host, target.server.port, warm, WARMUP_CONCURRENCY, check=target.check
                )
                if result.errors:
                    print(f"{target.label}: warm-up failed: {result.first_error}", file=sys.stderr)
                    print(target.server.log_tail(), file=sys.stderr)
                    return 1
            load_before = os.getloadavg()[0]
            print(
                f"ack benchmark: POST {SLACK_PATH} `{COMMAND} help`, signed form bodies, loopback, "
                f"{os.cpu_count()} CPUs, load average {load_before:.2f}\n"
                f"server: app.serve_http per app (gunicorn, 1 worker, gthread, {args.threads} threads)\n"
                f"client: keep-alive http.client, one thread per connection, in the bench process; "
                f"{args.slices} interleaved slices per point; warm-up {WARMUP_REQUESTS} requests per app; "
                f"auth.test calls to the stand-in: {len(api.calls_to('auth.test'))}"
            )
            for concurrency in args.concurrency:
                began = time.monotonic()
                results = measure(targets, concurrency, args.requests, args.slices, args.time_limit)
                seconds = time.monotonic() - began
                goal_met &= report(concurrency, args.requests, seconds, targets, results)
        finally:
            for target in targets:
                if target.server is not None:
                    target.server.stop()
        print(f"\nload average after the HTTP runs: {os.getloadavg()[0]:.2f}")
        verdict = "met" if goal_met else "MISSED"
        print(f"goal (bot/bare ≤ {GOAL} for p50 and req/s at every concurrency): {verdict}")
        in_process(env, args.profile)
    return 0 if goal_met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per app and concurrency (2000)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated (1,8,32)")
    parser.add_argument("--slices", type=int, default=8, help="interleaved turns per point (8)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="s per app and point (60)")
    parser.add_argument("--threads", type=int, default=None, help="WEB_THREADS (Settings' default)")
    parser.add_argument("--profile", action="store_true", help="cProfile the bot in-process too")
    args = parser.parse_args(argv)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if args.threads is None:
        from core.settings import Settings

        args.threads = Settings.model_fields["WEB_THREADS"].default
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
