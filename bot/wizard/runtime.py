"""The wizard's per-process state: per-registration locks and picker selections."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

_SELECTIONS_KEPT = 1000
_RUNTIME_KEY = "wizard"
_runtime_lock = threading.Lock()


class KeyedLocks:
    """One lock per key (a registration id), dropped when nobody holds or waits for it.

    Serialises submissions of the same registration in this process, so a double click stores
    one secret version and applies one step.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    self._locks.pop(key, None)


class Selections:
    """The newest platform picked in each open picker (by view id), so a late update never wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[float, str]] = {}

    def record(self, view_id: str, action_ts: str, platform_id: str) -> bool:
        """Remember a selection; False when a newer one for this view is already known."""
        try:
            ts = float(action_ts)
        except ValueError:
            ts = 0.0
        with self._lock:
            if view_id in self._latest and self._latest[view_id][0] > ts:
                return False
            if len(self._latest) >= _SELECTIONS_KEPT:  # forget the oldest picker
                self._latest.pop(next(iter(self._latest)))
            self._latest[view_id] = (ts, platform_id)
            return True

    def latest(self, view_id: str) -> str | None:
        with self._lock:
            return self._latest.get(view_id, (0.0, None))[1]


@dataclass
class WizardRuntime:
    """What the wizard keeps in memory: per-registration locks and picker selections."""

    locks: KeyedLocks = field(default_factory=KeyedLocks)
    selections: Selections = field(default_factory=Selections)


def runtime(deps: Deps) -> WizardRuntime:
    """The wizard's state for this process, created on first use."""
    with _runtime_lock:
        existing = deps.extras.get(_RUNTIME_KEY)
        if isinstance(existing, WizardRuntime):
            return existing
        created = WizardRuntime()
        deps.extras[_RUNTIME_KEY] = created
        return created
