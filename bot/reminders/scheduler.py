"""The in-process scheduler: one APScheduler 3 job that runs the reminder sweep.

Reminder state lives in our rows, not in APScheduler: the job store is in memory, holds one job
with a fixed id, and refers to the job function by its module path with a primitive argument, so
nothing is pickled and a restart loses nothing. The job runs at start-up (items that came due while
the app was down go out on the first sweep), then every REMINDER_SWEEP_SECONDS. Any number of
processes may run it against one database: the sweep's claims make each reminder go out once.
Turn it off in a process with RUN_SCHEDULER=false (e.g. when a dedicated process runs it).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_SHUTDOWN,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import Deps
from bot.reminders.sweep import SweepResult, run_sweep

logger = logging.getLogger("codat_register.reminders")

JOB_ID = "codat-register.reminder-sweep"
MISFIRE_GRACE_SECONDS = 3600  # a late run (restart, long pause) still runs, coalesced into one

# The job's argument is a key into this table, not the Deps itself: job args stay primitive.
_RUNTIMES: dict[str, Deps] = {}
_RUNTIMES_LOCK = threading.Lock()


def sweep_job(runtime_id: str) -> None:
    """The scheduled job (referenced as "bot.reminders.scheduler:sweep_job")."""
    with _RUNTIMES_LOCK:
        deps = _RUNTIMES.get(runtime_id)
    if deps is None:
        logger.warning("reminder sweep skipped: runtime %s is gone", runtime_id)
        return
    run_sweep(deps)


def run_sweep_now(deps: Deps) -> SweepResult:
    """One sweep, now, in the caller's thread (the sandbox's "advance 1 day"). Safe while the
    scheduled job runs too: both claim, so nothing is sent twice."""
    return run_sweep(deps)


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    """Start a UTC BackgroundScheduler whose single job sweeps now and every REMINDER_SWEEP_SECONDS."""
    runtime_id = uuid.uuid4().hex
    with _RUNTIMES_LOCK:
        _RUNTIMES[runtime_id] = deps
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    scheduler.add_listener(_log_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)
    scheduler.add_listener(lambda _event: _forget(runtime_id), EVENT_SCHEDULER_SHUTDOWN)
    scheduler.add_job(
        f"{__name__}:sweep_job",
        trigger=IntervalTrigger(seconds=deps.settings.REMINDER_SWEEP_SECONDS, timezone=UTC),
        args=[runtime_id],
        id=JOB_ID,
        name="reminder sweep",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    logger.info("reminder scheduler started: sweep every %ss", deps.settings.REMINDER_SWEEP_SECONDS)
    return scheduler


def _forget(runtime_id: str) -> None:
    with _RUNTIMES_LOCK:
        _RUNTIMES.pop(runtime_id, None)


def _log_event(event: SchedulerEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning(
            "reminder sweep missed its run at %s (the items stay due and go out on the next sweep)",
            getattr(event, "scheduled_run_time", "?"),
        )
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        logger.info("reminder sweep still running (a large batch being paced): this run was skipped")
    elif isinstance(event, JobExecutionEvent) and event.exception is not None:
        logger.error("reminder sweep failed: %s", type(event.exception).__name__, exc_info=event.exception)
