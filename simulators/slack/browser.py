"""A browser's part of installing the app through OAuth, over real HTTP on loopback: follow the bot's
GET /slack/install to the stand-in's consent page, choose where to install, and follow Slack's
redirect back to the bot with the cookies the bot set — as a person's browser would.

Cookies are kept per host and sent back to it whatever their `Secure` flag (browsers treat
loopback as a secure context; Python's cookie jar would not send them over http). Nothing here
follows a redirect by itself: each step's answer is kept (`steps`) for the caller to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener

from core.network import check_loopback_url

INSTALL_PATH = "/slack/install"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers (lower-case names; Set-Cookie as a list) and body."""

    url: str
    status: int
    headers: dict[str, Any]
    body: str

    @property
    def location(self) -> str:
        return str(self.headers.get("location") or "")


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """One browser: its cookies, and the answers it got (`steps`)."""

    timeout: float = 10.0
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)  # host:port -> name -> value
    steps: list[Answer] = field(default_factory=list)

    def get(self, url: str) -> Answer:
        # The scheme and host were checked (check_loopback_url).
        return self._open(Request(check_loopback_url(url), method="GET"))  # noqa: S310

    def post(self, url: str, form: dict[str, str]) -> Answer:
        data = urlencode(form).encode()
        request = Request(check_loopback_url(url), data=data, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def install(self, bot_url: str, target: str, *, team: str | None = None, allow: bool = True) -> Answer:
        """The whole round trip: the bot's install link (for workspace `team` when given), Slack's
        consent page, the decision — `target` is "team:T…" or "enterprise:E…" — and the bot's
        redirect page, whose answer is returned."""
        query = f"?{urlencode({'team': team})}" if team else ""
        started = self.get(bot_url.rstrip("/") + INSTALL_PATH + query)
        if started.status != 302:
            return started
        consent = self.get(started.location)
        if consent.status != 200:
            return consent
        asked = dict(parse_qsl(urlsplit(started.location).query))
        form = {k: asked.get(k, "") for k in ("client_id", "scope", "user_scope", "state", "redirect_uri")}
        form |= {"target": target} if allow else {"decision": "cancel"}
        decided = self.post(started.location.split("?")[0], form)
        if decided.status != 302:
            return decided
        return self.get(decided.location)

    def _open(self, request: Request) -> Answer:
        host = urlsplit(request.full_url).netloc
        jar = self.cookies.get(host) or {}
        if jar:
            request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in jar.items()))
        opener = build_opener(ProxyHandler({}), _NoRedirects())  # loopback only, never a proxy
        try:
            with opener.open(request, timeout=self.timeout) as response:
                answer = self._answer(request.full_url, response.status, response.headers, response.read())
        except HTTPError as error:
            with error:
                answer = self._answer(request.full_url, error.code, error.headers, error.read())
        self._keep_cookies(host, answer.headers.get("set-cookie") or [])
        self.steps.append(answer)
        return answer

    @staticmethod
    def _answer(url: str, status: int, headers: Any, body: bytes) -> Answer:
        names = {name.lower() for name in headers}
        found: dict[str, Any] = {name: headers.get(name) for name in names}
        found["set-cookie"] = headers.get_all("Set-Cookie") or []
        return Answer(url, status, found, body.decode("utf-8", errors="replace"))

    def _keep_cookies(self, host: str, set_cookies: list[str]) -> None:
        for header in set_cookies:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                jar = self.cookies.setdefault(host, {})
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value
