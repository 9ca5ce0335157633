"""``python -m simulators.secret_manager``: run the emulator until Ctrl-C or SIGTERM.

Usage: ``python -m simulators.secret_manager --port 8085 [--host 127.0.0.1]
[--project-number my-proj=123456789012 ...]``. The first line of stdout is the address.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from simulators.secret_manager.server import Emulator


def _project_number(text: str) -> tuple[str, str]:
    project_id, sep, number = text.partition("=")
    if not sep or not project_id or not number.isdigit():
        raise argparse.ArgumentTypeError(f"expected PROJECT_ID=NUMBER, got {text!r}")
    return project_id, number


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.secret_manager", description="Local Secret Manager emulator (gRPC)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8085, help="port to listen on; 0 picks a free one")
    parser.add_argument(
        "--project-number",
        type=_project_number,
        action="append",
        default=[],
        metavar="ID=NUMBER",
        help="answer with projects/NUMBER for this project id (repeatable)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        emulator = Emulator(host=args.host, port=args.port, project_numbers=dict(args.project_number))
        address = emulator.start()
    except (ValueError, RuntimeError) as error:
        print(f"secret manager emulator: {error}", file=sys.stderr)
        return 2
    print(address, flush=True)
    print(f"Secret Manager emulator listening on {address}; Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        while not stop.wait(timeout=1.0):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
