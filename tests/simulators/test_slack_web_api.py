"""The Slack Web API stand-in, driven by the real slack_sdk WebClient over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from simulators.slack.state import SlackWorkspace
from simulators.slack.web_api import SlackWebApi

TOKEN = "xoxb-test-token"


@pytest.fixture
def api() -> Iterator[SlackWebApi]:
    with SlackWebApi(TOKEN) as standin:
        yield standin


@pytest.fixture
def client(api: SlackWebApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=api.url, timeout=5)


def modal(title: str = "Register", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "register",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Next"},
        "blocks": [
            {
                "type": "input",
                "block_id": "company",
                "label": {"type": "plain_text", "text": "Company"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        **extra,
    }


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_url_is_a_loopback_api_base_and_other_hosts_are_refused(api: SlackWebApi) -> None:
    assert api.url == f"http://127.0.0.1:{api.port}/api/"
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):
        with pytest.raises(ValueError):
            SlackWebApi(host=host)


def test_auth_test_answers_like_slack_and_records_the_bearer_token(
    api: SlackWebApi, client: WebClient
) -> None:
    response = client.auth_test()

    assert response.data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "codat-register",
        "team_id": "T0001",
        "user_id": "U0BOT",
        "bot_id": "B0BOT",
        "is_enterprise_install": False,
    }
    (call,) = api.calls_to("auth.test")
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.status == 200 and call.response["ok"] is True


def test_wrong_or_missing_token_is_refused(api: SlackWebApi) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=api.url)
    assert error_of(wrong.auth_test)["error"] == "invalid_auth"
    anonymous = WebClient(base_url=api.url)
    assert error_of(anonymous.auth_test)["error"] == "not_authed"


def test_unknown_method_is_a_200_with_unknown_method(client: WebClient) -> None:
    data = error_of(lambda: client.api_call("chat.teleport", params={"channel": "C0GENERAL"}))
    assert data == {"ok": False, "error": "unknown_method"}


def test_post_message_records_params_and_lands_in_the_dm(api: SlackWebApi, client: WebClient) -> None:
    blocks = [{"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "*Hi*"}}]

    response = client.chat_postMessage(channel="U0ALICE", text="Hi", blocks=blocks)

    assert response["channel"] == api.dm_channel_for("U0ALICE") == "D0ALICE"
    assert response["message"]["blocks"] == blocks and response["message"]["bot_id"] == "B0BOT"
    (call,) = api.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks and call.params["channel"] == "U0ALICE"
    assert call.headers["Content-Type"].startswith("application/json")
    assert json.loads(call.raw_body)["text"] == "Hi"
    (stored,) = api.messages("D0ALICE")
    assert stored["ts"] == response["ts"] and stored["text"] == "Hi"


def test_chat_update_ephemeral_permalink_and_errors(api: SlackWebApi, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="v1")
    version = api.version

    updated = client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="v2", blocks=[])

    assert updated["text"] == "v2" and updated["ts"] == posted["ts"]
    assert api.messages("C0GENERAL")[0]["text"] == "v2" and "edited" in api.messages("C0GENERAL")[0]
    assert api.version > version
    ephemeral = client.chat_postEphemeral(channel="C0GENERAL", user="U0BOB", text="only you")
    assert api.ephemerals("U0BOB")[0]["ts"] == ephemeral["message_ts"]
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])
    assert link["permalink"].endswith("/archives/C0GENERAL/p" + posted["ts"].replace(".", ""))
    assert error_of(lambda: client.chat_update(channel="C0GENERAL", ts="1.2", text="x"))["error"] == (
        "message_not_found"
    )
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0NOPE", text="x"))["error"] == "channel_not_found"
    )


def test_conversations_open_gives_a_stable_dm_per_user(client: WebClient) -> None:
    first = client.conversations_open(users="U0ALICE")
    again = client.conversations_open(users=["U0ALICE"])
    other = client.conversations_open(users="U0BOB")

    assert first["channel"]["id"] == again["channel"]["id"] == "D0ALICE"
    assert again["already_open"] is True and first["already_open"] is False
    assert other["channel"]["id"] != first["channel"]["id"]
    assert error_of(lambda: client.conversations_open(users="U0DAVE"))["error"] == "user_disabled"
    assert error_of(lambda: client.conversations_open(users="U0NOBODY"))["error"] == "user_not_found"


def test_users_info_and_lookup_report_timezone_and_deletion(api: SlackWebApi, client: WebClient) -> None:
    bob = client.users_info(user="U0BOB")["user"]
    assert bob["tz"] == "America/New_York" and bob["tz_label"].startswith("Eastern")
    assert bob["tz_offset"] in (-18000, -14400) and bob["team_id"] == "T0001"
    assert bob["profile"]["email"] == "bob@acme.example" and bob["deleted"] is False
    assert client.users_info(user="U0DAVE")["user"]["deleted"] is True
    assert client.users_lookupByEmail(email="carol@acme.example")["user"]["id"] == "U0CAROL"
    assert error_of(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"
    assert error_of(lambda: client.users_lookupByEmail(email="x@acme.example"))["error"] == "users_not_found"

    api.set_user("U0BOB", tz="Asia/Tokyo")
    api.add_user("U0ERIN", "erin", real_name="Erin Evans", tz="Europe/London")
    assert client.users_info(user="U0BOB")["user"]["tz_offset"] == 9 * 3600
    assert client.users_info(user="U0ERIN")["user"]["profile"]["email"] == "erin@acme.example"


def test_views_open_needs_a_fresh_unused_trigger(api: SlackWebApi, client: WebClient) -> None:
    trigger = api.issue_trigger_id("U0ALICE")

    view = client.views_open(trigger_id=trigger, view=modal(private_metadata="reg-1"))["view"]

    assert view["id"].startswith("V") and view["hash"] and view["team_id"] == "T0001"
    assert view["state"] == {"values": {}} and view["private_metadata"] == "reg-1"
    assert view["callback_id"] == "register" and view["blocks"][0]["block_id"] == "company"
    assert api.views_for("U0ALICE")["current"]["id"] == view["id"]
    assert (
        error_of(lambda: client.views_open(trigger_id=trigger, view=modal()))["error"] == "expired_trigger_id"
    )
    assert error_of(lambda: client.views_open(trigger_id="1.2.made-up", view=modal()))["error"] == (
        "expired_trigger_id"
    )


def test_triggers_expire_after_the_ttl_unless_not_strict() -> None:
    now = [1_000.0]
    workspace = SlackWorkspace(clock=lambda: now[0], trigger_ttl=3.0)
    with SlackWebApi(TOKEN, workspace=workspace) as api:
        client = WebClient(token=TOKEN, base_url=api.url)
        trigger = api.issue_trigger_id("U0ALICE")
        now[0] += 3.5
        assert error_of(lambda: client.views_open(trigger_id=trigger, view=modal()))["error"] == (
            "expired_trigger_id"
        )
    with SlackWebApi(TOKEN, strict_triggers=False) as lenient:
        client = WebClient(token=TOKEN, base_url=lenient.url)
        assert client.views_open(trigger_id="anything", view=modal())["ok"] is True


def test_views_update_checks_the_hash_and_issues_a_new_one(api: SlackWebApi, client: WebClient) -> None:
    opened = client.views_open(trigger_id=api.issue_trigger_id("U0ALICE"), view=modal(external_id="reg-7"))
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]

    updated = client.views_update(view_id=view_id, hash=first_hash, view=modal("Step 2"))["view"]

    assert updated["id"] == view_id and updated["hash"] != first_hash
    assert updated["title"]["text"] == "Step 2"
    stale = error_of(lambda: client.views_update(view_id=view_id, hash=first_hash, view=modal("Step 3")))
    assert stale["error"] == "hash_conflict"
    by_external = client.views_update(external_id="reg-7", view=modal("Step 3", external_id="reg-7"))
    assert by_external["view"]["id"] == view_id
    assert error_of(lambda: client.views_update(view_id="VNOPE", view=modal()))["error"] == "not_found"


def test_views_push_allows_a_stack_of_three(api: SlackWebApi, client: WebClient) -> None:
    client.views_open(trigger_id=api.issue_trigger_id("U0ALICE"), view=modal())
    client.views_push(trigger_id=api.issue_trigger_id("U0ALICE"), view=modal("Details"))
    client.views_push(trigger_id=api.issue_trigger_id("U0ALICE"), view=modal("More"))

    too_deep = error_of(
        lambda: client.views_push(trigger_id=api.issue_trigger_id("U0ALICE"), view=modal("X"))
    )

    assert too_deep["error"] == "push_limit_reached"
    stack = api.views_for("U0ALICE")["stack"]
    assert [v["title"]["text"] for v in stack] == ["Register", "Details", "More"]
    assert stack[2]["previous_view_id"] == stack[1]["id"] and stack[2]["root_view_id"] == stack[0]["id"]


def test_views_publish_keeps_one_home_per_user(api: SlackWebApi, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}

    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    second = client.views_publish(user_id="U0ALICE", view=home, hash=first["hash"])["view"]

    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    assert api.home("U0ALICE")["hash"] == second["hash"] and api.home("U0BOB") is None


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (modal("A title well over twenty-four characters"), "/view/title/text"),
        (modal(private_metadata="x" * 3001), "/view/private_metadata"),
        (modal(callback_id="c" * 256), "/view/callback_id"),
        ({**modal(), "blocks": [{"type": "divider"}] * 101}, "/view/blocks"),
    ],
)
def test_views_over_slack_limits_are_invalid_arguments(
    api: SlackWebApi, client: WebClient, view: dict[str, Any], pointer: str
) -> None:
    data = error_of(lambda: client.views_open(trigger_id=api.issue_trigger_id("U0ALICE"), view=view))

    assert data["error"] == "invalid_arguments"
    assert any(pointer in message for message in data["response_metadata"]["messages"])
    assert api.views_for("U0ALICE")["current"] is None


def test_a_429_with_retry_after_is_retried_by_the_rate_limit_handler(
    api: SlackWebApi, client: WebClient
) -> None:
    api.fail_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    response = client.chat_postMessage(channel="U0ALICE", text="reminder")

    assert response["ok"] is True
    first, second = api.calls_to("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.status == 200
    assert len(api.messages("U0ALICE")) == 1


def test_faults_without_a_retry_handler_reach_the_caller(api: SlackWebApi, client: WebClient) -> None:
    api.fail_next("chat.postMessage", retry_after=7)
    api.fail_next("users.info", error="fatal_error", status=200, times=2)

    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="U0ALICE", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert error_of(lambda: client.users_info(user="U0BOB"))["error"] == "fatal_error"
    assert error_of(lambda: client.users_info(user="U0BOB"))["error"] == "fatal_error"
    assert client.users_info(user="U0BOB")["ok"] is True


def test_wait_for_returns_calls_made_from_another_thread_or_times_out(
    api: SlackWebApi, client: WebClient
) -> None:
    sender = threading.Thread(target=lambda: client.chat_postMessage(channel="U0BOB", text="later"))
    sender.start()

    (call,) = api.wait_for("chat.postMessage", timeout=5)

    sender.join(5)
    assert call.params["text"] == "later" and api.messages("U0BOB")[0]["text"] == "later"
    with pytest.raises(TimeoutError, match=r"chat\.update"):
        api.wait_for("chat.update", timeout=0.2)
    api.clear_calls()
    assert api.calls == []


def test_response_url_replies_land_as_ephemerals_or_in_channel(api: SlackWebApi) -> None:
    url = api.response_url("U0ALICE", "C0GENERAL")

    assert WebhookClient(url).send(text="just for you").status_code == 200
    assert WebhookClient(url).send(text="for all", response_type="in_channel").status_code == 200

    assert [e["text"] for e in api.ephemerals("U0ALICE")] == ["just for you"]
    assert [m["text"] for m in api.messages("C0GENERAL")] == ["for all"]
    assert len(api.calls_to("response_url")) == 2


def test_the_server_prints_nothing(api: SlackWebApi, client: WebClient, capfd: pytest.CaptureFixture) -> None:
    client.chat_postMessage(channel="U0ALICE", text="secret-ish body")
    error_of(lambda: WebClient(token="bad", base_url=api.url).auth_test())

    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert api.errors == []
