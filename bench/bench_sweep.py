"""How long the reminder sweep's claim takes, by table size and number due, on SQLite and PostgreSQL.

    python -m bench.bench_sweep [--rows 100000 1000000] [--due 1000 10000]
                                [--backend sqlite|postgres|both] [--repeat 3]
                                [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each table size gets a fresh database (a temporary SQLite file, or a new PostgreSQL schema dropped
afterwards) migrated with the real Alembic migrations, then bulk-loaded (executemany / COPY):
10 checklist items per registration, 70% done, 30% open with a reminder in the coming month.
For each "due" count, that many open items are made due, and the real claiming transaction
(`claim_in` in `write_session`, as `claim_due` runs it) leases them all in one batch (limit = due,
so the check for more due items runs too); the time to then read their registrations (no locks
held) is shown beside it. The rows are reset (and vacuumed on PostgreSQL, as autovacuum would)
before the next repetition.
Goal: at 1M rows and 10k due, claim ≤ 200 ms on PostgreSQL; 10× the rows with the same number due
costs < 2× the time (the partial index makes the claim cost what is due, not the table size).
On SQLite the ratio is shown for information: the scan is the same index range, but 10k due rows
scattered over a 10× larger file land on about twice as many distinct pages (at 100k rows they
cover nearly every page already), and each dirty page is written to the WAL at commit.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.reminder_claims import claim_in, due_scan, load_claimed

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)
LEASE = timedelta(minutes=10)
ITEMS_PER_REGISTRATION = 10
ITEMS_PER_OWNER = 20
OPEN_SHARE = 0.3
GOAL_MS = 200.0
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ITEM_COLUMNS = (
    "id",
    "registration_id",
    "team_id",
    "item_key",
    "position",
    "status",
    "owner_user_id",
    "next_reminder_at",
    "reminder_count",
    "updated_at",
)
PLACEHOLDERS = ", ".join("?" * 10)  # both tables are loaded with 10 columns
REGISTRATION_COLUMNS = (
    "id",
    "team_id",
    "platform",
    "environment",
    "status",
    "step",
    "created_by",
    "answers",
    "created_at",
    "updated_at",
)


@contextmanager
def fresh_database(backend: str, postgres_url: str) -> Iterator[Database]:
    """A migrated, empty database: a temporary SQLite file or a new PostgreSQL schema."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as directory:
            db = Database(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
            try:
                db.upgrade()
                yield db
            finally:
                db.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(url.render_as_string(hide_password=False))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite_time(moment: datetime) -> str:
    # The text form SQLAlchemy's DateTime stores on SQLite (UTC, no offset): comparisons are textual.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(rows: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[int]]:
    """Registrations, items and the ids of the open items (candidates to make due)."""
    rng = random.Random(seed)
    registrations, items, open_ids = [], [], []
    for r in range(rows // ITEMS_PER_REGISTRATION):
        registration_id = f"{r:032x}"
        team_id = f"T{r:09d}"  # one team each: the in-progress uniqueness is per team
        registrations.append(
            (registration_id, team_id, "xero", "sandbox", "in_progress", "prerequisites", "U0CREATOR", "{}")
        )
        for k in range(ITEMS_PER_REGISTRATION):
            item_id = r * ITEMS_PER_REGISTRATION + k + 1
            is_open = rng.random() < OPEN_SHARE
            next_at = (
                NOW + timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600)) if is_open else None
            )
            owner = f"U{(item_id // ITEMS_PER_OWNER):09d}"
            items.append(
                (
                    item_id,
                    registration_id,
                    team_id,
                    f"item_{k}",
                    k,
                    "todo" if is_open else "done",
                    owner,
                    next_at,
                )
            )
            if is_open:
                open_ids.append(item_id)
    return registrations, items, open_ids


