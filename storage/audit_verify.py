"""Checking the audit chains (`python app.py audit verify`, and each export).

A workspace's chain holds when its rows, in sequence order, are numbered 1, 2, 3 … with no gap,
each row's `prev_hash` is the `row_hash` of the row before it (the first row's is GENESIS), each
`row_hash` is the SHA-256 of the row's canonical content, and the workspace's head (audit_heads)
records the last row. The first row where one of these fails is the chain's first broken row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Row, Table, select

from storage.audit import GENESIS, row_hash
from storage.db import Database
from storage.models import AuditEvent, AuditHead

_AUDIT = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditHead.__table__)
_BATCH = 1000


@dataclass(frozen=True)
class Break:
    """The first broken row of a chain: where (row_id None: the row is missing) and what is wrong."""

    team_id: str
    sequence: int
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        row = f"id {self.row_id}" if self.row_id is not None else "no row"
        return f"team {self.team_id}, sequence {self.sequence}, {row}: {self.problem}"


@dataclass(frozen=True)
class Report:
    """What a verification found: the chains and rows read, and the first break of each broken chain."""

    chains: int
    rows: int
    breaks: tuple[Break, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(db: Database, team_id: str | None = None) -> Report:
    """Check every workspace's chain (or one workspace's), reading the rows in batches."""
    query = select(_AUDIT).order_by(_AUDIT.c.team_id, _AUDIT.c.sequence, _AUDIT.c.id)
    heads_query = select(_HEADS.c.team_id, _HEADS.c.sequence, _HEADS.c.row_hash)
    if team_id is not None:
        query = query.where(_AUDIT.c.team_id == team_id)
        heads_query = heads_query.where(_HEADS.c.team_id == team_id)
    breaks: list[Break] = []
    rows = 0
    with db.engine.connect() as connection:
        heads = {head.team_id: (head.sequence, head.row_hash) for head in connection.execute(heads_query)}
        result = connection.execution_options(yield_per=_BATCH).execute(query)
        seen: set[str] = set()
        for team, chain in groupby(result, key=lambda row: str(row.team_id)):
            seen.add(team)
            count, found = _check_chain(team, chain, heads.get(team))
            rows += count
            breaks += [found] if found else []
    for team in sorted(set(heads) - seen):  # a head whose rows are all gone
        sequence, _ = heads[team]
        if sequence:
            breaks.append(Break(team, 1, None, _missing(1, sequence)))
    return Report(chains=len(seen | set(heads)), rows=rows, breaks=tuple(breaks))


def _check_chain(
    team: str, chain: Iterable[Row[Any]], head: tuple[int, str] | None
) -> tuple[int, Break | None]:
    """How many rows the chain has, and its first break (None: intact)."""
    expected, prev_hash, count, found = 1, GENESIS, 0, None
    for row in chain:
        count += 1
        if found is not None:
            continue  # counted; the first break is what matters
        problem = _problem(row._mapping, expected, prev_hash)
        if problem:
            found = Break(team, row.sequence, row.id, problem)
            continue
        expected, prev_hash = row.sequence + 1, row.row_hash
    if found is not None:
        return count, found
    last = expected - 1
    if head is None:
        return count, Break(
            team, last, None, "the workspace has no chain head (audit_heads): its end is not anchored"
        )
    head_sequence, head_hash = head
    if head_sequence > last:
        return count, Break(team, last + 1, None, _missing(last + 1, head_sequence))
    if (head_sequence, head_hash) != (last, prev_hash):
        problem = f"the chain head records sequence {head_sequence}, not this last row: the head was changed"
        return count, Break(team, last, None, problem)
    return count, None


def _problem(row: Any, expected: int, prev_hash: str) -> str | None:
    if row["sequence"] > expected:
        return _missing(expected, row["sequence"] - 1)
    if row["sequence"] < expected:
        return f"sequence {row['sequence']} comes again after {expected - 1}: rows were reordered or copied"
    if row["prev_hash"] != prev_hash:
        return (
            "it does not follow the row before it (prev_hash differs): rows were reordered, or the row "
            "before it was deleted or rewritten"
        )
    if row_hash(row) != row["row_hash"]:
        return "its content does not match its row_hash: the row was edited"
    return None


def _missing(first: int, last: int) -> str:
    which = f"sequence {first} is" if first == last else f"sequences {first}-{last} are"
    return f"{which} missing: rows were deleted"


__all__ = ["Break", "Report", "verify"]
