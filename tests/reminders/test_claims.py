"""The claim queries on the configured backend: the partial index, leases, tokens, and concurrent
claims that never overlap (PostgreSQL: SKIP LOCKED; SQLite: one write transaction)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import event, select, text

from storage.db import Database
from storage.models import ChecklistItem
from storage.reminder_claims import (
    ClaimedItem,
    Sent,
    claim_due,
    claim_in,
    due_scan,
    mark_sent,
    release,
)
from storage.statuses import ItemStatus
from tests.reminders.conftest import ALICE, BOB, WEDNESDAY_10_UTC, Seed

NOW = WEDNESDAY_10_UTC
LEASE = timedelta(minutes=10)


def due_items(seed: Seed, count: int) -> list[int]:
    """`count` due items, oldest first, each with its own owner."""
    registration = seed.registration(created_by=ALICE)
    return [
        seed.item(registration, f"step_{n}", owner=f"U0OWNER{n}", next_at=NOW - timedelta(minutes=count - n))
        for n in range(count)
    ]


def ids(claimed: list[ClaimedItem]) -> list[int]:
    return [item.id for item in claimed]


def test_due_scan_reads_the_partial_index(db: Database) -> None:
    scan = due_scan(NOW, 100, skip_locked=False)
    compiled = scan.compile(dialect=db.engine.dialect)
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars().all()
        else:
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
            plan = [str(row[-1]) for row in rows]
    assert any("ix_checklist_items_due" in line for line in plan), plan


def test_claim_takes_due_items_oldest_first_as_a_lease(db: Database, seed: Seed) -> None:
    items = due_items(seed, 5)
    registration = seed.registration(created_by=ALICE, platform="sage-intacct")
    not_yet = seed.item(registration, "vault_approved", owner=ALICE, next_at=NOW + timedelta(hours=1))
    seed.item(registration, "contact_owner", owner=ALICE, next_at=NOW, status=ItemStatus.done)

    first = claim_due(db, now=NOW, lease=LEASE, token="a", limit=3)
    assert ids(first) == items[:3]
    assert first[0].platform == "xero" and first[0].created_by == ALICE
    row = seed.get(items[0])
    assert row.claim_token == "a" and row.claimed_until == NOW + LEASE
    assert row.next_reminder_at is not None and row.next_reminder_at < NOW
    assert ids(claim_due(db, now=NOW, lease=LEASE, token="b", limit=10)) == items[3:]
    assert claim_due(db, now=NOW, lease=LEASE, token="c", limit=10) == []
    # The lease ends: the items are due again, and nothing else became due.
    assert ids(claim_due(db, now=NOW + LEASE, lease=LEASE, token="d", limit=10)) == items
    assert seed.get(not_yet).claim_token is None


def test_a_full_batch_takes_all_due_items_of_its_owners(db: Database, seed: Seed) -> None:
    registration = seed.registration(created_by=ALICE)
    alice = [
        seed.item(registration, f"a{n}", owner=ALICE, next_at=NOW - timedelta(minutes=10 - n * 5))
        for n in range(2)
    ]
    bob = seed.item(registration, "b", owner=BOB, next_at=NOW - timedelta(minutes=7))
    # The batch of 2 (Alice's first, Bob's) grows to Alice's second: never split an owner.
    assert ids(claim_due(db, now=NOW, lease=LEASE, token="a", limit=2)) == sorted([*alice, bob])


def test_only_the_claiming_sweep_can_advance_or_release(db: Database, seed: Seed) -> None:
    (item,) = due_items(seed, 1)
    claim_due(db, now=NOW, lease=LEASE, token="old", limit=10)
    later = NOW + LEASE
    claim_due(db, now=later, lease=LEASE, token="new", limit=10)  # the old lease expired
    mark_sent(db, "old", [Sent(item, NOW + timedelta(days=2))], NOW)
    release(db, "old", [item], next_reminder_at=None)
    row = seed.get(item)
    assert row.claim_token == "new" and row.reminder_count == 0 and row.claimed_until == later + LEASE
    mark_sent(db, "new", [Sent(item, later + timedelta(days=2))], later)
    row = seed.get(item)
    assert row.claim_token is None and row.reminder_count == 1 and row.last_reminded_at == later


class Waiting:
    """Sees a second sweep's claim start waiting for the first: on PostgreSQL its advisory lock is
    requested and not granted; on SQLite its BEGIN IMMEDIATE has started (it can't finish while
    another transaction holds the write lock)."""

    def __init__(self, db: Database, other: Database) -> None:
        self.db, self.began = db, threading.Event()
        if db.dialect == "sqlite":

            def trace(statement: str) -> None:
                if statement.startswith("BEGIN IMMEDIATE"):
                    self.began.set()

            event.listen(
                other.engine, "connect", lambda connection, _record: connection.set_trace_callback(trace)
            )

    def wait(self, timeout: float = 10) -> bool:
        if self.db.dialect == "sqlite":
            return self.began.wait(timeout)
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(int(timeout / 0.02)):
            with self.db.engine.connect() as connection:
                if connection.execute(waiting).scalar():
                    return True
            time.sleep(0.02)
        return False


def test_concurrent_claims_take_turns_and_never_overlap(db: Database, seed: Seed) -> None:
    items = due_items(seed, 10)
    other = Database(db.url)
    waiting = Waiting(db, other)
    try:
        results: dict[str, list[int]] = {}
        with db.write_session() as session:  # sweep A claims 5 and has not committed yet
            results["a"] = claim_in(session, now=NOW, lease_until=NOW + LEASE, token="a", limit=5)
            thread = threading.Thread(
                target=lambda: results.update(
                    b=ids(claim_due(other, now=NOW, lease=LEASE, token="b", limit=100))
                )
            )
            thread.start()
            assert waiting.wait(), "sweep B's claim never started waiting for A's"
            assert "b" not in results, "sweep B must wait for A's claim to commit"
        thread.join(timeout=10)
    finally:
        other.dispose()
    assert results["a"] == items[:5] and results["b"] == items[5:]


def test_claims_skip_rows_someone_is_writing_instead_of_waiting(db: Database, seed: Seed) -> None:
    items = due_items(seed, 4)
    other = Database(db.url)
    waiting = Waiting(db, other)
    try:
        with db.engine.connect() as writer:
            transaction = writer.begin()
            # A button click holds item 0 (PostgreSQL: a row lock; SQLite: the write lock).
            locked = select(ChecklistItem.id).where(ChecklistItem.id == items[0])
            if db.dialect == "postgresql":
                writer.execute(locked.with_for_update())
                # Returns at all only by skipping: waiting would outlast the claim's lock_timeout.
                claimed = ids(claim_due(other, now=NOW, lease=LEASE, token="b", limit=100))
                assert claimed == items[1:]  # skipped, not waited for
                transaction.commit()
                assert ids(claim_due(other, now=NOW, lease=LEASE, token="c", limit=100)) == items[:1]
            else:
                writer.execute(
                    text("UPDATE checklist_items SET reminder_count = 0 WHERE id = :id"), {"id": items[0]}
                )
                result: list[int] = []
                thread = threading.Thread(
                    target=lambda: result.extend(
                        ids(claim_due(other, now=NOW, lease=LEASE, token="b", limit=9))
                    )
                )
                thread.start()
                assert waiting.wait(), "the claim never started"
                assert result == []  # SQLite has one writer: the claim waits for the commit
                transaction.commit()
                thread.join(timeout=10)
                assert result == items
    finally:
        other.dispose()
