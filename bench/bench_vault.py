"""vault.store vs the raw client's add_secret_version, against the same in-process emulator.

    python -m bench.bench_vault [--n 500] [--database-url postgresql+psycopg://…] [--separate-process]

Both paths use the real google-cloud-secret-manager client over gRPC on loopback. The two are
measured interleaved (raw, vault, raw, vault…) so machine noise hits both alike. The vault's
extra work: HMAC fingerprint, one indexed read (idempotency + team check), CRC32C, the version
checks, and one transaction that supersedes the previous reference and inserts the new one.
Goal: the vault adds ≤ 1 ms over the raw call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("NO_GCE_CHECK", "true")  # never probe the metadata server

import google_crc32c

from core.settings import load_settings
from simulators.secret_manager import Emulator, client_for
from storage.db import Database
from storage.models import Registration
from storage.team_scope import TeamScope
from storage.vault.factory import build_vault

PROJECT = "bench-project"
TEAM = "T0BENCH"
WARMUP = 50
TARGET_OVERHEAD_MS = 1.0


STORE = {
    "team_id": TEAM,
    "platform": "quickbooks-online",
    "environment": "sandbox",
    "field": "credentials",
    "actor": "U0BENCH",
}


def _value(kind: str, i: int) -> str:
    return f'{{"client_id":"{kind}-{i:06d}","client_secret":"{"s" * 40}"}}'


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _row(name: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"{name:<38} {statistics.median(ms):>8.3f} {_percentile(ms, 0.99):>8.3f} "
        f"{min(ms):>8.3f} {statistics.fmean(ms):>8.3f}"
    )


@contextmanager
def _emulator(separate_process: bool) -> Iterator[str]:
    """The emulator's address: in this process (default), or in a child process."""
    if not separate_process:
        emulator = Emulator()
        try:
            yield emulator.start()
        finally:
            emulator.stop()
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "simulators.secret_manager", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        child.terminate()
        child.wait(timeout=10)


def run(n: int, database_url: str | None, separate_process: bool = False) -> int:
    where = "emulator in a child process" if separate_process else "in-process emulator"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp, _emulator(separate_process) as address:
        data_dir = Path(tmp)
        db = Database(database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}")
        db.upgrade()
        settings = load_settings(
            GCP_PROJECT_ID=PROJECT,
            SECRET_MANAGER_ENDPOINT=address,
            DATA_DIR=data_dir,
            FINGERPRINT_KEY="bench-fingerprint-key-0123456789",
            VAULT_DEADLINE_SECONDS=2.5,
        )
        vault = build_vault(settings, db)
        dialect = db.dialect
        samples: dict[str, list[float]] = {"raw": [], "first": [], "replace": [], "repeat": []}
        client = client_for(address)
        try:
            # One registration per measured store, as in real use (a registration stores its
            # credential once, sometimes replaces it); all share one secret, so each store is
            # one RPC once the secret exists.
            registrations = []
            with db.session() as session:
                scope = TeamScope(session, TEAM)
                for _ in range(WARMUP + n):
                    registration = Registration(
                        platform="quickbooks-online",
                        environment="sandbox",
                        created_by="U0BENCH",
                        status="completed",
                    )
                    registrations.append(scope.add_registration(registration).id)
            raw_parent = f"projects/{PROJECT}/secrets/bench-raw"
            client.create_secret(
                request={
                    "parent": f"projects/{PROJECT}",
                    "secret_id": "bench-raw",
                    "secret": {"replication": {"automatic": {}}},
                }
            )

            def raw_call(i: int) -> float:
                data = _value("raw", i).encode()
                payload = {"data": data, "data_crc32c": google_crc32c.value(data)}
                request = {"parent": raw_parent, "payload": payload}
                start = time.perf_counter()
                client.add_secret_version(request=request, timeout=5.0)
                return time.perf_counter() - start

            def vault_call(i: int, value: str) -> float:
                start = time.perf_counter()
                vault.store(value=value, registration_id=registrations[i], **STORE)
                return time.perf_counter() - start

            for i in range(WARMUP):
                raw_call(i)
                vault_call(i, _value("first", i))
            for i in range(n):
                k = WARMUP + i
                samples["raw"].append(raw_call(k))
                samples["first"].append(vault_call(k, _value("first", k)))
                samples["raw"].append(raw_call(k))
                samples["replace"].append(vault_call(k, _value("replace", k)))
                samples["repeat"].append(vault_call(k, _value("replace", k)))
        finally:
            client.transport.close()
            getattr(vault, "close", lambda: None)()
            db.dispose()

    raw = samples["raw"]
    print(
        f"vault benchmark: N={n} per vault path, 2N raw, interleaved; {dialect}; {where}; "
        f"{os.cpu_count()} CPUs, load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{'path':<38} {'median':>8} {'p99':>8} {'min':>8} {'mean':>8}   (ms)")
    print(_row("raw client add_secret_version", raw))
    print(_row("vault.store, first value", samples["first"]))
    print(_row("vault.store, replacing a value", samples["replace"]))
    print(_row("vault.store, same value again (no RPC)", samples["repeat"]))
    worst = 0.0
    for name in ("first", "replace"):
        median = (statistics.median(samples[name]) - statistics.median(raw)) * 1000
        p99 = (_percentile(samples[name], 0.99) - _percentile(raw, 0.99)) * 1000
        worst = max(worst, median)
        print(f"overhead over the raw call, {name + ':':<8} median {median:+.3f} ms, p99 {p99:+.3f} ms")
    verdict = "met" if worst <= TARGET_OVERHEAD_MS else "MISSED"
    print(f"target: median overhead ≤ {TARGET_OVERHEAD_MS:.1f} ms — {verdict}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="calls per path (default 500)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--separate-process",
        action="store_true",
        help="run the emulator in a child process (no GIL sharing with the client, like production)",
    )
    args = parser.parse_args(argv)
    return run(args.n, args.database_url, args.separate_process)


if __name__ == "__main__":
    sys.exit(main())
