"""Loopback checks, in one place: local stand-ins, emulators and the sandbox never listen on,
or send to, anything reachable from outside this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback IP literals (brackets allowed around IPv6)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_ipv4(host: str) -> str:
    """The IPv4 loopback address for `host` (`localhost` → 127.0.0.1); ValueError for anything else."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"not a loopback address: {host!r}") from None
    if address.version != 4 or not address.is_loopback:
        raise ValueError(f"only IPv4 loopback addresses are allowed, not {host!r}")
    return host


def is_loopback_endpoint(endpoint: str) -> bool:
    """True for `host:port` on a loopback host (e.g. 127.0.0.1:8085, [::1]:8085, localhost:8085)."""
    host, sep, port = endpoint.rpartition(":")
    return bool(sep and port.isdigit() and host and is_loopback_host(host))


def is_loopback_url(url: str) -> bool:
    """True for an http(s) URL whose host is a loopback address."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")


def check_loopback_url(url: str) -> str:
    """`url` if it points at this machine; ValueError otherwise (nothing here may leave it)."""
    if not is_loopback_url(url):
        raise ValueError(f"only http(s) URLs on a loopback address are allowed, not {url!r}")
    return url
