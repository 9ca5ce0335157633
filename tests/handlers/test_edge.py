"""The HTTP edge in front of Bolt (handlers.http): the signature is checked on the raw bytes first,
then the body — never a 5xx, never a traceback, and the body of a refused request never logged."""

from __future__ import annotations

import io
import logging
import time
import urllib.request
from urllib.error import HTTPError
from urllib.parse import quote

import pytest
from slack_bolt.middleware.request_verification import RequestVerification

from simulators.slack import payloads
from simulators.slack.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, sign_request
from tests.conftest import SIGNING_SECRET, TEAM_ID, RunningBot
from tests.support.log_checks import assert_clean, records

USER = "U0ALICE"
MARKER = "typed-by-someone-3c1f9e"


def _deep(depth: int) -> str:
    return '{"a":' * depth + f'"{MARKER}"' + "}" * depth


MALFORMED: dict[str, tuple[bytes, str]] = {
    "payload=not json": (f"payload=not%20json%20{MARKER}".encode(), FORM_CONTENT_TYPE),
    "payload= holding a JSON array": (("payload=" + quote(f'["{MARKER}"]')).encode(), FORM_CONTENT_TYPE),
    "a JSON array": (f'["{MARKER}", 2]'.encode(), JSON_CONTENT_TYPE),
    "a JSON string": (f'"{MARKER}"'.encode(), JSON_CONTENT_TYPE),
    "JSON that does not parse": (f'{{"type": "{MARKER}"'.encode(), JSON_CONTENT_TYPE),
    "invalid UTF-8": (b"payload=%7B%7D&text=\xff\xfe" + MARKER.encode(), FORM_CONTENT_TYPE),
    "JSON nested 20,000 deep": (_deep(20_000).encode(), JSON_CONTENT_TYPE),
    "payload= nested 20,000 deep": (("payload=" + quote(_deep(20_000))).encode(), FORM_CONTENT_TYPE),
}


def _post(bot: RunningBot, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(bot.url + "/slack/events", data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=20) as response:
            return response.status
    except HTTPError as error:
        with error:
            return error.code


@pytest.mark.parametrize("case", list(MALFORMED))
def test_an_unsigned_malformed_body_is_refused_before_it_is_read(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    body, content_type = MALFORMED[case]
    assert _post(bot, body, {"Content-Type": content_type}) == 401
    assert not records(caplog, logging.WARNING)
    assert_clean(caplog, log_output, capsys, never=(MARKER,))


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_signed_malformed_body_gets_400_and_one_warning(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    body, content_type = MALFORMED[case]
    response = bot.events.post(body, content_type)
    assert response.status == 400
    warnings = records(caplog, logging.WARNING)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert warnings[0].name == "codat_register.http"
    assert_clean(caplog, log_output, capsys, never=(MARKER,))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},  # no signature
        {"X-Slack-Signature": "v0=" + "0" * 64},  # no timestamp
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "garbage"},
    ],
    ids=["timestamp not a number", "no signature", "no timestamp", "signature garbage"],
)
def test_malformed_signature_headers_get_401(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    headers: dict[str, str],
) -> None:
    body = payloads.slash_command_body(text=f"info {MARKER}", user_id=USER, team_id=TEAM_ID)
    assert _post(bot, body.encode(), {"Content-Type": FORM_CONTENT_TYPE, **headers}) == 401
    assert_clean(caplog, log_output, capsys, never=(MARKER,))


def test_a_signature_for_other_bytes_gets_401(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    signed = payloads.slash_command_body(text="help", user_id=USER, team_id=TEAM_ID)
    sent = payloads.slash_command_body(text=f"info {MARKER}", user_id=USER, team_id=TEAM_ID)
    headers = sign_request(signed, SIGNING_SECRET)
    assert _post(bot, sent.encode(), headers) == 401
    assert_clean(caplog, log_output, capsys, never=(MARKER,))


def test_a_body_over_the_limit_gets_413_without_being_read(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from handlers.http import MAX_BODY_BYTES

    # The length is announced, the bytes never sent: the answer must not wait for them.
    body = f"payload={MARKER}".encode()
    headers = {"Content-Type": FORM_CONTENT_TYPE, "Content-Length": str(MAX_BODY_BYTES + 1)}
    assert _post(bot, body, headers) == 413
    assert_clean(caplog, log_output, capsys, never=(MARKER,))


def test_a_signed_well_formed_command_still_gets_its_answer(bot: RunningBot) -> None:
    response = bot.events.command("info qbo", user_id=USER)
    assert response.status == 200
    assert response.body["blocks"][0]["text"]["text"] == "QuickBooks Online"


def test_the_signature_is_checked_once_at_the_edge_and_not_again_by_bolt(bot: RunningBot) -> None:
    """The edge checks the raw bytes before Bolt parses them (the tests above); Bolt's own check,
    which would repeat it on the decoded body, is off. The app is only ever served through the
    edge (handlers.http.make_wsgi_app): a forged command is refused there and never dispatched."""
    from handlers import build_app

    app = build_app(bot.deps)
    assert not any(isinstance(m, RequestVerification) for m in app._middleware_list)
    body = "command=%2Fcodat-register&text=help&team_id=T1&user_id=U1"
    headers = {"Content-Type": FORM_CONTENT_TYPE, "X-Slack-Request-Timestamp": str(int(time.time()))}
    assert _post(bot, body.encode(), {**headers, "X-Slack-Signature": "v0=" + "0" * 64}) == 401
