"""Which Web API client speaks for a workspace: how the gateway gets one per team_id.

- `OneClient`: single-token mode (SLACK_BOT_TOKEN): the one client, for every workspace.
- `bot.slack.installations.InstalledClients`: OAuth mode: a client with the bot token of the
  installation serving the workspace, refreshed before it expires.
"""

from __future__ import annotations

import threading
from typing import Protocol

from slack_sdk import WebClient


class NoClient(Exception):
    """No client can speak for the workspace: `code` says why (e.g. not_installed)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class WorkspaceClients(Protocol):
    """Where the gateway gets the client it calls with."""

    # The client for calls no workspace's token is for (in single-token mode: the one client).
    default: WebClient

    def client(self, team_id: str, timeout: float | None = None) -> WebClient:
        """The client for the workspace; with `timeout`, one that waits at most that long and never
        retries (for a caller that must answer fast). Raises NoClient."""
        ...

    def forget(self, team_id: str) -> None:
        """A call was refused for its token (revoked, expired): ask the store again next time."""
        ...

    @property
    def renewable(self) -> bool:
        """Whether asking again after `forget` may give another token (worth one retry)."""
        ...


class OneClient:
    """Single-token mode: `client` speaks for every workspace (the one SLACK_BOT_TOKEN serves)."""

    renewable = False

    def __init__(self, client: WebClient) -> None:
        self.default = client
        self._lock = threading.Lock()
        self._quick: dict[float, WebClient] = {}

    def client(self, team_id: str, timeout: float | None = None) -> WebClient:
        if timeout is None:
            return self.default
        with self._lock:
            if timeout not in self._quick:
                quick = WebClient(token=self.default.token, base_url=self.default.base_url, timeout=timeout)  # type: ignore[arg-type]
                quick.retry_handlers = []
                self._quick[timeout] = quick
            return self._quick[timeout]

    def forget(self, team_id: str) -> None:
        """Nothing to ask again: the token is a setting."""
