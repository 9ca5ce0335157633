"""Messages people write to the bot in its Messages tab: a short pointer to the commands.

The tab stays writable (reminders arrive there, and people reply to them), but the bot holds no
conversation. So a person who writes gets one pointer, then silence for POINTER_INTERVAL: an
Events API retry, a burst of messages or another bot cannot make it loop. Only a person's own new
message counts (channel_type "im", no subtype, no bot_id); the bot's own posts come back as
events too, and Bolt drops those.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.home.views import dm_pointer_message
from bot.slack.gateway import SlackCallError
from handlers.commands import Subcommand
from handlers.payloads import MessageEvent, event_of

logger = logging.getLogger("codat_register.direct_messages")

POINTER_INTERVAL = timedelta(hours=1)
_REMEMBERED_MAX = 10_000  # people; past it, pointers older than the interval are forgotten


class PointerLog:
    """When each person last got the pointer (per process: a restart may answer once more)."""

    def __init__(self, interval: timedelta = POINTER_INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], datetime] = {}

    def claim(self, team_id: str, user_id: str, now: datetime) -> bool:
        """True (and remembered) when this person may get the pointer now."""
        key = (team_id, user_id)
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                return False
            if len(self._last) >= _REMEMBERED_MAX:
                self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
            self._last[key] = now
            return True


def send_pointer(deps: Deps, team_id: str, channel: str) -> None:
    reply = dm_pointer_message()
    try:
        deps.slack.post_message(team_id, channel, reply["text"], reply["blocks"])
    except SlackCallError as error:  # nothing else to tell them through
        logger.warning("the pointer to the commands was not sent: %s", error.code)


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {}


def register(app: App, deps: Deps) -> None:
    pointers = PointerLog()

    @app.event("message")
    def on_message(context: BoltContext) -> None:
        team_id, event = event_of(context, MessageEvent)
        if event.channel_type != "im" or event.subtype or event.bot_id or not event.user:
            return  # edits, joins, bots (this one included): nothing to answer
        if pointers.claim(team_id, event.user, deps.clock.now()):
            deps.background.submit(send_pointer, deps, team_id, event.channel)
