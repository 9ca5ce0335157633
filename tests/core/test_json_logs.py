"""LOG_FORMAT=json: one JSON object a line as Cloud Logging reads it, scrubbed before formatting."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from core.logs import REDACTED, TRACE_FIELD, configure_logging, in_flight_secrets, request_trace, trace_id
from core.settings import ConfigError, LogFormat, load_settings

PROJECT = "acme-prod"
TRACE = "105445aa7843bc8bf206b12000100000"
SECRET = "typed-into-a-modal-7f3a"

logger = logging.getLogger("codat_register.test_json_logs")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream, log_format="json", project_id=PROJECT)
    yield stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_codat_register", False):
            root.removeHandler(handler)


def entries(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed: each one must be a JSON object on its own."""
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(entry, dict) for entry in parsed)
    return parsed


def test_a_line_carries_severity_message_logger_and_an_rfc3339_time(json_lines: io.StringIO) -> None:
    logger.warning("the vault is %s", "slow")
    (entry,) = entries(json_lines)
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "the vault is slow"
    assert entry["logger"] == "codat_register.test_json_logs"
    when = datetime.fromisoformat(entry["time"])
    assert when.tzinfo is not None and abs((datetime.now(UTC) - when).total_seconds()) < 60
    assert TRACE_FIELD not in entry  # not inside a request


def test_inside_a_request_lines_carry_its_trace_and_after_it_they_do_not(json_lines: io.StringIO) -> None:
    with request_trace(f"{TRACE}/1;o=1"):
        logger.info("inside")
    logger.info("after")
    inside, after = entries(json_lines)
    assert inside[TRACE_FIELD] == f"projects/{PROJECT}/traces/{TRACE}"
    assert TRACE_FIELD not in after


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"{TRACE}/1;o=1", TRACE),
        (f"{TRACE.upper()}/123", TRACE),
        (TRACE, TRACE),
        ("", None),
        (None, None),
        ("not-a-trace/1;o=1", None),
        (f'{TRACE}/1;o=1\n{{"severity": "ERROR"}}', None),  # nothing but a trace id gets through
    ],
)
def test_only_a_well_formed_trace_header_is_used(header: str | None, expected: str | None) -> None:
    assert trace_id(header) == expected


def test_the_filter_scrubs_message_extras_and_traceback_before_the_json_is_made(
    json_lines: io.StringIO,
) -> None:
    with in_flight_secrets.track(SECRET):
        try:
            raise ValueError(f"could not parse payload={SECRET}")
        except ValueError:
            logger.exception("failed with xoxb-1234567890-abcdef, body=%s", SECRET, extra={"note": SECRET})
    (entry,) = entries(json_lines)
    text = json.dumps(entry)
    assert SECRET not in text and "xoxb-1234567890" not in text
    assert entry["severity"] == "ERROR"
    assert entry["message"] == f"failed with {REDACTED}, body={REDACTED}"
    assert entry["note"] == REDACTED
    assert "Traceback (most recent call last):" in entry["stack_trace"]
    assert entry["stack_trace"].rstrip().endswith(f"ValueError: could not parse payload={REDACTED}")


def test_log_format_defaults_to_json_in_production_and_text_elsewhere() -> None:
    production = {"APP_ENV": "production", "GCP_PROJECT_ID": PROJECT, "FINGERPRINT_KEY": "k" * 32}
    assert load_settings(**production).log_format is LogFormat.json
    assert load_settings(**production, LOG_FORMAT="text").log_format is LogFormat.text
    assert load_settings().log_format is LogFormat.text
    assert load_settings(LOG_FORMAT="JSON").log_format is LogFormat.json


def test_a_bad_log_format_names_the_setting_and_its_choices() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(LOG_FORMAT="xml")
    message = str(refused.value)
    assert message.startswith("LOG_FORMAT:") and "json" in message and "text" in message
