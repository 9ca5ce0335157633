"""``python -m simulators.codat``: run the Codat stand-in until Ctrl-C or SIGTERM.

Usage: ``python -m simulators.codat --port 8086 [--host 127.0.0.1]``. The key it accepts is
``$CODAT_API_KEY`` if set, else the stand-in's fixed development key (``--api-key`` overrides both;
it is never printed). The first line of stdout is the base URL, for CODAT_API_URL. Flip an
integration with ``curl -X PATCH -d '{"enabled": true}' BASE/_standin/integrations/gbol``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from simulators.codat.server import CONTROL_PREFIX, DEFAULT_API_KEY, CodatStandIn


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.codat", description="Local stand-in for Codat's integrations API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8086, help="port to listen on; 0 picks a free one")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("CODAT_API_KEY") or DEFAULT_API_KEY,
        help="the API key to accept (default: $CODAT_API_KEY, else a fixed development key)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        standin = CodatStandIn(api_key=args.api_key, host=args.host, port=args.port)
        url = standin.start()
    except (ValueError, OSError) as error:
        print(f"codat stand-in: {error}", file=sys.stderr)
        return 2
    print(url, flush=True)
    print(
        f"Codat stand-in listening on {url} (control endpoints under {CONTROL_PREFIX}/); Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
    try:
        while not stop.wait(timeout=1.0):
            pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
