"""The daily Codat check against the stand-in, on the configured database (SQLite, or PostgreSQL in
the second run): one call per registration per day however many runners, Retry-After honoured
across the batch, the APScheduler job, and `python app.py sweep`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.codat import scheduler as codat_scheduler
from bot.codat import verification
from bot.codat.verification import DailyResult, run_daily_checks
from bot.deps import Deps
from core.clock import Clock
from core.settings import Settings
from runtime import build_deps, shutdown
from simulators.codat import CodatStandIn
from storage.db import Database
from storage.statuses import ItemStatus, RegistrationStatus
from tests.bot.codat.support import Seed
from tests.conftest import CODAT_API_KEY, RunningBot, with_codat
from tests.support.app_process import app_env
from tests.test_app_commands import run

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)
TEAMS = [f"T0{n:03d}" for n in range(6)]


@pytest.fixture
def settings(settings: Settings, codat: CodatStandIn) -> Settings:
    return with_codat(settings, codat.url)


@pytest.fixture
def runners(settings: Settings, clock: Clock) -> Iterator[list[Deps]]:
    """Two replicas: each its own engine, Codat client and threads, on one database and clock."""
    clock.set(NOW)
    replicas = [build_deps(settings, clock=clock) for _ in range(2)]
    yield replicas
    for deps in replicas:
        shutdown(deps)


def run_concurrently(runners: list[Deps]) -> list[DailyResult]:
    start = threading.Barrier(len(runners))
    results: list[DailyResult | None] = [None] * len(runners)

    def one(index: int) -> None:
        start.wait()
        results[index] = run_daily_checks(runners[index])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def test_two_concurrent_runners_ask_once_per_registration_per_day(
    db: Database, codat: CodatStandIn, runners: list[Deps], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verification, "CLAIM_BATCH", 2)  # several claims each, interleaved
    xero, qbo_sandbox = [], []
    for team in TEAMS:
        seed = Seed(db, team)
        xero.append(seed.registration("xero", "production"))
        qbo_sandbox.append(seed.registration("quickbooks-online", "sandbox"))  # its sandbox key: ndsk
    other = Seed(db, "T0999")
    other.registration("xero", "production", stored=False)  # no credentials yet: not daily
    other.registration("sage-intacct", "production", codat_item=ItemStatus.done)  # already verified
    other.registration("netsuite", "production", status=RegistrationStatus.cancelled)
    codat.set_enabled("ndsk", True)

    results = run_concurrently(runners)
    assert sum(r.checked for r in results) == len(TEAMS) * 2
    assert codat.calls("/integrations/gbol") == len(TEAMS)
    assert codat.calls("/integrations/ndsk") == len(TEAMS)
    assert codat.calls() == len(TEAMS) * 2  # nothing for the registrations that are not due
    assert sum(r.ticked for r in results) == len(TEAMS)
    for team, registration in zip(TEAMS, qbo_sandbox, strict=True):
        assert Seed(db, team).status(registration) == "completed"
    for team, registration in zip(TEAMS, xero, strict=True):
        assert Seed(db, team).item(registration).status == ItemStatus.todo

    # Later the same day: nothing is due.
    clock.set(NOW + timedelta(hours=23))
    assert sum(r.checked for r in run_concurrently(runners)) == 0
    assert codat.calls() == len(TEAMS) * 2
    # The next day: the Xero ones (still not enabled) once each, the verified ones never again.
    clock.set(NOW + timedelta(days=1, minutes=1))
    assert sum(r.checked for r in run_concurrently(runners)) == len(TEAMS)
    assert codat.calls("/integrations/gbol") == len(TEAMS) * 2
    assert codat.calls("/integrations/ndsk") == len(TEAMS)


def test_a_rate_limit_holds_back_the_rest_of_the_batch_until_retry_after(
    db: Database, codat: CodatStandIn, runners: list[Deps], clock: Clock
) -> None:
    registrations = {team: Seed(db, team).registration() for team in TEAMS[:3]}
    codat.rate_limit_next(calls=1, retry_after_seconds=600)
    first = run_daily_checks(runners[0])
    assert (first.checked, first.failed, first.released) == (1, 1, 2)
    assert codat.calls() == 1
    rows = {team: Seed(db, team).check(registration) for team, registration in registrations.items()}
    assert all(row is not None and row.not_before == NOW + timedelta(seconds=600) for row in rows.values())
    clock.set(NOW + timedelta(minutes=5))
    assert run_daily_checks(runners[1]).checked == 0 and codat.calls() == 1
    clock.set(NOW + timedelta(minutes=11))
    assert run_daily_checks(runners[1]).checked == 2 and codat.calls() == 3  # the two held back


def test_no_answer_stops_the_run_and_leaves_the_rest_due(
    db: Database, runners: list[Deps], clock: Clock
) -> None:
    from bot.codat.client import CodatClient

    registrations = {team: Seed(db, team).registration() for team in TEAMS[:3]}
    deps = runners[0]
    assert deps.codat is not None
    deps.codat.close()
    deps.codat = CodatClient("http://127.0.0.1:9", CODAT_API_KEY, timeout=1)  # the discard port: refused
    result = run_daily_checks(deps)
    assert (result.checked, result.failed, result.released) == (1, 1, 2)
    unreachable = [
        team for team, registration in registrations.items()
        if (row := Seed(db, team).check(registration)) is not None and row.outcome == "unreachable"
    ]  # fmt: skip
    assert len(unreachable) == 1
    assert len(run_daily_checks(runners[1]).outcomes) == 2  # the other replica takes the rest


def test_the_job_runs_beside_the_sweep_with_a_fixed_id(bot: RunningBot) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    try:
        assert codat_scheduler.schedule_daily_check(scheduler, bot.deps)
        job = scheduler.get_job(codat_scheduler.JOB_ID)
        assert job is not None and job.coalesce and job.max_instances == 1
        assert job.executor == codat_scheduler.EXECUTOR
        assert job.func_ref == "bot.codat.scheduler:daily_check_job" and len(job.args) == 1
        bot.deps.codat = None
        assert not codat_scheduler.schedule_daily_check(BackgroundScheduler(timezone=UTC), bot.deps)
    finally:
        scheduler.shutdown(wait=False)
        codat_scheduler.forget(bot.deps)


def test_app_sweep_runs_the_daily_check_and_exits_0(
    db: Database, codat: CodatStandIn, tmp_path: Path
) -> None:
    seed = Seed(db)
    registration = seed.registration()
    codat.set_enabled("gbol", True)
    env = app_env(
        DATABASE_URL=db.url,
        DATA_DIR=str(tmp_path / "data"),
        CODAT_API_URL=codat.url,
        CODAT_API_KEY=CODAT_API_KEY,
    )
    result = run(["sweep"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "codat check: claimed=1 checked=1 ticked=1" in result.stdout
    assert codat.calls("/integrations/gbol") == 1
    assert seed.status(registration) == "completed"
    # Run again the same day: nothing to ask.
    result = run(["sweep"], env, tmp_path)
    assert result.returncode == 0 and "codat check: claimed=0" in result.stdout
    assert codat.calls() == 1
