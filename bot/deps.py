"""What every handler and service needs, built once by the composition root (app.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.catalogue import Catalogue
from core.background import Background
from core.clock import Clock
from core.settings import Settings
from storage.db import Database
from storage.vault import Vault

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.codat.client import CodatClient
    from bot.slack.gateway import SlackGateway
    from bot.slack.installations import Installations


@dataclass
class Deps:
    settings: Settings
    db: Database
    catalogue: Catalogue
    vault: Vault
    clock: Clock
    background: Background
    # Set by handlers.build_app once the Bolt app (and its WebClient) exist.
    client: WebClient | None = None
    # The one outgoing Slack gateway over that client (every call the bot makes goes through it).
    slack: SlackGateway = field(default=None)  # type: ignore[assignment]
    # OAuth mode (SLACK_CLIENT_ID/SECRET, no SLACK_BOT_TOKEN): the installations the gateway and
    # Bolt take each workspace's bot token from; None in single-token mode.
    installations: Installations | None = None
    # Codat's API, when CODAT_API_KEY is set (bot.codat.verification); None: nothing goes to Codat.
    codat: CodatClient | None = None
    # Set when the process is shutting down (SIGTERM): the reminder sweep stops between owners
    # and releases what it claimed but did not send.
    stopping: threading.Event = field(default_factory=threading.Event)
    extras: dict[str, Any] = field(default_factory=dict)
