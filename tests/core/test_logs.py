"""The redacting log filter: values go, the structure of the record stays."""

from __future__ import annotations

import io
import logging

from core.logs import REDACTED, scrub

SECRET = "typed-into-a-modal-7f3a"


def _parse(raw: str) -> dict[str, str]:
    raise ValueError(f"could not parse payload={raw}")


def _fails_while_holding_a_body(raw: str) -> None:
    body = _parse(raw)  # the traceback shows this line, then the frame and line of _parse
    print(body)


def test_a_logged_exception_keeps_its_traceback_after_a_body(log_output: io.StringIO) -> None:
    logger = logging.getLogger("codat_register.test_logs")
    try:
        _fails_while_holding_a_body(f"payload=%7B%22value%22%3A%22{SECRET}%22%7D")
    except ValueError:
        logger.exception("request failed, body=%s", f"payload={SECRET}")
    logged = log_output.getvalue()
    assert SECRET not in logged
    assert f"request failed, body={REDACTED}" in logged
    # The traceback is whole: its header, every frame, the source lines, and the exception line.
    assert "Traceback (most recent call last):" in logged
    assert "in test_a_logged_exception_keeps_its_traceback_after_a_body" in logged
    assert "in _fails_while_holding_a_body" in logged
    assert f"body = {REDACTED}" in logged
    assert "in _parse" in logged
    assert f"ValueError: could not parse payload={REDACTED}" in logged
    assert logged.rstrip().endswith(f"ValueError: could not parse payload={REDACTED}")


def test_a_multi_line_value_is_redacted_to_its_closing_bracket() -> None:
    text = 'state: {\n  "values": {\n    "x": "' + SECRET + '"\n  }\n}\nnext line stays'
    assert scrub(text) == f"state: {REDACTED}\nnext line stays"


def test_a_multi_line_value_never_swallows_the_traceback_after_it() -> None:
    text = (
        "payload: {\n"
        f'  "token": "{SECRET}",\n'
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "KeyError: 'user'"
    )
    assert scrub(text).splitlines() == [
        f"payload: {REDACTED}",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in f',
        "KeyError: 'user'",
    ]


def test_words_that_only_contain_a_key_are_left_alone() -> None:
    assert scrub("everybody: hello") == "everybody: hello"
    assert scrub(f"request_body={SECRET}") == f"request_body={REDACTED}"
    assert scrub(f"{{'payload': '{SECRET}'}}") == f"{{'payload': {REDACTED}"


def test_tokens_are_redacted_anywhere() -> None:
    assert scrub("sent with xoxb-1234567890-abcdef") == f"sent with {REDACTED}"
