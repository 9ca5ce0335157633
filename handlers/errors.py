"""One error handler for every listener: a short message with a reference, the details in the log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk.webhook import WebhookClient

from bot.deps import Deps
from bot.slack.errors import error_message, error_modal

logger = logging.getLogger("codat_register.errors")

FAILED = "codat_register_failed"  # set in the request's context: the edge counts it as an error


def teller(deps: Deps, body: dict[str, Any]) -> Callable[[str], None]:
    """How to tell the person behind `body` that work after the ack failed: an ephemeral reply
    through the response_url or in the channel, else a DM."""
    user_id = (body.get("user") or {}).get("id") or body.get("user_id") or ""
    channel = ((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
               or body.get("channel_id"))  # fmt: skip
    response_url = body.get("response_url")

    team_id = (body.get("team") or {}).get("id") or body.get("team_id") or ""

    def tell(ref: str) -> None:
        reply = error_message(ref)
        if response_url:
            WebhookClient(response_url).send(response_type="ephemeral", replace_original=False, **reply)
        elif channel and user_id:
            deps.slack.post_ephemeral(team_id, channel, user_id, reply["text"], reply["blocks"])
        elif user_id:
            deps.slack.dm(team_id, user_id, reply["text"], reply["blocks"])

    return tell


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse:
        context[FAILED] = True
        ref = secrets.token_hex(3).upper()
        kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
        # The traceback goes through the redacting log filter; never format `body` into the line.
        logger.error("unhandled %s error ref=%s: %s", kind, ref, type(error).__name__, exc_info=error)
        if kind == "slash_command":
            return BoltResponse(status=200, body={"response_type": "ephemeral", **error_message(ref)})
        if kind == "view_submission":
            return BoltResponse(status=200, body={"response_action": "push", "view": error_modal(ref)})
        return BoltResponse(status=200, body="")
