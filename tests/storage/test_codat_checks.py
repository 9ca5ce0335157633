"""storage.codat_checks on the configured backend: which registrations the daily check is for,
leases that never overlap (also between concurrent claims), the token guard on a result, and the
tick through the audited status derivation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.registrations.checklist import ENABLED_IN_CODAT
from storage import codat_checks
from storage.audit import Surface
from storage.audit_verify import verify
from storage.codat_checks import CheckResult
from storage.db import Database
from storage.statuses import ItemStatus, RegistrationStatus
from tests.bot.codat.support import Seed

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)
LEASE = timedelta(minutes=15)


def claim(db: Database, token: str, *, now: datetime = NOW, limit: int = 100) -> list[str]:
    found = codat_checks.claim_due(
        db, item_key=ENABLED_IN_CODAT, now=now, lease=LEASE, token=token, limit=limit
    )
    return sorted(target.registration_id for target in found)


def result(*, enabled: bool, outcome: str | None = None, by: str = "codat-register") -> CheckResult:
    return CheckResult(
        platform_key="gbol",
        outcome=outcome or ("enabled" if enabled else "not_enabled"),
        enabled=enabled,
        checked_at=NOW,
        checked_by=by,
        next_check_at=None if enabled else NOW + timedelta(days=1),
        http_status=200,
    )


def test_only_registrations_in_progress_with_credentials_and_the_item_open_are_due(db: Database) -> None:
    seed = Seed(db)
    due = seed.registration("xero", "production")
    seed.registration("xero", "sandbox", stored=False)
    seed.registration("sage-intacct", "production", codat_item=ItemStatus.done)
    seed.registration("quickbooks-online", "production", codat_item=None)
    seed.registration("netsuite", "production", status=RegistrationStatus.completed)
    assert claim(db, "a") == [due]
    row = seed.check(due)
    assert row is not None and row.claim_token == "a" and row.claimed_until == NOW + LEASE
    assert row.outcome is None and row.next_check_at == NOW  # enrolled, due now, not checked yet
    assert claim(db, "b") == []  # leased
    assert claim(db, "c", now=NOW + LEASE) == [due]  # the lease ran out: due again


def test_a_release_hands_the_lease_back_and_can_carry_retry_after(db: Database) -> None:
    seed = Seed(db)
    registration = seed.registration()
    assert claim(db, "a") == [registration]
    codat_checks.release(db, "someone-else", [registration])  # not theirs: nothing happens
    assert claim(db, "b") == []
    codat_checks.release(db, "a", [registration], not_before=NOW + timedelta(minutes=10))
    assert claim(db, "c", now=NOW + timedelta(minutes=5)) == []
    assert claim(db, "d", now=NOW + timedelta(minutes=10)) == [registration]


def test_a_result_is_stored_only_while_the_lease_is_held(db: Database) -> None:
    seed = Seed(db)
    registration = seed.registration()
    assert claim(db, "a") == [registration]
    assert claim(db, "b", now=NOW + LEASE) == [registration]  # "a" was too slow
    late = codat_checks.record(
        db, seed.team_id, registration, result(enabled=True), item_key=ENABLED_IN_CODAT,
        surface=Surface.job, token="a",
    )  # fmt: skip
    assert not late.applied and seed.item(registration).status == ItemStatus.todo
    written = codat_checks.record(
        db, seed.team_id, registration, result(enabled=False), item_key=ENABLED_IN_CODAT,
        surface=Surface.job, token="b",
    )  # fmt: skip
    assert written.applied and not written.ticked
    row = seed.check(registration)
    assert row is not None and row.outcome == "not_enabled" and row.claim_token is None
    assert row.next_check_at == NOW + timedelta(days=1)
    assert claim(db, "c", now=NOW + timedelta(hours=23)) == []
    assert claim(db, "d", now=NOW + timedelta(days=1)) == [registration]


def test_enabled_ticks_the_item_completes_the_registration_and_keeps_the_chain(db: Database) -> None:
    seed = Seed(db)
    registration = seed.registration()
    recorded = codat_checks.record(
        db, seed.team_id, registration, result(enabled=True, by="U0BOB"), item_key=ENABLED_IN_CODAT,
        surface=Surface.command,
    )  # fmt: skip
    assert recorded.ticked and recorded.registration_status is RegistrationStatus.completed
    item = seed.item(registration)
    assert item.status == ItemStatus.done and item.completed_by == "U0BOB" and item.completed_at == NOW
    actions = [(e.action, e.actor, e.surface) for e in seed.audit()]
    assert actions == [("checklist.done", "U0BOB", "command"), ("registration.completed", "U0BOB", "command")]
    assert verify(db).intact
    again = codat_checks.record(
        db, seed.team_id, registration, result(enabled=True), item_key=ENABLED_IN_CODAT, surface=Surface.job
    )
    assert again.applied and not again.ticked  # already done: nothing more to tick or audit
    assert len(seed.audit()) == 2
    assert claim(db, "a", now=NOW + timedelta(days=3)) == []


def test_a_cancelled_registration_is_never_ticked(db: Database) -> None:
    seed = Seed(db)
    registration = seed.registration(status=RegistrationStatus.cancelled)
    recorded = codat_checks.record(
        db, seed.team_id, registration, result(enabled=True), item_key=ENABLED_IN_CODAT, surface=Surface.job
    )
    assert recorded.applied and not recorded.ticked
    assert seed.item(registration).status == ItemStatus.todo and seed.status(registration) == "cancelled"


def test_another_workspace_cannot_record_for_a_registration(db: Database) -> None:
    registration = Seed(db).registration()
    recorded = codat_checks.record(
        db, "T0OTHER", registration, result(enabled=True), item_key=ENABLED_IN_CODAT, surface=Surface.job
    )
    assert not recorded.applied and Seed(db).check(registration) is None


def test_concurrent_claims_never_share_a_registration(db: Database) -> None:
    registrations = sorted(Seed(db, f"T0{n:03d}").registration() for n in range(12))
    start = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}

    def claimer(token: str) -> None:
        start.wait()
        mine: list[str] = []
        while batch := claim(db, token, limit=2):
            mine += batch
        claimed[token] = mine

    threads = [threading.Thread(target=claimer, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [registration for mine in claimed.values() for registration in mine]
    assert sorted(every) == registrations  # each exactly once
