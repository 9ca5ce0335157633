"""Slack installations (OAuth mode): slack_sdk's SQLAlchemy stores on the bot's own engine, and the
statements the bot adds to them — which installation serves a workspace, and the locked read and
write of a token refresh.

The tables are slack_sdk's own (`slack_installations`, `slack_bots`, `slack_oauth_states`, built in
storage.models and created by migration 0010, never by `create_tables()`); the stores below use
those very Table objects. Bolt's OAuth flow saves an installation through `InstallationStore.save`;
Bolt's uninstall listeners delete through it.

A workspace is served by its own installation (`team_id` = the workspace), or by its Enterprise
Grid organisation's org-wide one (`is_enterprise_install`, `team_id` NULL), found through the
organisation the workspace belongs to (`workspaces.enterprise_id`, storage.workspaces).

**Refreshing a token** (token rotation): a refresh token is single-use, so two replicas refreshing
one installation at once would burn it — the loser gets `invalid_refresh_token` and the workspace is
lost until someone reinstalls. `locked()` reads the installation under a lock held until its
transaction ends — PostgreSQL: `SELECT … FOR UPDATE` on the installation's row; SQLite: the
database's write lock (`Database.write_session()`, BEGIN IMMEDIATE) — and the caller refreshes inside
that transaction and writes the new token with `save_refreshed()` before it commits. A second
refresher waits for the lock, reads the refreshed row and finds nothing left to do.

Times: slack_sdk computes expiries against the wall clock (`time.time()`); the bot measures them
against its own clock (core.clock: the sandbox and the tests move it). `InstallationStore.save`
stores a new installation's expiry on the bot's clock, so every stored expiry is on one clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_, select, text, update
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, Base, Workspace

_INSTALLS = SLACK_INSTALLATIONS
_BOTS = SLACK_BOTS


@dataclass(frozen=True)
class InstallKey:
    """Which installation: a workspace's own (`team_id` set; `enterprise_id` too inside a Grid
    organisation), or an organisation's org-wide one (`team_id` None)."""

    enterprise_id: str | None
    team_id: str | None

    @property
    def org_wide(self) -> bool:
        return self.team_id is None


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store over the bot's engine and the tables of storage.models.

    `save` first moves the installation's token expiry onto the bot's clock (`now`): slack_sdk
    computed it as wall-clock time + `expires_in`; the same in production, where the bot's clock is
    the wall clock."""

    def __init__(self, client_id: str, engine: Engine, *, now: Callable[[], datetime]) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.metadata, self.installations, self.bots = Base.metadata, _INSTALLS, _BOTS
        self._now = now

    def create_tables(self) -> None:
        raise NotImplementedError("the migrations create these tables (python app.py migrate)")

    def save(self, installation: Installation) -> None:
        if installation.bot_token_expires_at is not None:
            skew = self._now().timestamp() - time.time()
            installation.bot_token_expires_at = round(installation.bot_token_expires_at + skew)
        super().save(installation)


def oauth_state_store(engine: Engine, *, expiration_seconds: int) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's state store over the bot's engine: each state is issued once and consumed once."""
    store = SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine)
    store.metadata, store.oauth_states = Base.metadata, SLACK_OAUTH_STATES
    return store


# --- which installation serves a workspace ----------------------------------------------------------


def key_for_team(db: Database, client_id: str, team_id: str) -> InstallKey | None:
    """The installation serving a workspace: its own when it has one, else its organisation's
    org-wide one (through `workspaces.enterprise_id`); None when neither exists."""
    own = (
        select(_INSTALLS.c.enterprise_id)
        .where(_INSTALLS.c.client_id == client_id, _INSTALLS.c.team_id == team_id)
        .order_by(_INSTALLS.c.installed_at.desc())
        .limit(1)
    )
    org = (
        select(_INSTALLS.c.enterprise_id)
        .join(Workspace, Workspace.enterprise_id == _INSTALLS.c.enterprise_id)
        .where(
            Workspace.team_id == team_id,
            _INSTALLS.c.client_id == client_id,
            _INSTALLS.c.team_id.is_(None),
            _INSTALLS.c.is_enterprise_install.is_(True),
        )
        .limit(1)
    )
    with db.engine.connect() as connection:
        for enterprise_id in connection.execute(own).scalars():
            return InstallKey(enterprise_id, team_id)
        for enterprise_id in connection.execute(org).scalars():
            return InstallKey(enterprise_id, None)
    return None


def find(store: InstallationStore, key: InstallKey) -> Installation | None:
    """The latest installation for `key` (slack_sdk's lookup; org-wide ones by enterprise id)."""
    return store.find_installation(
        enterprise_id=key.enterprise_id, team_id=key.team_id, is_enterprise_install=key.org_wide
    )


# --- the locked refresh -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Locked:
    """An installation as read under its lock, and its row (for `save_refreshed`)."""

    row_id: int
    installed_at: datetime  # as stored (naive UTC): how its bot row is found
    installation: Installation


def _latest(client_id: str, key: InstallKey) -> Any:
    c = _INSTALLS.c
    where = and_(
        c.client_id == client_id,
        c.enterprise_id.is_(None) if key.enterprise_id is None else c.enterprise_id == key.enterprise_id,
        c.team_id.is_(None) if key.team_id is None else c.team_id == key.team_id,
    )
    return select(_INSTALLS).where(where).order_by(c.installed_at.desc(), c.id.desc()).limit(1)


def locked(session: Session, client_id: str, key: InstallKey) -> Locked | None:
    """The latest installation for `key`, locked until the session's transaction ends (see the
    module's docstring); the session must be a `Database.write_session()`. None: not installed."""
    query = _latest(client_id, key)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL lock_timeout = '10s'"))
        query = query.with_for_update(of=_INSTALLS)
    row = session.execute(query).mappings().first()
    if row is None:
        return None
    entity = SQLAlchemyInstallationStore.build_installation_entity(row)
    return Locked(int(row["id"]), row["installed_at"], entity)


def save_refreshed(session: Session, client_id: str, locked_row: Locked, bot: Bot) -> None:
    """Write a refreshed bot token (its refresh token and expiry, on the bot's clock) on the locked
    installation and on its bot row, in the refresher's transaction."""
    expires_at = (
        normalize_datetime_for_db(datetime.fromtimestamp(bot.bot_token_expires_at, UTC))
        if bot.bot_token_expires_at is not None
        else None
    )
    values = {
        "bot_token": bot.bot_token,
        "bot_refresh_token": bot.bot_refresh_token,
        "bot_token_expires_at": expires_at,
    }
    session.execute(update(_INSTALLS).where(_INSTALLS.c.id == locked_row.row_id).values(**values))
    installed = locked_row.installation
    c = _BOTS.c
    session.execute(
        update(_BOTS)
        .where(
            c.client_id == client_id,
            c.enterprise_id.is_(None)
            if installed.enterprise_id is None
            else c.enterprise_id == installed.enterprise_id,
            c.team_id.is_(None) if installed.team_id is None else c.team_id == installed.team_id,
            c.installed_at == locked_row.installed_at,
        )
        .values(**values)
    )


__all__ = [
    "InstallKey",
    "InstallationStore",
    "Locked",
    "find",
    "key_for_team",
    "locked",
    "oauth_state_store",
    "save_refreshed",
]
