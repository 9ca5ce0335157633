"""Logging that cannot leak credentials.

Every handler gets a RedactingFilter that rewrites the formatted record before it is emitted:
- values registered as in-flight secrets (the vault registers each value while it stores it);
- Slack tokens and signing material, and the secure page's link tokens;
- request bodies (Bolt's failed-signature line logs the raw body at INFO; form payloads carry
  everything a user typed in a modal).
Third-party loggers that can log payloads are capped at WARNING unless LOG_LEVEL is DEBUG *and*
the operator opts in with LOG_THIRD_PARTY_DEBUG.

Two formats (LOG_FORMAT): `text`, one readable line, or `json`, one JSON object a line with the
fields Cloud Logging reads (python-json-logger). Either way the filter has scrubbed the record
before the formatter sees it. A line logged while serving a request carries that request's trace
(`request_trace`, set by the WSGI layer from X-Cloud-Trace-Context).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"
NOISY_LOGGERS = ("slack_bolt", "slack_sdk", "google", "grpc", "urllib3", "apscheduler.executors")

_TOKEN = re.compile(r"\b(xox[abprs]|xapp|xoxe)-[0-9A-Za-z-]{6,}")
# A secure page link's token (bot.secure_page.tokens: 16 hex digits, a dot, 32 URL-safe characters).
_LINK_TOKEN = re.compile(r"\b[0-9a-f]{16}\.[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])")
# `body=…`, `payload: …`, `'state': …`: the value runs to the end of its line (and, when it opens
# brackets it does not close, over the lines that close them); the lines around it stay.
_BODY = re.compile(r"(?<![A-Za-z])(body|payload|state|values|raw_body)(['\"]?\s*[:=]\s*)(.*)", re.IGNORECASE)
# Lines that belong to a traceback's structure: a multi-line value never swallows them.
_STRUCTURE = re.compile(
    r"Traceback \(most recent call last\):|  File \"|During handling of|The above exception"
    r"|[A-Za-z_][\w.]*(:|$)"  # the exception line: "ValueError: …"
)
_OPENERS, _CLOSERS = "{[(", "}])"
# What every LogRecord has; anything else on a record came from `extra=` and is scrubbed too.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS (a 32-hex-digit trace id; the rest optional).
_TRACE_HEADER = re.compile(r"([0-9a-fA-F]{32})(?:/[0-9]{0,20})?(?:;o=[0-9])?")
TRACE_FIELD = "logging.googleapis.com/trace"
_trace: ContextVar[str | None] = ContextVar("codat_register_trace", default=None)


class _InFlightSecrets:
    """Secret values being handled right now; removed as soon as the vault call returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}

    @contextmanager
    def track(self, *values: str) -> Iterator[None]:
        values = tuple(v for v in values if v and len(v) >= 4)
        with self._lock:
            for value in values:
                self._values[value] = self._values.get(value, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                for value in values:
                    left = self._values.get(value, 0) - 1
                    if left <= 0:
                        self._values.pop(value, None)
                    else:
                        self._values[value] = left

    def scrub(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


in_flight_secrets = _InFlightSecrets()


def _depth(text: str) -> int:
    """How many brackets `text` leaves open (closing ones count down)."""
    return sum(text.count(c) for c in _OPENERS) - sum(text.count(c) for c in _CLOSERS)


def _redact_bodies(text: str) -> str:
    """Replace the value of every body-like key with REDACTED, keeping every other line."""
    if not _BODY.search(text):
        return text
    kept: list[str] = []
    open_brackets = 0  # of a redacted value that continues on the next lines
    for line in text.split("\n"):
        if open_brackets > 0 and not _STRUCTURE.match(line):
            open_brackets += _depth(line)  # a continuation line of the value: dropped
            continue
        open_brackets = 0
        match = _BODY.search(line)
        if match:
            open_brackets = _depth(match.group(3))
            line = f"{line[: match.start()]}{match.group(1)}{match.group(2)}{REDACTED}"
        kept.append(line)
    return "\n".join(kept)


def scrub(text: str) -> str:
    """Remove anything that may carry a credential from a log line, keeping the line's structure."""
    text = in_flight_secrets.scrub(text)
    text = _TOKEN.sub(REDACTED, text)
    text = _LINK_TOKEN.sub(REDACTED, text)
    return _redact_bodies(text)


class RedactingFilter(logging.Filter):
    """Formats the record once, scrubs it, and freezes the result so no handler sees the raw args."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for key, value in list(record.__dict__.items()):  # fields from `extra=` (JSON shows them)
            if isinstance(value, str) and key not in _RECORD_FIELDS:
                record.__dict__[key] = scrub(value)
        return True


def trace_id(header: str | None) -> str | None:
    """The trace id of an X-Cloud-Trace-Context header; None when absent or malformed."""
    match = _TRACE_HEADER.fullmatch(header.strip()) if header else None
    return match.group(1).lower() if match else None


@contextmanager
def request_trace(header: str | None) -> Iterator[None]:
    """Lines logged inside (and by work submitted from inside: Background copies the context)
    carry the trace of the request whose X-Cloud-Trace-Context is `header`; cleared after."""
    token = _trace.set(trace_id(header))
    try:
        yield
    finally:
        _trace.reset(token)


class CloudLoggingFormatter(JsonFormatter):
    """One JSON object a line: `severity`, `message`, `logger`, `time` (RFC 3339, UTC), the
    traceback as `stack_trace` (where Error Reporting looks), any `extra=` fields, and inside a
    request that carried X-Cloud-Trace-Context, `logging.googleapis.com/trace`."""

    def __init__(self, project_id: str | None = None) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "severity", "name": "logger", "exc_info": "stack_trace"},
            timestamp="time",
            json_ensure_ascii=False,
        )
        self._project_id = project_id

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        trace = _trace.get()
        if trace and self._project_id:  # Cloud Logging wants the trace's full resource name
            log_data[TRACE_FIELD] = f"projects/{self._project_id}/traces/{trace}"


def configure_logging(
    level: str = "INFO", stream: object = None, *, log_format: str = "text", project_id: str | None = None
) -> None:
    """Set up the root logger with a redacting handler, in `log_format` ("text" or "json"; json
    names traces under `project_id`); idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_codat_register", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler._codat_register = True  # type: ignore[attr-defined]
    if log_format == "json":
        handler.setFormatter(CloudLoggingFormatter(project_id))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    third_party_debug = level == "DEBUG" and os.environ.get("LOG_THIRD_PARTY_DEBUG") == "1"
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if third_party_debug else logging.WARNING)
