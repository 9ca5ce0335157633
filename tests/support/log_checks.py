"""What a refused request may leave in the logs: at most the lines asked for, never a traceback,
an ERROR or the request's own words."""

from __future__ import annotations

import io
import logging

import pytest


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    """The test's own records (not its fixtures') at exactly `level`."""
    return [record for record in caplog.get_records("call") if record.levelno == level]


def assert_clean(
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    *,
    never: tuple[str, ...] = (),
) -> None:
    """No ERROR, no traceback (in the records, the formatted log or the server's stderr), and none
    of the strings in `never` anywhere."""
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.get_records("call") if r.exc_info or r.exc_text]
    captured = capsys.readouterr()
    for text in (caplog.text, log_output.getvalue(), captured.err, captured.out):
        assert "Traceback" not in text, text
        for word in never:
            assert word not in text, f"{word!r} reached the logs"
