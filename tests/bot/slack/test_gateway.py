"""The outgoing Slack gateway against the Web API stand-in: caches, errors, and what it sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.slack.gateway import HashConflict, SlackCallError, SlackGateway, web_client
from core.clock import Clock
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.slack_users import SlackUsers
from tests.conftest import BOT_TOKEN, TEAM_ID

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def gateway(slack_api: SlackWebApi, db: Database) -> SlackGateway:
    return SlackGateway(web_client(BOT_TOKEN, slack_api.url), SlackUsers(db), Clock(NOON), refresh_hours=24)


def test_users_info_is_asked_with_the_locale_and_cached_for_the_refresh_period(
    gateway: SlackGateway, slack_api: SlackWebApi
) -> None:
    camille = gateway.person(TEAM_ID, "U0CAMILLE")
    assert camille is not None
    assert (camille.locale, camille.tz, camille.email) == ("fr-FR", "Europe/Paris", "camille@acme.example")
    assert "Camille Caron" in camille.names
    assert slack_api.calls_to("users.info")[0].params["include_locale"] in ("1", "true", "True")

    gateway.forget_person(TEAM_ID, "U0CAMILLE")  # the database cache answers without Slack
    assert gateway.person(TEAM_ID, "U0CAMILLE") == camille
    assert len(slack_api.calls_to("users.info")) == 1

    slack_api.set_user("U0CAMILLE", tz="Europe/Brussels")
    gateway.clock.advance(timedelta(hours=25))
    assert gateway.person(TEAM_ID, "U0CAMILLE").tz == "Europe/Brussels"  # type: ignore[union-attr]
    assert len(slack_api.calls_to("users.info")) == 2


def test_a_person_who_left_is_marked_deleted_and_a_failure_keeps_the_stale_facts(
    gateway: SlackGateway, slack_api: SlackWebApi
) -> None:
    assert gateway.person(TEAM_ID, "U0BOB").deleted is False  # type: ignore[union-attr]
    gateway.clock.advance(timedelta(days=2))
    gateway.forget_person(TEAM_ID, "U0BOB")
    slack_api.fail_next("users.info", error="internal_error", status=200, retry_after=None)
    stale = gateway.person(TEAM_ID, "U0BOB")
    assert stale is not None and stale.tz == "America/New_York" and not stale.deleted

    gateway.forget_person(TEAM_ID, "U0BOB")
    slack_api.fail_next("users.info", error="user_not_found", status=200, retry_after=None)
    assert gateway.person(TEAM_ID, "U0BOB").deleted is True  # type: ignore[union-attr]
    assert gateway.person(TEAM_ID, "U0NOBODY-EVER") is not None  # user_not_found: known as gone
    assert gateway.person(TEAM_ID, "U0NOBODY-EVER").deleted is True  # type: ignore[union-attr]


def test_nothing_known_and_slack_down_gives_none(gateway: SlackGateway, slack_api: SlackWebApi) -> None:
    slack_api.fail_next("users.info", error="internal_error", status=200, retry_after=None)
    assert gateway.person(TEAM_ID, "U0CAROL") is None
    assert gateway.cached_person(TEAM_ID, "U0CAROL") is None


def test_a_refresh_keeps_the_persons_language_choice(gateway: SlackGateway) -> None:
    gateway.set_language(TEAM_ID, "U0ALICE", "fr")
    gateway.clock.advance(timedelta(days=2))
    alice = gateway.person(TEAM_ID, "U0ALICE")
    assert alice is not None and alice.language == "fr" and alice.locale == "en-US"


def test_the_dm_channel_is_opened_once_and_forgotten_when_slack_says_it_is_gone(
    gateway: SlackGateway, slack_api: SlackWebApi
) -> None:
    gateway.dm(TEAM_ID, "U0ALICE", "one")
    gateway.dm(TEAM_ID, "U0ALICE", "two")
    assert len(slack_api.calls_to("conversations.open")) == 1
    assert [m["text"] for m in slack_api.messages(slack_api.dm_channel_for("U0ALICE"))] == ["one", "two"]

    slack_api.fail_next("chat.postMessage", error="channel_not_found", status=200, retry_after=None)
    with pytest.raises(SlackCallError) as failed:
        gateway.dm(TEAM_ID, "U0ALICE", "three")
    assert failed.value.code == "channel_not_found" and failed.value.method == "chat.postMessage"
    gateway.dm(TEAM_ID, "U0ALICE", "four")
    assert len(slack_api.calls_to("conversations.open")) == 2


def test_before_send_runs_with_the_channel_just_before_the_post(
    gateway: SlackGateway, slack_api: SlackWebApi
) -> None:
    seen: list[tuple[str, int]] = []
    gateway.dm(TEAM_ID, "U0BOB", "hello", before_send=lambda ch: seen.append((ch, len(slack_api.calls))))
    channel, calls_before = seen[0]
    assert channel == slack_api.dm_channel_for("U0BOB")
    assert slack_api.calls[calls_before].method == "chat.postMessage"


def test_a_stale_view_hash_is_its_own_error(gateway: SlackGateway, slack_api: SlackWebApi) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = gateway.open_view(TEAM_ID, slack_api.issue_trigger_id("U0ALICE"), modal)
    gateway.update_view(TEAM_ID, opened["id"], modal, opened["hash"])
    with pytest.raises(HashConflict):
        gateway.update_view(TEAM_ID, opened["id"], modal, opened["hash"])


def test_a_refused_connection_is_a_slack_call_error(db: Database) -> None:
    dead = SlackGateway(web_client(BOT_TOKEN, "http://127.0.0.1:9/api/"), SlackUsers(db), Clock(NOON))
    dead.client.retry_handlers = []
    with pytest.raises(SlackCallError) as failed:
        dead.post_message(TEAM_ID, "C0GENERAL", "hi")
    assert failed.value.code in ("URLError", "ConnectionRefusedError")
