"""Several "schedulers" sweeping at once: each its own engine and pacer (as separate replicas are),
the same database and Slack stand-in, started together on a barrier."""

from __future__ import annotations

import dataclasses
import threading

from bot.deps import Deps
from bot.reminders.sweep import SweepResult, run_sweep
from core.settings import Settings
from storage.db import Database


def sweep_at_once(deps: Deps, *, count: int = 2, settings: Settings | None = None) -> list[SweepResult]:
    """`count` sweeps of `deps`'s database run together; their results (every one finished)."""
    sweepers = [
        dataclasses.replace(deps, settings=settings or deps.settings, db=Database(deps.db.url), extras={})
        for _ in range(count)
    ]
    start = threading.Barrier(count)
    results: list[SweepResult] = []

    def sweep(sweeper: Deps) -> None:
        start.wait()
        results.append(run_sweep(sweeper))

    threads = [threading.Thread(target=sweep, args=(sweeper,)) for sweeper in sweepers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for sweeper in sweepers:
            sweeper.db.dispose()
    assert len(results) == count, "a sweeper did not finish"
    return results
