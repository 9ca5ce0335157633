"""Token rotation in OAuth mode: a token due is refreshed before it expires — for the bot's own
scheduled DMs and for incoming requests — and two replicas refreshing at once refresh once (the
stand-in's refresh tokens are single-use, as Slack's), both ending up with the new token."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from bot.reminders.sweep import run_sweep
from bot.slack.gateway import SlackCallError
from bot.slack.installations import Installations, RefreshFailed
from core.clock import Clock
from simulators.slack.oidc import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.installations import InstallKey, find
from tests.reminders.conftest import Seed, posts_to
from tests.support.oauth import GLOBEX, GRACE, WEDNESDAY_14_UTC, OAuthBot

ELEVEN_HOURS = timedelta(hours=11)  # a 12-hour token then expires within the 2-hour lead


def install_rotating(bot: OAuthBot, clock: Clock) -> str:
    """Install Globex with token rotation on, eleven hours before 14:00 UTC: its token's."""
    bot.slack.oauth.token_rotation = True
    clock.set(WEDNESDAY_14_UTC - ELEVEN_HOURS)
    assert bot.install(f"team:{GLOBEX}").status == 200
    clock.set(WEDNESDAY_14_UTC)
    return bot.token_of(GLOBEX)


def refreshes(slack: SlackWebApi) -> list[Any]:
    return [c for c in slack.calls_to("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]


def test_a_scheduled_dm_refreshes_the_token_before_it_expires(
    oauth_bot: OAuthBot, oauth_clock: Clock, log_output: io.StringIO
) -> None:
    old = install_rotating(oauth_bot, oauth_clock)
    seed = Seed(oauth_bot.deps.db, team_id=GLOBEX)
    registration = seed.registration(created_by=GRACE)
    seed.item(registration, "vault_approved", owner=GRACE, next_at=WEDNESDAY_14_UTC - timedelta(hours=1))

    assert run_sweep(oauth_bot.deps).digests == 1

    (refresh,) = refreshes(oauth_bot.slack)
    new = refresh.response["access_token"]
    assert new != old
    oauth_bot.slack.oauth.grant(old)  # still valid: refreshed before it expired, not after
    (post,) = posts_to(oauth_bot.slack, GRACE)
    assert post.bearer == new and post.time >= refresh.time
    assert not [c for c in oauth_bot.slack.calls if c.response.get("error") == "token_expired"]
    store = oauth_bot.deps.installations.store  # type: ignore[union-attr]
    stored = find(store, InstallKey(None, GLOBEX))
    assert stored is not None and stored.bot_token == new
    expected_expiry = (WEDNESDAY_14_UTC + timedelta(hours=12)).timestamp()  # on the bot's clock
    assert abs(stored.bot_token_expires_at - expected_expiry) <= 1  # type: ignore[operator]
    # Later, once the old token expired, the new one goes on working: no second refresh yet.
    oauth_clock.set(WEDNESDAY_14_UTC + timedelta(hours=2))
    oauth_bot.deps.slack.post_message(GLOBEX, oauth_bot.slack.dm_channel_for(GRACE, GLOBEX), "still here")
    assert len(refreshes(oauth_bot.slack)) == 1
    output = log_output.getvalue()
    assert "refreshed the bot token of workspace T0002" in output
    assert old not in output and new not in output and refresh.response["refresh_token"] not in output


def test_an_incoming_request_refreshes_a_due_token_first(oauth_bot: OAuthBot, oauth_clock: Clock) -> None:
    old = install_rotating(oauth_bot, oauth_clock)
    assert oauth_bot.events(GLOBEX).command("start", GRACE).status == 200
    oauth_bot.settle()
    (refresh,) = refreshes(oauth_bot.slack)
    (opened,) = oauth_bot.slack.calls_to("views.open")
    assert opened.bearer == refresh.response["access_token"] != old


def test_a_token_that_is_not_due_is_not_refreshed(oauth_bot: OAuthBot, oauth_clock: Clock) -> None:
    oauth_bot.slack.oauth.token_rotation = True
    assert oauth_bot.install(f"team:{GLOBEX}").status == 200
    oauth_clock.set(WEDNESDAY_14_UTC + timedelta(hours=9))  # three hours left: outside the lead
    installations = oauth_bot.deps.installations
    assert installations is not None
    installations.forget(GLOBEX)
    assert installations.for_team(GLOBEX).bot_token == oauth_bot.token_of(GLOBEX)
    assert refreshes(oauth_bot.slack) == []


def test_two_replicas_refreshing_at_once_refresh_once_and_both_get_the_new_token(
    oauth_bot: OAuthBot, oauth_clock: Clock, db: Database
) -> None:
    old = install_rotating(oauth_bot, oauth_clock)
    original = oauth_bot.slack.oauth.access

    def slow_refresh(params: Any, headers: Any) -> dict[str, Any]:
        if params.get("grant_type") == "refresh_token":
            time.sleep(0.5)  # long enough for the other replica to want to refresh too
        return original(params, headers)

    oauth_bot.slack.oauth.access = slow_refresh  # type: ignore[method-assign]
    other_db = Database(db.url)  # a second replica: its own engine and connections
    replicas = [
        Installations(
            database,
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
            api_url=oauth_bot.slack.url,
            clock=oauth_clock,
        )
        for database in (db, other_db)
    ]
    start = threading.Barrier(len(replicas))
    tokens: list[str | None] = []
    failures: list[BaseException] = []

    def refresh(replica: Installations) -> None:
        start.wait()
        try:
            tokens.append(replica.for_team(GLOBEX).bot_token)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=refresh, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    other_db.dispose()

    assert failures == []
    (refreshed,) = refreshes(oauth_bot.slack)  # one refresh: the single-use refresh token survived
    new = refreshed.response["access_token"]
    assert tokens == [new, new] and new != old


def test_a_refused_refresh_fails_the_call_and_says_why(oauth_bot: OAuthBot, oauth_clock: Clock) -> None:
    install_rotating(oauth_bot, oauth_clock)
    oauth_bot.slack.oauth.revoke(team_id=GLOBEX)  # uninstalled, before the bot heard of it
    installations = oauth_bot.deps.installations
    assert installations is not None
    with pytest.raises(RefreshFailed) as refused:
        installations.for_team(GLOBEX)
    assert refused.value.code == "invalid_refresh_token"
    with pytest.raises(SlackCallError) as failed:
        oauth_bot.deps.slack.dm(GLOBEX, GRACE, "hello")
    assert failed.value.code == "invalid_refresh_token"
