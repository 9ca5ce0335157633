"""The in-process scheduler: one job, fixed id, UTC, no pickling hazards, misses logged, and no
reminder lost across a restart."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import Deps
from bot.reminders.scheduler import JOB_ID, MISFIRE_GRACE_SECONDS, run_sweep_now, start_scheduler
from core.clock import Clock
from core.settings import Settings
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.reminders.conftest import ALICE, BOB, WEDNESDAY_14_UTC, Seed, fast, item_ids_in, posts_to


def test_restart_sends_what_came_due_while_the_app_was_down(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    # The app was down from Monday; it starts on Wednesday afternoon.
    clock.set(WEDNESDAY_14_UTC)
    registration = seed.registration(created_by=ALICE)
    items = [
        seed.item(registration, "vault_approved", owner=ALICE, next_at=WEDNESDAY_14_UTC - timedelta(days=2)),
        seed.item(registration, "contact_owner", owner=BOB, next_at=WEDNESDAY_14_UTC - timedelta(hours=5)),
    ]
    scheduler = start_scheduler(deps)
    try:
        slack_api.wait_for("chat.postMessage", count=2, timeout=15)  # the first run is at start-up
    finally:
        scheduler.shutdown(wait=True)
    assert (
        sorted(item_ids_in(posts_to(slack_api, ALICE)[0]) + item_ids_in(posts_to(slack_api, BOB)[0])) == items
    )
    assert all(seed.get(item).reminder_count == 1 for item in items)


def test_one_job_with_fixed_id_coalesced_single_instance_generous_grace_in_utc(deps: Deps) -> None:
    fast(deps, REMINDER_SWEEP_SECONDS=60)
    scheduler = start_scheduler(deps)
    try:
        (job,) = scheduler.get_jobs()
        assert job.id == JOB_ID
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 3600
        assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval == timedelta(seconds=60)
        assert str(scheduler.timezone) == "UTC"
        # Nothing to pickle: the function by its module path, and a primitive argument.
        assert job.func_ref == "bot.reminders.scheduler:sweep_job"
        assert all(isinstance(arg, str) for arg in job.args)
        # Adding it again replaces it (no ConflictingIdError, no duplicate).
        scheduler.add_job(
            job.func_ref, "interval", seconds=60, args=job.args, id=JOB_ID, replace_existing=True
        )
        assert len(scheduler.get_jobs()) == 1
    finally:
        scheduler.shutdown(wait=False)


def test_missed_runs_and_failures_are_logged(deps: Deps, log_output: io.StringIO) -> None:
    scheduler = start_scheduler(deps)
    try:
        late = deps.clock.now() - timedelta(hours=2)
        scheduler._dispatch_event(JobExecutionEvent(EVENT_JOB_MISSED, JOB_ID, "default", late))
        boom = RuntimeError("database unreachable")
        scheduler._dispatch_event(JobExecutionEvent(EVENT_JOB_ERROR, JOB_ID, "default", late, exception=boom))
    finally:
        scheduler.shutdown(wait=False)
    logged = log_output.getvalue()
    assert "reminder sweep missed its run" in logged
    assert "reminder sweep failed: RuntimeError" in logged and "database unreachable" in logged


def test_a_failing_sweep_is_reported_by_the_listener(
    deps: Deps, log_output: io.StringIO, tmp_path: Path
) -> None:
    deps.db = Database(f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}")  # no tables: every query fails
    scheduler = start_scheduler(deps)
    try:
        deadline = time.monotonic() + 10
        while "reminder sweep failed" not in log_output.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
        deps.db.dispose()
    assert "reminder sweep failed: OperationalError" in log_output.getvalue()


def test_run_sweep_now_sends_due_reminders_synchronously(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration = seed.registration(created_by=ALICE)
    seed.item(registration, "vault_approved", owner=ALICE, next_at=clock.now() + timedelta(days=1))
    assert run_sweep_now(deps).digests == 0
    clock.advance(timedelta(days=1))  # the sandbox's "advance 1 day"
    assert run_sweep_now(deps).digests == 1 and len(posts_to(slack_api, ALICE)) == 1


def test_build_runtime_starts_the_scheduler_unless_turned_off(settings: Settings, clock: Clock) -> None:
    from runtime import build_runtime, shutdown

    for enabled in (True, False):
        deps, _app = build_runtime(settings.model_copy(update={"RUN_SCHEDULER": enabled}), clock=clock)
        try:
            scheduler = deps.extras.get("scheduler")
            assert (scheduler is not None and scheduler.get_job(JOB_ID) is not None) is enabled
        finally:
            shutdown(deps)
