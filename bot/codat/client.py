"""Asks Codat whether an integration is switched on: ``GET /integrations/{platformKey}``.

The client makes exactly one request per check and turns every answer into an `IntegrationCheck`,
so callers decide what happens next (when to check again, what to tell people). Transport failures,
refusals, rate limits and malformed answers are outcomes, not exceptions.

The API key is sent as Codat asks (``Authorization: Basic <base64 of the key>``) and appears
nowhere else: not in a log record, an exception message, or the repr of the client or a result.
"""

from __future__ import annotations

import base64
import email.utils
import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

KEY_REFUSED_MESSAGE = "CODAT_API_KEY was refused"
DEFAULT_TIMEOUT_SECONDS = 10.0
# Codat's keys are four lower-case letters; anything outside this set could change the URL's path.
_PLATFORM_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CORRELATION_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class IntegrationOutcome(enum.Enum):
    """What Codat said about one integration."""

    ENABLED = "enabled"
    NOT_ENABLED = "not_enabled"
    KEY_REFUSED = "key_refused"  # 401 or 403: the API key is wrong, revoked or lacks access
    UNKNOWN_PLATFORM = "unknown_platform"  # 404: Codat has no integration with this key
    RATE_LIMITED = "rate_limited"  # 429: try again after `retry_after` seconds
    UNREACHABLE = "unreachable"  # no usable answer: network, timeout, 5xx, unexpected status or body


@dataclass(frozen=True, slots=True)
class IntegrationCheck:
    """The result of one check. `name` is Codat's name for the integration when it answered 200."""

    platform_key: str
    outcome: IntegrationOutcome
    name: str | None = None
    retry_after: float | None = None  # seconds to wait, from Retry-After (RATE_LIMITED only)
    http_status: int | None = None  # None when no HTTP answer came back
    detail: str | None = None  # short, key-free reason for UNREACHABLE (and some UNKNOWN_PLATFORM)
    correlation_id: str | None = None  # Codat's correlationId from an error body, for its support

    @property
    def enabled(self) -> bool:
        return self.outcome is IntegrationOutcome.ENABLED

    @property
    def reason(self) -> str:
        """A one-line, plain-English account of the outcome, fit to show next to the checklist item."""
        match self.outcome:
            case IntegrationOutcome.ENABLED:
                return "enabled in Codat"
            case IntegrationOutcome.NOT_ENABLED:
                return "not enabled in Codat"
            case IntegrationOutcome.KEY_REFUSED:
                return KEY_REFUSED_MESSAGE
            case IntegrationOutcome.UNKNOWN_PLATFORM:
                return f"Codat has no integration with the key {self.platform_key!r}"
            case IntegrationOutcome.RATE_LIMITED:
                if self.retry_after is None:
                    return "Codat's rate limit was reached"
                return f"Codat's rate limit was reached; try again in {self.retry_after:.0f} s"
            case IntegrationOutcome.UNREACHABLE:
                return f"Codat could not be reached ({self.detail or 'no answer'})"


class _Authorization:
    """Holds the Authorization header value; its repr never shows it."""

    __slots__ = ("_value",)

    def __init__(self, api_key: str) -> None:
        self._value = "Basic " + base64.b64encode(api_key.encode()).decode("ascii")

    def header(self) -> dict[str, str]:
        return {"Authorization": self._value}

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


