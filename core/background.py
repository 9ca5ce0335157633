"""Work that runs after Slack has its acknowledgement (views.open/update, DMs)."""

from __future__ import annotations

import contextvars
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)


class Background:
    """A bounded thread pool whose tasks log their failures instead of losing them."""

    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ack")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        return self.submit_telling(None, fn, *args, **kwargs)

    def submit_telling(
        self, tell: Callable[[str], None] | None, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """Like submit(); if `fn` fails, `tell(reference)` lets the person know (the log has the rest)."""
        with self._idle:
            self._pending += 1
        # The task runs in a copy of the caller's context: the person's language, among others.
        context = contextvars.copy_context()
        return self._pool.submit(context.run, self._run, tell, fn, args, kwargs)

    def _run(
        self,
        tell: Callable[[str], None] | None,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            ref = secrets.token_hex(3).upper()
            logger.exception("background task %s failed ref=%s", getattr(fn, "__qualname__", fn), ref)
            if tell is not None:
                try:
                    tell(ref)
                except Exception:
                    logger.exception("could not tell the person about ref=%s", ref)
            return None
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no task is pending (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
