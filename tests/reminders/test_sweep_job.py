"""The one-shot sweep (`app.py sweep`, a Cloud Run job) beside a running bot: each reminder once."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.deps import Deps
from bot.reminders.scheduler import run_sweep_now
from core.clock import Clock
from runtime import sweep_once
from simulators.slack.web_api import SlackWebApi
from tests.reminders.conftest import ALICE, BOB, WEDNESDAY_14_UTC, Seed, posts_to


def test_a_sweep_job_beside_the_servers_own_sweep_sends_each_reminder_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    clock.set(WEDNESDAY_14_UTC)
    registration = seed.registration(created_by=ALICE)
    due = WEDNESDAY_14_UTC - timedelta(hours=1)
    for key, owner in (("vault_approved", ALICE), ("existing_agreements", BOB), ("contact_owner", BOB)):
        seed.item(registration, key, owner=owner, next_at=due)
    job_settings = deps.settings.model_copy(update={"RUN_SCHEDULER": False})
    start = threading.Barrier(2)
    results = []

    def server_sweep() -> None:
        start.wait()
        results.append(run_sweep_now(deps))

    thread = threading.Thread(target=server_sweep)
    thread.start()
    start.wait()
    results.append(sweep_once(job_settings, clock=Clock(WEDNESDAY_14_UTC)))
    thread.join(timeout=30)

    assert sum(r.reminded for r in results) == 3
    assert len(posts_to(slack_api, ALICE)) == 1 and len(posts_to(slack_api, BOB)) == 1
