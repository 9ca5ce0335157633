"""List filters and page tokens, enough of the API's grammar for tests.

Filter: terms joined by spaces or ``AND``; each term is ``field:value`` (case-insensitive
"contains", and ``field:*`` means "has a value") or ``field=value`` (exact), with no spaces
inside a term. Which fields exist
is up to the caller (``state``, ``name``, ``labels.<key>``); anything else is INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc

from simulators.secret_manager.errors import RpcError

MAX_PAGE_SIZE = 25000  # the API's cap; page_size 0 means "server decides", here: the cap

_TERM_RE = re.compile(r'(?P<field>[A-Za-z_][\w.-]*)(?P<op>[:=])(?P<value>"[^"]*"|[^\s"]+)')

T = TypeVar("T")


@dataclass(frozen=True)
class Term:
    field: str
    op: str
    value: str


def _invalid(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message)


def parse_filter(text: str, fields: Callable[[str], bool]) -> list[Term]:
    """Parse ``text``; ``fields(name)`` says whether a field may be filtered on."""
    terms: list[Term] = []
    for part in re.findall(r'(?:[^\s"]|"[^"]*")+', text):
        if part == "AND":
            continue
        match = _TERM_RE.fullmatch(part)
        if match is None or not fields(match["field"]):
            raise _invalid(f"Unsupported filter term [{part}].")
        terms.append(Term(match["field"], match["op"], match["value"].strip('"')))
    return terms


def matches(terms: Sequence[Term], value_of: Callable[[str], str | None]) -> bool:
    """True when every term holds; ``value_of(field)`` is None when the field is absent."""
    for term in terms:
        actual = value_of(term.field)
        if term.op == "=":
            ok = actual == term.value
        elif term.value == "*":
            ok = bool(actual)
        else:
            ok = actual is not None and term.value.lower() in actual.lower()
        if not ok:
            return False
    return True


def page(items: Sequence[T], page_size: int, page_token: str) -> tuple[list[T], str]:
    """One page of ``items`` and the token of the next page ("" on the last page)."""
    if page_size < 0:
        raise _invalid("page_size must not be negative.")
    size = min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    start = _decode(page_token) if page_token else 0
    end = start + size
    return list(items[start:end]), _encode(end) if end < len(items) else ""


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode(token: str) -> int:
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "offset" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _invalid("Invalid page_token.")
