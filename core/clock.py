"""The bot's clock: real time plus an offset that the sandbox and tests can move."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """UTC now(), optionally shifted (sandbox 'advance 1 day') or frozen (tests)."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at = frozen_at.astimezone(UTC) if frozen_at else None

    def now(self) -> datetime:
        with self._lock:
            base = self._frozen_at or datetime.now(UTC)
            return base + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward (never backward: reminders rely on monotonic time)."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def set(self, moment: datetime) -> None:
        """Freeze the clock at a moment (tests)."""
        with self._lock:
            self._frozen_at = moment.astimezone(UTC)
            self._offset = timedelta(0)