class CodatClient:
    """A synchronous client for the one Codat call the bot needs. Thread-safe; close it when done."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`api_url` is Codat's base URL (``https://api.codat.io``); `timeout` bounds each phase of
        the request (connect, send, read) in seconds; `clock` gives the aware "now" against which
        an HTTP-date Retry-After is measured."""
        if not api_key or not api_key.strip():
            raise ValueError("the Codat API key is empty")
        if timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        try:
            url = httpx.URL(api_url)
        except (httpx.InvalidURL, TypeError):
            raise ValueError("api_url is not a valid URL") from None  # the URL itself could hold a secret
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("api_url must be an absolute http(s) URL, such as https://api.codat.io")
        if url.userinfo:
            raise ValueError("api_url must not carry credentials")
        self.api_url = str(url).rstrip("/")
        self.timeout = float(timeout)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._authorization = _Authorization(api_key)
        self._http = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,  # a redirect must not carry the key to another host
            headers={"Accept": "application/json", "User-Agent": "codat-register"},
        )

    def __repr__(self) -> str:
        return f"CodatClient(api_url={self.api_url!r}, timeout={self.timeout!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CodatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def integration_status(self, platform_key: str) -> IntegrationCheck:
        """One ``GET /integrations/{platform_key}``, read as an `IntegrationCheck`; never retries.

        A key that cannot be a Codat platform key (spaces, slashes, …) is UNKNOWN_PLATFORM without
        a request. Raises only for programming errors (a non-string key).
        """
        if not isinstance(platform_key, str):
            raise TypeError("platform_key must be a string")
        if not _PLATFORM_KEY.fullmatch(platform_key):
            return self._done(
                IntegrationCheck(
                    platform_key, IntegrationOutcome.UNKNOWN_PLATFORM, detail="not a Codat platform key"
                )
            )
        url = f"{self.api_url}/integrations/{quote(platform_key, safe='')}"
        try:
            response = self._http.get(url, headers=self._authorization.header())
        except httpx.TimeoutException:
            return self._unreachable(platform_key, f"timed out after {self.timeout:g} s")
        except httpx.ConnectError:
            return self._unreachable(platform_key, "connection failed")
        except httpx.HTTPError as error:
            # The class name says enough; the message could quote the request.
            return self._unreachable(platform_key, f"connection error: {type(error).__name__}")
        return self._done(self._read(platform_key, response))

    def _read(self, platform_key: str, response: httpx.Response) -> IntegrationCheck:
        status = response.status_code
        if status == 200:
            return self._integration(platform_key, response)
        retry_after, detail = None, None
        if status in (401, 403):
            outcome = IntegrationOutcome.KEY_REFUSED
        elif status == 404:
            outcome = IntegrationOutcome.UNKNOWN_PLATFORM
        elif status == 429:
            outcome = IntegrationOutcome.RATE_LIMITED
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        else:
            outcome = IntegrationOutcome.UNREACHABLE
            detail = f"Codat answered HTTP {status}" if status >= 500 else f"unexpected HTTP {status}"
        return IntegrationCheck(
            platform_key,
            outcome,
            retry_after=retry_after,
            http_status=status,
            detail=detail,
            correlation_id=_correlation_id(response),
        )

    def _integration(self, platform_key: str, response: httpx.Response) -> IntegrationCheck:
        try:
            body = response.json()
        except ValueError:
            return self._bad_body(platform_key, "the answer was not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
            return self._bad_body(platform_key, "the answer was not a Codat integration")
        name = body.get("name") if isinstance(body.get("name"), str) else None
        outcome = IntegrationOutcome.ENABLED if body["enabled"] else IntegrationOutcome.NOT_ENABLED
        return IntegrationCheck(platform_key, outcome, name=name, http_status=200)

    @staticmethod
    def _bad_body(platform_key: str, detail: str) -> IntegrationCheck:
        return IntegrationCheck(platform_key, IntegrationOutcome.UNREACHABLE, http_status=200, detail=detail)

    def _unreachable(self, platform_key: str, detail: str) -> IntegrationCheck:
        return self._done(IntegrationCheck(platform_key, IntegrationOutcome.UNREACHABLE, detail=detail))

    @staticmethod
    def _done(check: IntegrationCheck) -> IntegrationCheck:
        level = logging.WARNING if check.outcome is IntegrationOutcome.UNREACHABLE else logging.INFO
        logger.log(
            level,
            "Codat integration %r: %s (HTTP %s%s)",
            check.platform_key,
            check.outcome.value,
            check.http_status if check.http_status is not None else "-",
            f"; {check.detail}" if check.detail else "",
        )
        return check


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).

    A date in the past gives 0; a missing or unreadable header gives None.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text) if len(text) <= 10 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is read as UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _correlation_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("correlationId") if isinstance(body, dict) else None
    return value if isinstance(value, str) and _CORRELATION_ID.fullmatch(value) else None
