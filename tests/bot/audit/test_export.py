"""The audit CSV and the `audit` command's words, without Slack."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from bot.audit.csv_export import COLUMNS, csv_bytes
from bot.audit.query import AuditQuery, parse_query
from bot.catalogue import Catalogue, load_catalogue
from storage.audit import Surface
from storage.audit_trail import AuditRow

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def row(**changes: object) -> AuditRow:
    values: dict[str, object] = {
        "id": 7,
        "team_id": "T1",
        "sequence": 3,
        "created_at": datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC),
        "actor": "U0ALICE",
        "action": "checklist.done",
        "subject": "vault_approved",
        "registration_id": "r1",
        "platform": "xero",
        "environment": "sandbox",
        "surface": Surface.button,
        "details": {"b": 1, "a": "é"},
        "row_hash": "ab" * 32,
    }
    return AuditRow(**{**values, **changes})  # type: ignore[arg-type]


def parsed(content: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(content.decode()))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_one_line_per_event_with_its_subject_in_the_details() -> None:
    (line,) = parsed(csv_bytes([row()]))
    assert line == {
        "time": "2026-12-01T09:30:00.123456Z",
        "team": "T1",
        "sequence": "3",
        "actor": "U0ALICE",
        "action": "checklist.done",
        "surface": "button",
        "platform": "xero",
        "environment": "sandbox",
        "registration": "r1",
        "details": '{"a":"é","b":1,"subject":"vault_approved"}',
        "row_hash": "ab" * 32,
    }
    (about_registration,) = parsed(csv_bytes([row(subject="r1", surface=None, platform=None)]))
    assert json.loads(about_registration["details"]) == {"a": "é", "b": 1}
    assert (about_registration["surface"], about_registration["platform"]) == ("", "")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused() -> None:
    (line,) = parsed(csv_bytes([row(actor='=HYPERLINK("http://x")', subject="+1")]))
    assert line["actor"] == '\'=HYPERLINK("http://x")'
    assert json.loads(line["details"])["subject"] == "+1"  # inside JSON: not a cell of its own


def test_an_empty_trail_is_the_header_alone() -> None:
    assert csv_bytes([]).decode() == ",".join(COLUMNS) + "\r\n"


@pytest.mark.parametrize(
    ("words", "platform", "since"),
    [
        ((), None, None),
        (("xero",), "xero", None),
        (("QuickBooks", "Online", "since", "2026-03-01"), "quickbooks-online", date(2026, 3, 1)),
        (("SINCE", "2026-03-01"), None, date(2026, 3, 1)),
        (("qbo", "depuis", "2026-03-01"), "quickbooks-online", date(2026, 3, 1)),
        (("2026-03-01",), None, date(2026, 3, 1)),
    ],
)
def test_the_words_it_reads(
    catalogue: Catalogue, words: tuple[str, ...], platform: str | None, since: date | None
) -> None:
    query = parse_query(catalogue, words, TODAY)
    assert isinstance(query, AuditQuery)
    assert (query.platform.id if query.platform else None, query.since) == (platform, since)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("since",), "Since when?"),
        (("since", "2026-03-01", "xero"), "Since when?"),
        (("since", "01/03/2026"), "`01/03/2026` is not a date I can read"),
        (("2026-13-01",), "`2026-13-01` is not a date I can read"),
        (("nosuchplatform",), "I don't know a platform called `nosuchplatform`"),
    ],
)
def test_the_words_it_cannot_read(catalogue: Catalogue, words: tuple[str, ...], expected: str) -> None:
    problem = parse_query(catalogue, words, TODAY)
    assert isinstance(problem, str) and expected in problem
    assert "2026-12-01" in problem or "/codat-register audit" in problem
