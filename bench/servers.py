"""Serve a WSGI app under the production server (app.serve_http: gunicorn, 1 gthread worker) in a
subprocess on a free loopback port, for benchmarks.

    server = start_server("bench.bench_ack:bare_fast", env, name="bare", log_dir=tmp)  # waits
    ...                                                        # load server.host:server.port
    server.stop()

The child runs `python -m bench.servers MODULE:FACTORY`: it loads Settings from its environment,
sets up logging like `python app.py`, and runs `app.serve_http(settings)` with only the WSGI factory
swapped, so every app measured sits behind exactly the server configuration production uses.
A factory has the signature of `app.wsgi_factory`: Settings -> WSGI callable.
`start_app(env, …)` runs the app's own `serve` command instead (several workers, migration and
the metrics directory included) and reports how long it took to answer /readyz.
On Linux the child gets SIGTERM when the thread that started it exits, so a benchmark killed hard
leaves no server behind: start servers from the main thread (or one that outlives them).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import reveal

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
READY_PATH = "/healthz"
PARENT_PID = "BENCH_SERVER_PARENT_PID"
PR_SET_PDEATHSIG = 1
APP_SERVE = "--app-serve"  # the child runs `app.py serve` instead of a factory

WsgiApp = Callable[..., Iterable[bytes]]


@dataclass
class Server:
    """A running server subprocess; `stop()` ends it (and its worker) and closes its log."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host: str = LOOPBACK

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to the group this helper created."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            # start_new_session made the server its own process group: this reaches its worker too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def bare_bolt_app(
    settings: Any, register: Callable[[Any], None], *, process_before_response: bool = True
) -> WsgiApp:
    """A bare Bolt app — nothing of ours but the listener `register(app)` adds — as a WSGI app that
    also answers GET /healthz (start_server waits for it)."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=reveal(settings.SLACK_BOT_TOKEN), base_url=settings.SLACK_API_URL),
        signing_secret=reveal(settings.SLACK_SIGNING_SECRET),
        token_verification_enabled=False,
        process_before_response=process_before_response,
    )
    register(app)
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def ack_only(ack: Any) -> None:
    """The whole listener of a bare app: acknowledge, nothing else."""
    ack()


def free_port(host: str = LOOPBACK) -> int:
    """A port the kernel reports free right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ready(host: str, port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def start_server(
    factory: str,
    env: Mapping[str, str],
    *,
    name: str,
    log_dir: Path,
    ready_path: str = READY_PATH,
    timeout: float = 30.0,
    attempts: int = 3,
) -> Server:
    """Start `factory` ("module:callable") under the production server and wait until `ready_path`
    answers 200. `env` is the child's whole environment (its Settings come from it; HOST and PORT
    are set here). The child runs in `log_dir`, so no `.env` from the working tree leaks in.
    Retries on a fresh port if the chosen one was taken in between; RuntimeError with the log tail
    when the server does not come up.
    """
    last_error = ""
    for attempt in range(attempts):
        port = free_port()
        log_path = log_dir / f"{name}.{attempt}.log"
        child_env = {
            **env,
            "HOST": LOOPBACK,
            "PORT": str(port),
            PARENT_PID: str(os.getpid()),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.servers", factory],
                env=child_env,
                cwd=log_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(name=name, process=process, port=port, log_path=log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if _ready(LOOPBACK, port, ready_path):
                return server
            time.sleep(0.05)
        last_error = server.log_tail()
        server.stop()
        if "in use" not in last_error:  # gunicorn: "Connection in use: (host, port)"
            break
    raise RuntimeError(f"server {name!r} ({factory}) did not come up:\n{last_error}")


def start_app(
    env: Mapping[str, str], *, name: str, log_dir: Path, ready_path: str = "/readyz", timeout: float = 60.0
) -> tuple[Server, float]:
    """Run the app's own `serve` command (`app.main(["serve"])`: migration, metrics directory,
    WEB_WORKERS — everything `python app.py serve` does) and wait until `ready_path` answers 200.
    Returns the server and the seconds from starting the process to that first 200. `env` as for
    `start_server`."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    child_env = {
        **env,
        "HOST": LOOPBACK,
        "PORT": str(port),
        PARENT_PID: str(os.getpid()),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    }
    with log_path.open("wb") as log:
        began = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.servers", APP_SERVE],
            env=child_env,
            cwd=log_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name=name, process=process, port=port, log_path=log_path)
    while time.monotonic() - began < timeout and process.poll() is None:
        if _ready(LOOPBACK, port, ready_path):
            return server, time.monotonic() - began
        time.sleep(0.01)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"app.py serve ({name}) did not become ready:\n{tail}")


def load_factory(spec: str) -> Callable[[Any], WsgiApp]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"expected MODULE:FACTORY, not {spec!r}")
    factory: Callable[[Any], WsgiApp] = getattr(importlib.import_module(module_name), attribute)
    return factory


def _die_with_parent() -> None:
    """A benchmark killed hard must not leave its servers behind: SIGTERM when the parent goes."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = os.environ.get(PARENT_PID)
    if parent and os.getppid() != int(parent):  # it went before prctl took effect
        sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    """The child: production settings, logging and server, with `argv[0]`'s WSGI factory."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.servers MODULE:FACTORY | --app-serve", file=sys.stderr)
        return 2
    _die_with_parent()
    if args[0] == APP_SERVE:
        import app

        return app.main(["serve"])
    import runtime as production
    from core.logs import configure_logging
    from core.settings import load_settings

    settings = load_settings()
    configure_logging(settings.LOG_LEVEL, log_format=settings.log_format, project_id=settings.GCP_PROJECT_ID)
    production.wsgi_factory = load_factory(args[0])  # type: ignore[assignment]
    production.serve_http(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
