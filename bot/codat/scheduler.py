"""The daily Codat check as an APScheduler job, beside the reminder sweep in the same scheduler.

As for the sweep, the state is in our rows (codat_checks), not in APScheduler: the job has a fixed
id, coalesces missed runs into one, never runs twice at once, refers to its function by module
path with a primitive argument, and runs on an executor of its own so a slow Codat never delays
the reminders. It runs at start-up and then every SCAN_SECONDS; each registration comes due once a
day (bot.codat.verification.CHECK_EVERY), so scanning often only keeps a restart from losing a day.
Any number of processes may run it: the claims make one call per registration per day.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.codat.verification import run_daily_checks
from bot.deps import Deps

logger = logging.getLogger("codat_register.codat")

JOB_ID = "codat-register.codat-daily-check"
EXECUTOR = "codat"
SCAN_SECONDS = 3600
MISFIRE_GRACE_SECONDS = 6 * 3600

_RUNTIMES: dict[str, Deps] = {}
_RUNTIMES_LOCK = threading.Lock()


def daily_check_job(runtime_id: str) -> None:
    """The scheduled job (referenced as "bot.codat.scheduler:daily_check_job")."""
    with _RUNTIMES_LOCK:
        deps = _RUNTIMES.get(runtime_id)
    if deps is None:
        logger.warning("Codat daily check skipped: runtime %s is gone", runtime_id)
        return
    run_daily_checks(deps)


def schedule_daily_check(scheduler: BaseScheduler, deps: Deps) -> bool:
    """Add the daily check to a started scheduler (nothing without CODAT_API_KEY); whether it was."""
    if deps.codat is None:
        logger.info("Codat verification off: CODAT_API_KEY is not set")
        return False
    runtime_id = uuid.uuid4().hex
    with _RUNTIMES_LOCK:
        _RUNTIMES[runtime_id] = deps
    scheduler.add_executor(ThreadPoolExecutor(max_workers=1), alias=EXECUTOR)
    scheduler.add_job(
        f"{__name__}:daily_check_job",
        trigger=IntervalTrigger(seconds=SCAN_SECONDS, timezone=UTC),
        args=[runtime_id],
        id=JOB_ID,
        name="Codat daily check",
        executor=EXECUTOR,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        next_run_time=datetime.now(UTC),
    )
    deps.extras["codat_runtime_id"] = runtime_id
    logger.info("Codat daily check scheduled: each registration once a day (scan every %ss)", SCAN_SECONDS)
    return True


def forget(deps: Deps) -> None:
    """Drop the job's reference to `deps` (at shutdown, once the scheduler stopped)."""
    runtime_id = deps.extras.pop("codat_runtime_id", None)
    if runtime_id is not None:
        with _RUNTIMES_LOCK:
            _RUNTIMES.pop(runtime_id, None)
