"""Injected failures and delays: a thread-safe queue of one-shot rules.

A rule matches one RPC method (or any, when ``method`` is None) and is used up after ``times``
matching calls. The first rule that matches a call wins.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class Fault:
    """What to do to one call: abort with ``code``/``message``, before or after applying it."""

    code: grpc.StatusCode
    message: str
    after_apply: bool


@dataclass
class _Rule:
    method: str | None
    remaining: int
    fault: Fault | None = None
    seconds: float = 0.0


def rpc_name(method: str) -> str:
    """`add_secret_version` or `AddSecretVersion` → `AddSecretVersion`."""
    return method if "_" not in method else "".join(part.capitalize() for part in method.split("_"))


def handler_name(rpc: str) -> str:
    """`AddSecretVersion` → `add_secret_version`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", rpc).lower()


class FaultPlan:
    """The pending faults and delays of one emulator."""

    def __init__(self, methods: Collection[str]) -> None:
        self._methods = frozenset(methods)
        self._lock = threading.Lock()
        self._faults: list[_Rule] = []
        self._delays: list[_Rule] = []

    def add_fault(
        self,
        code: grpc.StatusCode,
        method: str | None,
        times: int,
        message: str | None,
        after_apply: bool,
    ) -> None:
        if not isinstance(code, grpc.StatusCode) or code == grpc.StatusCode.OK:
            raise ValueError(f"inject_fault needs a non-OK grpc.StatusCode, got {code!r}")
        fault = Fault(code, message or f"Injected fault: {code.name}", after_apply)
        self._add(self._faults, _Rule(self._method(method), self._times(times), fault=fault))

    def add_delay(self, seconds: float, method: str | None, times: int) -> None:
        if seconds < 0:
            raise ValueError(f"delay needs seconds >= 0, got {seconds}")
        self._add(self._delays, _Rule(self._method(method), self._times(times), seconds=seconds))

    def take_fault(self, method: str) -> Fault | None:
        rule = self._take(self._faults, method)
        return rule.fault if rule else None

    def take_delay(self, method: str) -> float:
        rule = self._take(self._delays, method)
        return rule.seconds if rule else 0.0

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def _add(self, rules: list[_Rule], rule: _Rule) -> None:
        with self._lock:
            rules.append(rule)

    def _take(self, rules: list[_Rule], method: str) -> _Rule | None:
        with self._lock:
            for rule in rules:
                if rule.method in (None, method):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        rules.remove(rule)
                    return rule
        return None

    def _method(self, method: str | None) -> str | None:
        if method is None:
            return None
        name = rpc_name(method)
        if name not in self._methods:
            raise ValueError(f"unknown method {method!r}; one of {sorted(self._methods)}")
        return name

    @staticmethod
    def _times(times: int) -> int:
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        return times
