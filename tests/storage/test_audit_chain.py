"""The audit chain on the configured backend (SQLite, or PostgreSQL in CI's second run): one writer
numbers and hash-chains each workspace's rows; verification names the first broken row of an
edited, deleted or reordered chain; concurrent writers never fork it."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from core.logs import REDACTED, in_flight_secrets
from storage import audit
from storage.audit_verify import Break, verify
from storage.db import Database
from storage.models import AuditEvent, AuditHead

TEAM, OTHER = "T1", "T2"


def event(n: int, actor: str = "U0ALICE") -> audit.Record:
    return audit.Record(
        actor,
        "checklist.done",
        f"step_{n}",
        registration_id="r1",
        platform="xero",
        environment="sandbox",
        surface=audit.Surface.button,
        details={"n": n},
    )


def seed(db: Database, team_id: str = TEAM, count: int = 4) -> list[AuditEvent]:
    for n in range(1, count + 1):
        audit.record(db, team_id, event(n))
    return rows(db, team_id)


def rows(db: Database, team_id: str = TEAM) -> list[AuditEvent]:
    with db.session() as session:
        query = select(AuditEvent).where(AuditEvent.team_id == team_id).order_by(AuditEvent.sequence)
        return list(session.scalars(query))


def tamper(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def only_break(db: Database) -> Break:
    report = verify(db)
    assert not report.intact
    (found,) = report.breaks
    return found


def test_each_workspace_has_its_own_numbered_chain(db: Database) -> None:
    for n in range(1, 4):
        audit.record(db, TEAM, event(n))
        audit.record(db, OTHER, event(n, actor="U0BOB"))
    audit.record(db, TEAM, event(4), event(5))  # several in one transaction

    mine = rows(db)
    assert [row.sequence for row in mine] == [1, 2, 3, 4, 5]
    assert mine[0].prev_hash == audit.GENESIS
    assert [row.prev_hash for row in mine[1:]] == [row.row_hash for row in mine[:-1]]
    assert all(row.row_hash == audit.row_hash(row.__dict__) for row in mine)
    assert (mine[0].surface, mine[0].platform, mine[0].registration_id) == ("button", "xero", "r1")
    assert [row.sequence for row in rows(db, OTHER)] == [1, 2, 3]
    with db.session() as session:
        head = session.get(AuditHead, TEAM)
        assert head is not None and (head.sequence, head.row_hash) == (5, mine[-1].row_hash)
    report = verify(db)
    assert report.intact and (report.chains, report.rows) == (2, 8)


def test_an_edited_row_is_named(db: Database) -> None:
    chain = seed(db)
    tamper(db, "UPDATE audit_events SET actor = 'U0MALLORY' WHERE id = :id", id=chain[1].id)
    assert only_break(db) == Break(
        TEAM, 2, chain[1].id, "its content does not match its row_hash: the row was edited"
    )


def test_edited_details_are_named(db: Database) -> None:
    chain = seed(db)
    with db.session() as session:  # the JSON column, written as the ORM writes it
        row = session.get(AuditEvent, chain[2].id)
        assert row is not None
        row.details = {"n": 99}
    found = only_break(db)
    assert (found.sequence, found.row_id) == (3, chain[2].id) and "edited" in found.problem


def test_a_deleted_row_is_named_at_the_row_after_the_gap(db: Database) -> None:
    chain = seed(db)
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=chain[1].id)
    assert only_break(db) == Break(TEAM, 3, chain[2].id, "sequence 2 is missing: rows were deleted")


def test_a_deleted_and_renumbered_row_breaks_the_links(db: Database) -> None:
    chain = seed(db)
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=chain[1].id)
    for row in chain[2:]:
        tamper(db, "UPDATE audit_events SET sequence = sequence - 1 WHERE id = :id", id=row.id)
    found = only_break(db)
    assert (found.sequence, found.row_id) == (2, chain[2].id)
    assert "does not follow the row before it" in found.problem


def test_deleting_the_last_rows_is_seen_by_the_head(db: Database) -> None:
    chain = seed(db)
    tamper(db, "DELETE FROM audit_events WHERE id IN (:a, :b)", a=chain[2].id, b=chain[3].id)
    assert only_break(db) == Break(TEAM, 3, None, "sequences 3-4 are missing: rows were deleted")


def test_a_reordered_pair_is_named(db: Database) -> None:
    chain = seed(db)
    second, third = chain[1], chain[2]
    # Swap their places (through a free number: (team, sequence) is unique).
    tamper(db, "UPDATE audit_events SET sequence = -1 WHERE id = :id", id=second.id)
    tamper(db, "UPDATE audit_events SET sequence = 2 WHERE id = :id", id=third.id)
    tamper(db, "UPDATE audit_events SET sequence = 3 WHERE id = :id", id=second.id)
    found = only_break(db)
    assert (found.team_id, found.sequence, found.row_id) == (TEAM, 2, third.id)
    assert "does not follow the row before it" in found.problem


def test_a_break_in_one_workspace_names_only_that_one(db: Database) -> None:
    seed(db, OTHER, 2)
    chain = seed(db)
    tamper(db, "UPDATE audit_events SET action = 'nothing.happened' WHERE id = :id", id=chain[0].id)
    report = verify(db)
    assert [(b.team_id, b.sequence) for b in report.breaks] == [(TEAM, 1)]
    assert verify(db, OTHER).intact and (report.chains, report.rows) == (2, 6)


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    def write(worker: int) -> None:
        for n in range(10):
            audit.record(db, TEAM, event(worker * 100 + n, actor=f"U{worker}"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, range(6)))
    assert [row.sequence for row in rows(db)] == list(range(1, 61))
    report = verify(db)
    assert report.intact and report.rows == 60


def test_a_value_being_stored_never_reaches_a_row(db: Database) -> None:
    value = "s3cret-value-in-flight"
    with in_flight_secrets.track(value):
        audit.record(
            db, TEAM, audit.Record("U1", "credentials.store_failed", "r1", details={"oops": [value]})
        )
    (row,) = rows(db)
    assert row.details == {"oops": [REDACTED]}
    assert verify(db).intact


def test_each_committed_row_is_one_audit_log_line_with_its_place_in_the_chain(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="codat_register.audit"):
        audit.record(db, TEAM, event(1), event(2))
        with pytest.raises(RuntimeError), db.write_session() as session:
            audit.append(session, TEAM, event(3))
            raise RuntimeError("rolled back: logs nothing")
    lines = [record for record in caplog.records if getattr(record, "audit", False)]
    assert [(line.sequence, line.row_hash) for line in lines] == [  # type: ignore[attr-defined]
        (row.sequence, row.row_hash) for row in rows(db)
    ]
    assert all(line.surface == "button" and not hasattr(line, "details") for line in lines)  # type: ignore[attr-defined]
