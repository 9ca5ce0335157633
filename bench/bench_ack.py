"""Ack latency of `/codat-register help`: the bot against a bare Bolt app, on the production server.

    python -m bench.bench_ack [--requests 2000] [--concurrency 1,8,32] [--time-limit 60]

Three servers run side by side, each `app.serve_http` (gunicorn, 1 gthread worker, WEB_THREADS
threads) in its own process on a free loopback port (bench/servers.py):
- bot: the real app built like production (`app.wsgi_factory`): SLACK_API_URL -> a SlackWebApi
  stand-in in this process, a migrated SQLite database and DATA_DIR in a temp dir,
  RUN_SCHEDULER=false, no GCP (development vault);
- bare, process_before_response=True / False: one slash-command listener that only acks, the
  same signing secret, token and stand-in (Bolt's single-team authorization calls auth.test once).
The load generator (bench/load.py) runs as threads in this process, a separate process from every
server, with the same prepared, signed requests for all three. For each concurrency the requests
are split into slices and the apps take turns slice by slice (rotating who goes first), so drift
on the machine falls on all of them alike. The baseline is the faster bare app (by p50) at each
concurrency; goal: bot/bare ≤ 1.2 for p50 and for throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import LoadResult, Request, run_load
from bench.servers import Server, start_server

if TYPE_CHECKING := False:
    from bot.settings import Settings

COMMAND = "/codat-register"
SLACK_PATH = "/slack/events"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
TEAM_ID = "T0BENCH01"
USER_ID = "U0BENCH01"
GOAL = 1.2
WARMUP_REQUESTS = 300
WARMUP_CONCURRENCY = 8
HELP_MARK = "/codat-register help"  # the help text lists its own usage line


# --- the bare Bolt app (factories for bench.servers) ------------------------------------------------
def _bare(settings: Settings, *, process_before_response: bool) -> Callable[..., Iterable[bytes]]:
    from slack_bolt import Ack, App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=settings.SLACK_BOT_TOKEN, base_url=settings.SLACK_API_URL),
        signing_secret=settings.SLACK_SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=process_before_response,
    )

    @app.command(COMMAND)
    def ack_only(ack: Ack) -> None:
        ack()

    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def bare_fast(settings: Settings) -> Callable[..., Iterable[bytes]]:
    return _bare(settings, process_before_response=True)


def bare_default(settings: Settings) -> Callable[..., Iterable[bytes]]:
    return _bare(settings, process_before_response=False)


# --- requests -------------------------------------------------------------------------------------
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
    if answer.get("response_type") != "ephemeral" or HELP_MARK not in json.dumps(answer):
        return f"not the help message: {body[:120]!r}"
    return None


def _check_empty(status: int, body: bytes) -> str | None:
    return None if status == 200 and not body.strip() else f"unexpected ack: {status} {body[:120]!r}"


# --- the run --------------------------------------------------------------------------------------
@dataclass
class Target:
    label: str
    factory: str
    check: Callable[[int, bytes], str | None]
    server: Server | None = None


TARGETS = [
    Target("bare, process_before_response=True", "bench.bench_ack:bare_fast", _check_empty),
    Target("bare, process_before_response=False", "bench.bench_ack:bare_default", _check_empty),
    Target("bot, /codat-register help", "app:wsgi_factory", _check_help),
]


def _environment(api_url: str, data_dir: Path, threads: int) -> dict[str, str]:
    """The servers' whole environment: nothing from this shell (no GCP, no Socket Mode, no .env)."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {
        **keep,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
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


def _fmt(result: LoadResult) -> str:
    note = f"  errors={result.errors} ({result.first_error})" if result.errors else ""
    note += "  (time limit hit)" if result.timed_out else ""
    return (
        f"{result.rps:>9.0f} {result.percentile_ms(0.5):>8.3f} {result.percentile_ms(0.99):>8.3f}"
        f" {result.ok:>6}{note}"
    )


