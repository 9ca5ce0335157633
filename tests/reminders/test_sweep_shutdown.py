"""Shutdown (SIGTERM) during a sweep: the digest being sent goes out, the items claimed but not sent
are handed back at once (not left leased), and the next sweep sends them. And the sweep's metrics."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from bot.deps import Deps
from bot.reminders.scheduler import start_scheduler
from bot.reminders.sweep import Pacer, run_sweep
from core.clock import Clock
from core.settings import Settings
from runtime import build_deps, shutdown
from simulators.slack.web_api import SlackWebApi
from tests.reminders.conftest import ALICE, BOB, WEDNESDAY_14_UTC, Seed, fast, posts_to

CAMILLE = "U0CAMILLE"  # Paris: working hours at 14:00 UTC, like London and New York


def reminders(outcome: str) -> float:
    return REGISTRY.get_sample_value("codat_register_reminders_total", {"outcome": outcome}) or 0.0


def test_a_stop_between_owners_sends_the_current_digest_and_releases_the_rest(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    clock.set(WEDNESDAY_14_UTC)
    registration = seed.registration(created_by=ALICE)
    due = WEDNESDAY_14_UTC - timedelta(hours=1)
    alice, bob, camille = (
        seed.item(registration, key, owner=owner, next_at=due)
        for key, owner in (
            ("vault_approved", ALICE),
            ("existing_agreements", BOB),
            ("contact_owner", CAMILLE),
        )
    )
    # One DM a minute: the second digest (Bob's) waits for the pacer, and SIGTERM arrives then.
    deps.extras["reminder_pacer"] = Pacer(1, 0.0, sleep=lambda seconds: deps.stopping.set())

    result = run_sweep(deps)

    assert (result.claimed, result.digests, result.released) == (3, 2, 1)
    assert len(posts_to(slack_api, ALICE)) == 1 and len(posts_to(slack_api, BOB)) == 1
    assert posts_to(slack_api, CAMILLE) == []
    handed_back = seed.get(camille)
    assert (handed_back.claim_token, handed_back.claimed_until) == (None, None)
    assert handed_back.next_reminder_at == WEDNESDAY_14_UTC  # due again at once, for any sweep
    assert handed_back.reminder_count == 0
    assert seed.get(alice).reminder_count == seed.get(bob).reminder_count == 1

    deps.stopping.clear()  # the next process
    fast(deps)
    again = run_sweep(deps)
    assert (again.claimed, again.digests) == (1, 1)
    assert len(posts_to(slack_api, CAMILLE)) == 1 and seed.get(camille).reminder_count == 1
    assert len(posts_to(slack_api, ALICE)) == 1 and len(posts_to(slack_api, BOB)) == 1


def test_a_sweep_that_starts_while_stopping_claims_nothing(deps: Deps, seed: Seed, clock: Clock) -> None:
    clock.set(WEDNESDAY_14_UTC)
    item = seed.item(seed.registration(), "vault_approved", owner=ALICE, next_at=WEDNESDAY_14_UTC)
    deps.stopping.set()
    assert run_sweep(deps).claimed == 0
    assert seed.get(item).claim_token is None


def test_shutdown_stops_the_sweep_then_the_scheduler(settings: Settings) -> None:
    deps = build_deps(settings.model_copy(update={"REMINDER_SWEEP_SECONDS": 3600}))
    scheduler = start_scheduler(deps)
    deps.extras["scheduler"] = scheduler
    shutdown(deps)
    assert deps.stopping.is_set()
    assert not scheduler.running


def test_sent_failed_and_rate_limited_reminders_and_claims_are_counted(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    clock.set(WEDNESDAY_14_UTC)
    registration = seed.registration(created_by=ALICE)
    due = WEDNESDAY_14_UTC - timedelta(hours=1)
    # Digests go out in item order: Bob's, Camille's, then Alice's.
    for key, owner in (("existing_agreements", BOB), ("contact_owner", CAMILLE), ("vault_approved", ALICE)):
        seed.item(registration, key, owner=owner, next_at=due)
    before = {outcome: reminders(outcome) for outcome in ("sent", "failed", "rate_limited")}
    claims = REGISTRY.get_sample_value("codat_register_reminder_claim_seconds_count") or 0.0
    # Bob's: Slack still says ratelimited once the client's retries are spent; Camille's: refused.
    slack_api.fail_next("chat.postMessage", error="ratelimited", status=200, retry_after=None)
    slack_api.fail_next("chat.postMessage", error="channel_not_found", status=200, retry_after=None)

    result = run_sweep(deps)

    assert (result.digests, result.failed) == (1, 2)
    assert len(posts_to(slack_api, ALICE)) == 1
    assert reminders("sent") - before["sent"] == 1
    assert reminders("rate_limited") - before["rate_limited"] == 1
    assert reminders("failed") - before["failed"] == 1
    assert (REGISTRY.get_sample_value("codat_register_reminder_claim_seconds_count") or 0.0) - claims >= 1
