"""The sweep against the Slack stand-in: one digest per owner, working hours, escalation, people who
left, 429s and failures, leases after a crash, and two sweeps at once."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.reminders.sweep import Pacer, run_sweep
from core.clock import Clock
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.reminder_claims import claim_due
from storage.statuses import ItemStatus, RegistrationStatus
from tests.reminders.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    WEDNESDAY_10_UTC,
    WEDNESDAY_14_UTC,
    Seed,
    dm,
    item_ids_in,
    posts_to,
    text_of,
)
from tests.support.sweepers import sweep_at_once

AN_HOUR_AGO = WEDNESDAY_10_UTC - timedelta(hours=1)


def test_one_digest_per_owner_with_every_due_item_and_its_buttons(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    xero = seed.registration(created_by=ALICE)
    qbo = seed.registration(created_by=ALICE, platform="quickbooks-online")
    alice_items = [
        seed.item(xero, "existing_agreements", owner=ALICE, next_at=AN_HOUR_AGO),
        seed.item(xero, "vault_approved", owner=ALICE, next_at=WEDNESDAY_10_UTC),
        seed.item(qbo, "contact_owner", owner=ALICE, next_at=AN_HOUR_AGO - timedelta(days=3)),
    ]
    later = seed.item(qbo, "vault_approved", owner=ALICE, next_at=WEDNESDAY_10_UTC + timedelta(minutes=1))

    result = run_sweep(deps)

    (digest,) = posts_to(slack_api, ALICE)
    assert sorted(item_ids_in(digest)) == sorted(alice_items)
    text = text_of(digest)
    assert "Xero" in text and "QuickBooks Online" in text and "Get a vault approved" in text
    for label in ("Done", "Snooze 1 day", "Snooze 1 week", "Open checklist"):
        assert text.count(f'"{label}"') == 3
    assert [c.params["users"] for c in slack_api.calls_to("conversations.open")] == [ALICE]
    assert result.digests == 1 and result.reminded == 3
    for item_id in alice_items:
        item = seed.get(item_id)
        assert item.reminder_count == 1 and item.last_reminded_at == WEDNESDAY_10_UTC
        assert item.next_reminder_at == WEDNESDAY_10_UTC + timedelta(days=2)  # Friday, same time
        assert item.claim_token is None and item.claimed_until is None
    assert seed.get(later).reminder_count == 0


def test_outside_the_owners_working_hours_the_reminder_waits_without_counting(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration = seed.registration(created_by=ALICE)
    bobs = seed.item(registration, "vault_approved", owner=BOB, next_at=AN_HOUR_AGO)  # 06:00 in New York
    carols = seed.item(registration, "contact_owner", owner=CAROL, next_at=AN_HOUR_AGO)  # 19:00 in Tokyo

    assert run_sweep(deps).deferred == 2
    assert slack_api.calls_to("chat.postMessage") == []
    assert seed.get(bobs).next_reminder_at == WEDNESDAY_14_UTC - timedelta(hours=1)  # 09:00 EDT
    assert seed.get(carols).next_reminder_at == WEDNESDAY_10_UTC + timedelta(hours=14)  # Thu 09:00 JST
    assert seed.get(bobs).reminder_count == 0

    clock.set(WEDNESDAY_14_UTC - timedelta(hours=1))
    run_sweep(deps)
    assert len(posts_to(slack_api, BOB)) == 1 and posts_to(slack_api, CAROL) == []
    assert seed.get(bobs).reminder_count == 1


def test_finished_items_and_closed_registrations_are_never_reminded(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    active = seed.registration(created_by=ALICE)
    cancelled = seed.registration(created_by=ALICE, platform="quickbooks-online")
    completed = seed.registration(created_by=ALICE, platform="sage-intacct")
    seed.item(active, "existing_agreements", owner=ALICE, next_at=AN_HOUR_AGO, status=ItemStatus.done)
    seed.item(active, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO, status=ItemStatus.not_applicable)
    on_cancelled = seed.item(cancelled, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    on_completed = seed.item(completed, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    seed.set_registration_status(cancelled, RegistrationStatus.cancelled)
    seed.set_registration_status(completed, RegistrationStatus.completed)

    result = run_sweep(deps)

    assert slack_api.calls_to("chat.postMessage") == []
    assert result.claimed == 2 and result.stopped == 2 and result.digests == 0
    for item_id in (on_cancelled, on_completed):  # taken out of the due index for good
        assert seed.get(item_id).next_reminder_at is None
        assert seed.get(item_id).reminder_count == 0


def test_unassigned_items_remind_the_registrations_creator(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=None, next_at=AN_HOUR_AGO)
    run_sweep(deps)
    (digest,) = posts_to(slack_api, ALICE)
    assert item_ids_in(digest) == [item]


def test_after_three_reminders_the_creator_is_told_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    clock.set(WEDNESDAY_14_UTC)
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=BOB, next_at=WEDNESDAY_14_UTC)
    escalations = []
    for _ in range(5):
        escalations.append(run_sweep(deps).escalations)
        clock.set(seed.get(item).next_reminder_at)  # type: ignore[arg-type]

    assert len(posts_to(slack_api, BOB)) == 5
    assert escalations == [0, 0, 1, 0, 0]
    (heads_up,) = posts_to(slack_api, ALICE)
    assert "<@U0BOB>" in text_of(heads_up) and "3 times" in text_of(heads_up)
    assert item_ids_in(heads_up) == [item]
    assert seed.get(item).escalated_at is not None and seed.get(item).reminder_count == 5


def test_no_escalation_to_yourself(deps: Deps, seed: Seed, slack_api: SlackWebApi) -> None:
    registration = seed.registration(created_by=ALICE)
    seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO, reminder_count=2)
    assert run_sweep(deps).escalations == 0
    assert len(posts_to(slack_api, ALICE)) == 1


def test_owner_who_left_is_replaced_by_the_creator_who_is_told_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration = seed.registration(created_by=ALICE)
    items = [
        seed.item(registration, "vault_approved", owner=DAVE, next_at=AN_HOUR_AGO, reminder_count=2),
        seed.item(registration, "contact_owner", owner=DAVE, next_at=AN_HOUR_AGO),
    ]

    result = run_sweep(deps)

    assert result.reassigned == 2 and posts_to(slack_api, DAVE) == []
    (first,) = posts_to(slack_api, ALICE)
    assert "<@U0DAVE> left the workspace" in text_of(first)
    assert sorted(item_ids_in(first)) == sorted(items)
    for item_id in items:
        item = seed.get(item_id)
        assert item.owner_user_id == ALICE and item.reminder_count == 1 and item.escalated_at is None

    clock.set(seed.get(items[0]).next_reminder_at)  # type: ignore[arg-type]
    run_sweep(deps)
    second = posts_to(slack_api, ALICE)[1]
    assert "left the workspace" not in text_of(second) and sorted(item_ids_in(second)) == sorted(items)


def test_time_zone_is_cached_and_refreshed_daily_and_a_departure_is_noticed(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    slack_api.add_user("U0ERIN", "erin", tz="Europe/London")
    registration = seed.registration(created_by=ALICE)
    first = seed.item(registration, "vault_approved", owner="U0ERIN", next_at=AN_HOUR_AGO)
    run_sweep(deps)
    lookups = lambda: [c for c in slack_api.calls_to("users.info") if c.params["user"] == "U0ERIN"]  # noqa: E731
    assert len(lookups()) == 1

    seed.item(registration, "contact_owner", owner="U0ERIN", next_at=WEDNESDAY_10_UTC + timedelta(hours=1))
    clock.set(WEDNESDAY_10_UTC + timedelta(hours=1))
    run_sweep(deps)
    assert len(lookups()) == 1  # the same day: from the cache
    assert len(posts_to(slack_api, "U0ERIN")) == 2

    slack_api.set_user("U0ERIN", deleted=True)
    clock.set(seed.get(first).next_reminder_at)  # type: ignore[arg-type]  # two days on
    run_sweep(deps)
    assert len(lookups()) == 2
    assert seed.get(first).owner_user_id == ALICE
    assert "<@U0ERIN> left the workspace" in text_of(posts_to(slack_api, ALICE)[0])


def test_rate_limited_send_is_retried_after_retry_after_and_counted_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1)

    result = run_sweep(deps)

    attempts = slack_api.calls_to("chat.postMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 1.0  # Retry-After honoured
    assert len(slack_api.messages(dm(ALICE))) == 1
    assert result.digests == 1 and seed.get(item).reminder_count == 1


def test_failed_send_is_logged_not_marked_and_sent_by_a_later_sweep(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock, log_output: io.StringIO
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    slack_api.fail_next("chat.postMessage", error="channel_not_found", status=200, retry_after=None)

    result = run_sweep(deps)

    assert result.failed == 1 and result.digests == 0
    assert "reminder DM to U0ALICE failed: channel_not_found" in log_output.getvalue()
    row = seed.get(item)
    assert row.reminder_count == 0 and row.last_reminded_at is None and row.claim_token is None
    assert row.next_reminder_at == WEDNESDAY_10_UTC + timedelta(seconds=deps.settings.REMINDER_RETRY_SECONDS)

    assert run_sweep(deps).claimed == 0  # not before the retry time
    clock.advance(timedelta(seconds=deps.settings.REMINDER_RETRY_SECONDS))
    assert run_sweep(deps).digests == 1
    assert len(slack_api.messages(dm(ALICE))) == 1 and seed.get(item).reminder_count == 1


def test_sweep_killed_between_claim_and_send_is_finished_by_a_later_sweep_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, clock: Clock
) -> None:
    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    lease = timedelta(seconds=deps.settings.REMINDER_CLAIM_LEASE_SECONDS)
    # A sweep claims, then its process dies: nothing is sent and nothing is released.
    assert [c.id for c in claim_due(deps.db, now=clock.now(), lease=lease, token="dead", limit=10)] == [item]

    assert run_sweep(deps).claimed == 0  # still leased
    clock.advance(lease - timedelta(seconds=1))
    assert run_sweep(deps).claimed == 0
    clock.advance(timedelta(seconds=1))
    assert run_sweep(deps).digests == 1
    clock.advance(timedelta(hours=1))
    run_sweep(deps)
    assert len(posts_to(slack_api, ALICE)) == 1 and seed.get(item).reminder_count == 1


def test_two_schedulers_sweeping_at_once_send_each_reminder_once(
    deps: Deps, seed: Seed, slack_api: SlackWebApi, db: Database
) -> None:
    owners = [f"U0OWNER{n:02d}" for n in range(12)]
    registrations = [
        seed.registration(created_by=ALICE, platform=platform, environment=environment)
        for platform in ("xero", "sage-intacct", "netsuite")
        for environment in ("sandbox", "production")
    ]
    expected: dict[str, set[int]] = {}
    for n, owner in enumerate(owners):  # 4 due items each, across registrations
        slack_api.add_user(owner, f"owner{n}", tz="Europe/London")
        expected[owner] = {  # owners interleave in due order, so a batch boundary falls mid-owner
            seed.item(
                registrations[(n + k) % 6],
                f"step_{n}_{k}",
                owner=owner,
                next_at=AN_HOUR_AGO - timedelta(minutes=k * 12 + n),
            )
            for k in range(4)
        }

    # Two "schedulers": each its own engine and pacer, the same database and Slack; small batches so
    # that both keep claiming while the other sends.
    small = deps.settings.model_copy(update={"REMINDER_SWEEP_BATCH": 5})
    results = sweep_at_once(dataclasses.replace(deps, db=db), settings=small)
    assert len(results) == 2 and sum(r.claimed for r in results) == sum(len(v) for v in expected.values())
    per_owner = Counter(call.params["channel"] for call in slack_api.calls_to("chat.postMessage"))
    assert per_owner == Counter({dm(owner): 1 for owner in owners})
    for owner in owners:
        (digest,) = posts_to(slack_api, owner)
        assert set(item_ids_in(digest)) == expected[owner]
    for ids in expected.values():
        assert all(seed.get(item_id).reminder_count == 1 for item_id in ids)


def test_slack_is_only_called_outside_database_transactions(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    registration = seed.registration(created_by=ALICE)
    seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    seed.item(registration, "contact_owner", owner=DAVE, next_at=AN_HOUR_AGO)
    client, pool = deps.client, deps.db.engine.pool
    checked_out: list[tuple[str, int]] = []
    original = client.api_call  # type: ignore[union-attr]

    def api_call(method: str, *args: object, **kwargs: object) -> object:
        checked_out.append((method, pool.checkedout()))  # type: ignore[attr-defined]
        return original(method, *args, **kwargs)  # type: ignore[arg-type]

    client.api_call = api_call  # type: ignore[method-assign, union-attr]
    try:
        assert run_sweep(deps).digests == 1
    finally:
        del client.api_call  # type: ignore[union-attr]
    assert {method for method, _ in checked_out} >= {"users.info", "conversations.open", "chat.postMessage"}
    assert all(count == 0 for _, count in checked_out), checked_out


def test_pacer_spaces_posts_per_channel_and_workspace() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(per_minute=60, channel_interval=1.0, sleep=sleep, monotonic=lambda: now[0])
    for channel in ["D1", "D2", "D3", "D4", "D5", "D6"]:  # a burst of a tenth of a minute's budget
        pacer.wait(channel)
    assert slept == []
    pacer.wait("D1")  # same channel: a second after its last post
    assert slept == [1.0]
    for n in range(10):  # past the burst: one post a second
        pacer.wait(f"E{n}")
    assert sum(slept) == pytest.approx(11.0, abs=0.01)


def test_done_clicked_while_the_digest_is_being_sent_stays_done(
    deps: Deps, seed: Seed, slack_api: SlackWebApi
) -> None:
    from bot.reminders.actions import Outcome, mark_done

    registration = seed.registration(created_by=ALICE)
    item = seed.item(registration, "vault_approved", owner=ALICE, next_at=AN_HOUR_AGO)
    client = deps.client
    original = client.api_call  # type: ignore[union-attr]

    def api_call(method: str, *args: object, **kwargs: object) -> object:
        if method == "chat.postMessage":  # Alice clicks Done on an older digest right now
            assert mark_done(deps, team_id=seed.team_id, user_id=ALICE, item_id=item).outcome is Outcome.done
        return original(method, *args, **kwargs)  # type: ignore[arg-type]

    client.api_call = api_call  # type: ignore[method-assign, union-attr]
    try:
        run_sweep(deps)
    finally:
        del client.api_call  # type: ignore[union-attr]
    row = seed.get(item)
    assert row.status == ItemStatus.done and row.next_reminder_at is None and row.reminder_count == 0
