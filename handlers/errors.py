"""One error handler for every listener: a short message with a reference, the details in the log."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from bot.views.errors import error_message, error_modal

logger = logging.getLogger("codat_register.errors")


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        ref = secrets.token_hex(3).upper()
        kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
        # The traceback goes through the redacting log filter; never format `body` into the line.
        logger.error("unhandled %s error ref=%s: %s", kind, ref, type(error).__name__, exc_info=error)
        if kind == "slash_command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", **error_message(ref)})
        if kind == "view_submission":
            return BoltResponse(status=200, body={"response_action": "push", "view": error_modal(ref)})
        return BoltResponse(status=200, body="")
