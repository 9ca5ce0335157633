"""CodatClient against the Codat stand-in (and a dead and a silent port) over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import dataclasses
import logging
import secrets
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.codat import (
    KEY_REFUSED_MESSAGE,
    CodatClient,
    IntegrationCheck,
    IntegrationOutcome,
    parse_retry_after,
)
from simulators.codat import CodatStandIn

# Unique per run, so finding it anywhere is a leak and not a coincidence.
API_KEY = "codat-test-key-" + secrets.token_hex(12)
API_KEY_B64 = base64.b64encode(API_KEY.encode()).decode()
NOW = datetime(2030, 3, 4, 5, 6, 7, tzinfo=UTC)
Outcome = IntegrationOutcome


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; none may send loopback traffic elsewhere."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin() -> Iterator[CodatStandIn]:
    with CodatStandIn(api_key=API_KEY) as running:
        yield running
    assert running.errors == []


@pytest.fixture
def client(standin: CodatStandIn) -> Iterator[CodatClient]:
    with CodatClient(standin.url, API_KEY, timeout=5, clock=lambda: NOW) as codat:
        yield codat


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nothing else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts the connection (in the backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        yield sock.getsockname()[1]


# -- every outcome --------------------------------------------------------------------------------
def test_enabled(standin: CodatStandIn, client: CodatClient) -> None:
    standin.set_enabled("gbol", True)

    check = client.integration_status("gbol")

    assert check == IntegrationCheck("gbol", Outcome.ENABLED, name="Xero", http_status=200)
    assert check.enabled is True
    assert check.reason == "enabled in Codat"
    assert standin.calls("/integrations/gbol") == 1
    assert standin.recorded_calls()[0].authorized is True


def test_not_enabled(standin: CodatStandIn, client: CodatClient) -> None:
    check = client.integration_status("qhyg")

    assert check.outcome is Outcome.NOT_ENABLED
    assert check.name == "QuickBooks Online"
    assert check.enabled is False
    assert check.reason == "not enabled in Codat"


def test_flipping_enabled_is_seen_on_the_next_check(standin: CodatStandIn, client: CodatClient) -> None:
    assert client.integration_status("knfz").outcome is Outcome.NOT_ENABLED
    standin.set_enabled("knfz", True)
    assert client.integration_status("knfz").outcome is Outcome.ENABLED
    assert standin.calls("/integrations/knfz") == 2


def test_wrong_key_is_key_refused(standin: CodatStandIn) -> None:
    with CodatClient(standin.url, "some-other-key", timeout=5) as wrong:
        check = wrong.integration_status("gbol")

    assert check.outcome is Outcome.KEY_REFUSED
    assert check.http_status == 401
    assert check.reason == KEY_REFUSED_MESSAGE == "CODAT_API_KEY was refused"
    assert check.name is None
    assert check.correlation_id is not None and len(check.correlation_id) == 32
    assert standin.recorded_calls()[0].authorized is False


def test_forbidden_is_key_refused_too(standin: CodatStandIn, client: CodatClient) -> None:
    standin.fail_next(1, status=403)
    check = client.integration_status("gbol")
    assert (check.outcome, check.http_status) == (Outcome.KEY_REFUSED, 403)
    assert check.reason == "CODAT_API_KEY was refused"


def test_unknown_platform_is_404(standin: CodatStandIn, client: CodatClient) -> None:
    check = client.integration_status("zzzz")

    assert (check.outcome, check.http_status) == (Outcome.UNKNOWN_PLATFORM, 404)
    assert check.reason == "Codat has no integration with the key 'zzzz'"
    assert standin.calls("/integrations/zzzz") == 1


def test_a_key_that_cannot_be_a_platform_key_makes_no_request(
    standin: CodatStandIn, client: CodatClient
) -> None:
    for key in ("../companies", "gb ol", "", "gbol?x=1", "x" * 65):
        check = client.integration_status(key)
        assert check.outcome is Outcome.UNKNOWN_PLATFORM
        assert check.http_status is None
        assert check.detail == "not a Codat platform key"
    assert standin.calls() == 0
    with pytest.raises(TypeError):
        client.integration_status(None)  # type: ignore[arg-type]


def test_rate_limited_with_retry_after_seconds(standin: CodatStandIn, client: CodatClient) -> None:
    standin.rate_limit_next(1, retry_after_seconds=42)

    check = client.integration_status("gbol")

    assert check.outcome is Outcome.RATE_LIMITED
    assert (check.retry_after, check.http_status) == (42.0, 429)
    assert check.reason == "Codat's rate limit was reached; try again in 42 s"
    assert standin.calls("/integrations/gbol") == 1  # no hidden retry
    assert client.integration_status("gbol").outcome is Outcome.NOT_ENABLED  # the caller's next check


def test_rate_limited_with_retry_after_http_date(standin: CodatStandIn, client: CodatClient) -> None:
    standin.rate_limit_next(1, retry_at=NOW + timedelta(minutes=2))
    standin.rate_limit_next(1, retry_at=NOW - timedelta(minutes=2))

    ahead = client.integration_status("gbol")
    past = client.integration_status("gbol")

    assert (ahead.outcome, ahead.retry_after) == (Outcome.RATE_LIMITED, 120.0)
    assert (past.outcome, past.retry_after) == (Outcome.RATE_LIMITED, 0.0)
    assert standin.calls("/integrations/gbol") == 2


def test_rate_limited_without_retry_after(standin: CodatStandIn, client: CodatClient) -> None:
    standin.rate_limit_next(1, retry_after_seconds=None)
    check = client.integration_status("gbol")
    assert (check.outcome, check.retry_after) == (Outcome.RATE_LIMITED, None)
    assert check.reason == "Codat's rate limit was reached"


def test_dead_port_is_unreachable(dead_port: int) -> None:
    with CodatClient(f"http://127.0.0.1:{dead_port}", API_KEY, timeout=2) as codat:
        started = time.monotonic()
        check = codat.integration_status("gbol")

    assert check.outcome is Outcome.UNREACHABLE
    assert check.http_status is None
    assert check.detail == "connection failed"
    assert check.reason == "Codat could not be reached (connection failed)"
    assert time.monotonic() - started < 2


def test_silent_server_times_out_as_unreachable(silent_port: int) -> None:
    with CodatClient(f"http://127.0.0.1:{silent_port}", API_KEY, timeout=0.3) as codat:
        started = time.monotonic()
        check = codat.integration_status("gbol")
        elapsed = time.monotonic() - started

    assert check.outcome is Outcome.UNREACHABLE
    assert check.detail == "timed out after 0.3 s"
    assert 0.25 <= elapsed < 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_unreachable(standin: CodatStandIn, client: CodatClient, status: int) -> None:
    standin.fail_next(1, status=status)

    check = client.integration_status("gbol")

    assert (check.outcome, check.http_status) == (Outcome.UNREACHABLE, status)
    assert check.detail == f"Codat answered HTTP {status}"
    assert check.correlation_id is not None
    assert standin.calls("/integrations/gbol") == 1  # no hidden retry


def test_other_statuses_are_unreachable_with_the_status(standin: CodatStandIn, client: CodatClient) -> None:
    standin.fail_next(1, status=402)
    check = client.integration_status("gbol")
    assert (check.outcome, check.detail) == (Outcome.UNREACHABLE, "unexpected HTTP 402")


def test_a_body_that_is_not_json_is_unreachable(standin: CodatStandIn, client: CodatClient) -> None:
    standin.fail_next(1, status=200, body=b"<html><body>Sign in to the proxy</body></html>")

    check = client.integration_status("gbol")

    assert (check.outcome, check.http_status) == (Outcome.UNREACHABLE, 200)
    assert check.detail == "the answer was not JSON"


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"key": "gbol", "name": "Xero"}', b'{"enabled": "true"}', b"null", b'"enabled"'],
    ids=["list", "no-enabled", "string-enabled", "null", "string"],
)
def test_json_that_is_not_an_integration_is_unreachable(
    standin: CodatStandIn, client: CodatClient, body: bytes
) -> None:
    standin.fail_next(1, status=200, body=body, content_type="application/json")

    check = client.integration_status("gbol")

    assert (check.outcome, check.detail) == (Outcome.UNREACHABLE, "the answer was not a Codat integration")


def test_an_error_status_with_a_non_json_body_still_reads(standin: CodatStandIn, client: CodatClient) -> None:
    standin.fail_next(1, status=401, body=b"denied")
    check = client.integration_status("gbol")
    assert (check.outcome, check.correlation_id) == (Outcome.KEY_REFUSED, None)


def test_the_base_url_may_end_with_a_slash(standin: CodatStandIn) -> None:
    with CodatClient(standin.url + "/", API_KEY, timeout=5) as codat:
        assert codat.integration_status("gbol").outcome is Outcome.NOT_ENABLED
    assert standin.calls("/integrations/gbol") == 1


# -- the API key stays secret ---------------------------------------------------------------------
def test_the_key_is_in_no_log_record_and_no_repr(
    standin: CodatStandIn, caplog: pytest.LogCaptureFixture, dead_port: int
) -> None:
    for name in (None, "httpx", "httpcore", "bot.codat"):
        caplog.set_level(logging.DEBUG, logger=name)
    checks: list[IntegrationCheck] = []
    with CodatClient(standin.url, API_KEY, timeout=2, clock=lambda: NOW) as codat:
        standin.set_enabled("gbol", True)
        checks.append(codat.integration_status("gbol"))
        checks.append(codat.integration_status("qhyg"))
        checks.append(codat.integration_status("zzzz"))
        standin.rate_limit_next(1, 3)
        checks.append(codat.integration_status("gbol"))
        standin.fail_next(1, status=500)
        checks.append(codat.integration_status("gbol"))
        standin.fail_next(1, status=200, body=b"not json")
        checks.append(codat.integration_status("gbol"))
        standin.set_api_key("rotated")
        checks.append(codat.integration_status("gbol"))
        shown = [repr(codat), str(codat), repr(vars(codat)), repr(codat._http.headers)]
    with CodatClient(f"http://127.0.0.1:{dead_port}", API_KEY, timeout=1) as dead:
        checks.append(dead.integration_status("gbol"))
        shown += [repr(dead), str(dead)]

    assert {c.outcome for c in checks} == set(Outcome)
    shown += [repr(c) for c in checks] + [str(c) for c in checks] + [c.reason for c in checks]
    records = caplog.records
    assert any(r.name == "bot.codat.client" for r in records)
    assert any(r.name.startswith("httpx") or r.name.startswith("httpcore") for r in records)
    logged = [r.getMessage() for r in records] + [repr(r.args) for r in records]
    logged += [r.exc_text or "" for r in records]
    for text in shown + logged + [caplog.text]:
        assert API_KEY not in text
        assert API_KEY_B64 not in text
    assert "CodatClient(api_url=" in repr(codat)


@pytest.mark.parametrize(
    "url",
    [
        "api.codat.io",
        "ftp://api.codat.io",
        "",
        f"https://user:{API_KEY}@api.codat.io",
        f"https://api.codat.io:{API_KEY}",
    ],
)
def test_bad_urls_are_refused_without_echoing_secrets(url: str) -> None:
    with pytest.raises(ValueError) as raised:
        CodatClient(url, API_KEY)
    assert API_KEY not in str(raised.value)


def test_empty_key_and_bad_timeout_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        CodatClient("https://api.codat.io", "  ")
    with pytest.raises(ValueError) as raised:
        CodatClient("https://api.codat.io", API_KEY, timeout=0)
    assert API_KEY not in str(raised.value)


def test_results_are_frozen() -> None:
    check = IntegrationCheck("gbol", Outcome.ENABLED, name="Xero")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.outcome = Outcome.NOT_ENABLED  # type: ignore[misc]


# -- Retry-After ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Mon, 04 Mar 2030 05:07:07 GMT", 60.0),  # RFC 9110 IMF-fixdate
        ("Monday, 04-Mar-30 05:06:37 GMT", 30.0),  # obsolete RFC 850 form
        ("Mon Mar  4 05:06:17 2030", 10.0),  # asctime form, read as UTC
        ("Sun, 03 Mar 2030 05:06:07 GMT", 0.0),  # in the past
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("99999999999", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected
