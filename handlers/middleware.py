"""Our global middleware, as Bolt `Middleware` objects.

A plain function given to `app.middleware` costs a signature inspection and keyword-argument
building on every request (~40 µs each, measured by bench_ack); our middleware all need only the
request's context and body, so they are called with exactly those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

Next = Callable[[], BoltResponse]
ContextStep = Callable[[BoltContext, dict[str, Any], Next], BoltResponse | None]


class ContextMiddleware(Middleware):
    """Runs `step(context, body, next)` for every request."""

    def __init__(self, step: ContextStep) -> None:
        self.step = step

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Next) -> BoltResponse | None:
        return self.step(req.context, req.body, next)
