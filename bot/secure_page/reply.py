"""What the secure page answers: a status, an HTML page or a redirect, and cookies to set.

handlers.secure_page turns it into the HTTP response, with the page's security headers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cookie:
    """A cookie under /secure/ (HttpOnly, SameSite=Lax; Secure on https). `max_age` 0 deletes it."""

    name: str
    value: str
    max_age: int

    def __repr__(self) -> str:  # its value is a secret (a session, a sign-in state)
        return f"Cookie({self.name!r}, [redacted], max_age={self.max_age})"


@dataclass(frozen=True)
class Page:
    """The answer to one request of the secure page."""

    status: int
    html: str = ""
    location: str | None = None  # a redirect (with status 302 or 303)
    cookies: tuple[Cookie, ...] = ()

    def __repr__(self) -> str:
        return f"Page({self.status}, redirect={self.location is not None})"