def load(db: Database, rows: int) -> list[int]:
    """Bulk-load `rows` checklist items; returns the open item ids."""
    registrations, items, open_ids = generate(rows)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.dialect == "postgresql":
            with cursor.copy(f"COPY registrations ({', '.join(REGISTRATION_COLUMNS)}) FROM STDIN") as copy:
                for row in registrations:
                    copy.write_row((*row, NOW, NOW))
            with cursor.copy(f"COPY checklist_items ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
                for row in items:
                    copy.write_row((*row, 0, NOW))
            raw.commit()
        else:
            stamp = _sqlite_time(NOW)
            cursor.execute("BEGIN")
            cursor.executemany(
                f"INSERT INTO registrations ({', '.join(REGISTRATION_COLUMNS)}) VALUES ({PLACEHOLDERS})",
                [(*row, stamp, stamp) for row in registrations],
            )
            cursor.executemany(
                f"INSERT INTO checklist_items ({', '.join(ITEM_COLUMNS)}) VALUES ({PLACEHOLDERS})",
                [(*row[:7], _sqlite_time(row[7]) if row[7] else None, 0, stamp) for row in items],
            )
            cursor.execute("COMMIT")
            cursor.execute("ANALYZE")
        cursor.close()
    finally:
        raw.close()
    vacuum(db)
    return open_ids


def _execute(db: Database, sql: str, params: list[dict[str, Any]] | dict[str, Any]) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def make_due(db: Database, ids: list[int]) -> None:
    params = [{"id": i, "at": NOW - timedelta(minutes=1 + n % 600)} for n, i in enumerate(ids)]
    if db.dialect == "sqlite":
        params = [{"id": p["id"], "at": _sqlite_time(p["at"])} for p in params]
    _execute(db, "UPDATE checklist_items SET next_reminder_at = :at WHERE id = :id", params)
    vacuum(db)


def reset(db: Database, ids: list[int]) -> None:
    at = NOW + timedelta(days=3)
    value: Any = _sqlite_time(at) if db.dialect == "sqlite" else at
    _execute(
        db,
        "UPDATE checklist_items SET next_reminder_at = :at, claimed_until = NULL, claim_token = NULL "
        "WHERE id = :id",
        [{"id": i, "at": value} for i in ids],
    )


def vacuum(db: Database) -> None:
    """What autovacuum does between sweeps in production (PostgreSQL); SQLite needs nothing."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE checklist_items"))


def plan(db: Database) -> str:
    """Whether the due scan uses the partial index, as the planner sees this table."""
    compiled = due_scan(NOW, 10_000, skip_locked=False).compile(dialect=db.engine.dialect)
    with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            lines = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars().all()
        else:
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            lines = [
                str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params)
            ]
    return "partial index" if any("ix_checklist_items_due" in line for line in lines) else " | ".join(lines)


def claim_timed(db: Database, due: int, token: str) -> tuple[list[Any], float, float]:
    """The claiming transaction, then the registration read; both timed (ms)."""
    started = time.perf_counter()
    with db.write_session() as session:
        ids = claim_in(session, now=NOW, lease_until=NOW + LEASE, token=token, limit=due)
    claimed_at = time.perf_counter()
    items = load_claimed(db, token, ids)
    done = time.perf_counter()
    return items, (claimed_at - started) * 1000, (done - started) * 1000


def measure(db: Database, open_ids: list[int], due: int, repeat: int) -> tuple[list[float], list[float]]:
    chosen = random.Random(due).sample(open_ids, due)
    claims, totals = [], []
    for attempt in range(repeat):
        make_due(db, chosen)
        claimed, claim_ms, total_ms = claim_timed(db, due, f"bench{attempt}")
        if len(claimed) < due:
            raise AssertionError(f"claimed {len(claimed)} of {due}")
        claims.append(claim_ms)
        totals.append(total_ms)
        reset(db, [item.id for item in claimed])
    return claims, totals


def run(backend: str, rows_list: list[int], due_list: list[int], repeat: int, postgres_url: str) -> dict:
    results: dict[tuple[int, int], list[float]] = {}
    for rows in rows_list:
        with fresh_database(backend, postgres_url) as db:
            started = time.perf_counter()
            open_ids = load(db, rows)
            print(
                f"  {backend}: loaded {rows:,} rows ({len(open_ids):,} open) in "
                f"{time.perf_counter() - started:.1f}s; due scan: {plan(db)}",
                flush=True,
            )
            measure(db, open_ids, min(100, len(open_ids)), 1)  # warm the pool and caches
            for due in due_list:
                samples, totals = measure(db, open_ids, due, repeat)
                results[rows, due] = samples
                median = statistics.median(samples)
                print(
                    f"  {backend} {rows:>9,} rows {due:>6,} due: claim median {median:7.1f} ms"
                    f"  (min {min(samples):.1f}, max {max(samples):.1f}, n={len(samples)});"
                    f"  + reading their registrations: {statistics.median(totals):.1f} ms",
                    flush=True,
                )
    return results


def report(backend: str, results: dict, rows_list: list[int], due_list: list[int]) -> bool:
    """Print the verdicts; the goals are PostgreSQL's (SQLite's ratio is shown for information)."""
    ok = True
    smallest, largest = min(rows_list), max(rows_list)
    for due in due_list:
        if (smallest, due) in results and (largest, due) in results and largest > smallest:
            ratio = statistics.median(results[largest, due]) / statistics.median(results[smallest, due])
            times = largest // smallest
            if backend == "postgres":
                verdict = "ok" if ratio < 2 else "OVER"
                ok &= ratio < 2
            else:
                verdict = "information: scattered rows dirty more distinct pages in a larger file"
            print(
                f"  {backend} {due:,} due: {times}× rows costs {ratio:.2f}× the time ({verdict}; goal < 2×)"
            )
    target = (1_000_000, 10_000)
    if backend == "postgres" and target in results:
        median = statistics.median(results[target])
        verdict = "ok" if median <= GOAL_MS else "OVER"
        print(f"  postgres 1M rows / 10k due: {median:.1f} ms ({verdict} ≤ {GOAL_MS:.0f} ms)")
        ok &= median <= GOAL_MS
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    ok = True
    for backend in backends:
        print(f"{backend}:", flush=True)
        results = run(backend, args.rows, args.due, args.repeat, args.postgres_url)
        ok &= report(backend, results, args.rows, args.due)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