def measure(
    targets: list[Target], concurrency: int, requests: int, slices: int, time_limit: float
) -> list[LoadResult]:
    """One point: `requests` per target, in `slices` interleaved turns, `time_limit` s per target."""
    results = [LoadResult([], 0.0) for _ in targets]
    per_slice = max(1, requests // slices)
    for turn in range(slices):
        batch = signed_requests(per_slice)  # the very same requests for every target
        order = [(turn + k) % len(targets) for k in range(len(targets))]
        for i in order:
            server = targets[i].server
            assert server is not None
            left = time_limit - results[i].elapsed
            if left <= 0:
                continue
            result = run_load(server.host, server.port, batch, concurrency, time_limit=left)
            results[i] = results[i].merge(result)
    return results


def run(concurrencies: list[int], requests: int, slices: int, time_limit: float, threads: int) -> int:
    from simulators.slack import SlackWebApi
    from storage.db import Database

    goal_met = True
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp, SlackWebApi() as api:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        env = _environment(api.url, data_dir, threads)
        migrator = Database(env["DATABASE_URL"])
        migrator.upgrade()  # as `python app.py` does before serving
        migrator.dispose()
        targets = [Target(t.label, t.factory, t.check) for t in TARGETS]
        try:
            for target in targets:
                name = target.factory.rpartition(":")[2]
                target.server = start_server(target.factory, env, name=name, log_dir=Path(tmp))
            for target in targets:
                assert target.server is not None
                warm = run_load(
                    target.server.host,
                    target.server.port,
                    signed_requests(WARMUP_REQUESTS),
                    WARMUP_CONCURRENCY,
                    time_limit=30,
                    check=target.check,
                )
                if warm.errors:
                    print(f"{target.label}: warm-up failed: {warm.first_error}", file=sys.stderr)
                    print(target.server.log_tail(), file=sys.stderr)
                    return 1
            auth_tests = len(api.calls_to("auth.test"))

            print(
                f"ack benchmark: POST {SLACK_PATH} `{COMMAND} help`, signed form bodies, loopback; "
                f"app.serve_http = gunicorn 1 worker gthread x {threads} threads per app; "
                f"client: {slices} interleaved slices per point, keep-alive, threads in a separate "
                f"process; {os.cpu_count()} CPUs; warm-up {WARMUP_REQUESTS} requests per app; "
                f"auth.test calls: {auth_tests}"
            )
            for concurrency in concurrencies:
                started = time.monotonic()
                results = measure(targets, concurrency, requests, slices, time_limit)
                print(
                    f"\nconcurrency {concurrency}: {requests} requests per app "
                    f"({time.monotonic() - started:.1f} s)"
                )
                print(f"  {'app':<38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ok':>6}")
                for target, result in zip(targets, results, strict=True):
                    print(f"  {target.label:<38} {_fmt(result)}")
                bare = min(results[:2], key=lambda r: r.percentile_ms(0.5))
                base = targets[results.index(bare)].label.removeprefix("bare, ")
                bot = results[2]
                p50 = bot.percentile_ms(0.5) / bare.percentile_ms(0.5)
                p99 = bot.percentile_ms(0.99) / bare.percentile_ms(0.99)
                rps = bare.rps / bot.rps if bot.rps else float("inf")
                ok = p50 <= GOAL and rps <= GOAL and not bot.errors and not bare.errors
                goal_met &= ok
                print(
                    f"  bot/bare (baseline {base}): p50 {p50:.2f}x, p99 {p99:.2f}x, "
                    f"throughput {rps:.2f}x slower — {'met' if ok else 'MISSED'} (goal ≤ {GOAL})"
                )
        finally:
            for target in targets:
                if target.server is not None:
                    target.server.stop()
    print(f"\ngoal (bot/bare ≤ {GOAL} for p50 and throughput at every concurrency): ", end="")
    print("met" if goal_met else "MISSED")
    return 0 if goal_met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per app and concurrency (2000)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated (1,8,32)")
    parser.add_argument("--slices", type=int, default=4, help="interleaved turns per point (4)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="s per app and point (60)")
    parser.add_argument("--threads", type=int, default=None, help="WEB_THREADS (default: Settings')")
    args = parser.parse_args(argv)
    if args.threads is None:
        from bot.settings import Settings

        args.threads = Settings.model_fields["WEB_THREADS"].default
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    return run(concurrencies, args.requests, args.slices, args.time_limit, args.threads)


if __name__ == "__main__":
    sys.exit(main())
