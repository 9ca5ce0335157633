"""Drive the secure page as a person would: the wizard's modal in Slack up to the credentials step,
"Enter on a secure page", then the page itself over real HTTP (no redirects followed, cookies kept
like a browser's)."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.handlers.wizard_support import PREREQS_DONE, Wizard, updated

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class PageResponse:
    status: int
    headers: dict[str, str]  # lower-case names; Set-Cookie lines joined by "\n"
    text: str

    @property
    def csrf(self) -> str:
        match = CSRF.search(self.text)
        assert match, f"no CSRF token in the page ({self.status})"
        return match.group(1)


@dataclass
class Browser:
    """A tiny browser: requests to loopback URLs, the cookies they set, no redirect followed."""

    cookies: dict[str, str] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)  # every body received, for the canary checks

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> PageResponse:
        parts = urlsplit(url)
        assert parts.hostname in ("127.0.0.1", "localhost"), url
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            received = {
                name.lower(): value for name, value in response.getheaders() if name.lower() != "set-cookie"
            }
            set_cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
        finally:
            connection.close()
        for line in set_cookies:
            pair, *attributes = [part.strip() for part in line.split(";")]
            name, _, value = pair.partition("=")
            if any(a.lower() == "max-age=0" for a in attributes):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if set_cookies:
            received["set-cookie"] = "\n".join(set_cookies)
        text = raw.decode("utf-8", errors="replace")
        self.pages.append(text)
        return PageResponse(response.status, received, text)

    def get(self, url: str) -> PageResponse:
        return self.request("GET", url)

    def post(
        self, url: str, form: dict[str, str] | bytes, *, content_type: str | None = None
    ) -> PageResponse:
        body = form if isinstance(form, bytes) else urlencode(form).encode()
        kind = content_type or "application/x-www-form-urlencoded"
        return self.request("POST", url, body, {"Content-Type": kind, "Content-Length": str(len(body))})


def to_credentials(
    wizard: Wizard, command: str = "start qbo", mailbox: str = "qbo-admins@acme.example"
) -> None:
    """Through the modal to step 4, credentials."""
    wizard.start(command)
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": mailbox}))
    assert json.loads(wizard.current()["private_metadata"])["s"] == "credentials"


def link_block(view: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b in view["blocks"] if b.get("block_id") == "secure_page_link"), None)


def ask_for_link(wizard: Wizard) -> str:
    """Press "Enter on a secure page" in the modal: the link it shows, in place."""
    wizard.click("secure_page_offer")
    block = link_block(wizard.current())
    assert block is not None, "the modal shows no link"
    url = block["accessory"]["url"]
    assert isinstance(url, str)
    return url


def store_form(page: PageResponse, **values: str) -> dict[str, str]:
    """The form to submit: its CSRF token and `values` by field key."""
    return {"csrf": page.csrf, "mode": "store", **{f"field_{key}": value for key, value in values.items()}}
