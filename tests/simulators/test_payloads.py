"""What Slack sends to the bot: payload builders, request signing, and the events client over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from simulators.slack.events_client import SlackEventsClient
from simulators.slack.payloads import (
    PayloadError,
    block_actions_payload,
    slash_command_body,
    state_values_for,
    view_submission_payload,
)
from simulators.slack.signing import sign_request
from simulators.slack.web_api import SlackWebApi

SECRET = "test-signing-secret"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str) -> dict[str, Any]:
    return {"text": plain(value.title()), "value": value}


def input_block(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": plain(block_id), "element": element}


SAMPLE_MODAL: dict[str, Any] = {
    "id": "V0SAMPLE",
    "hash": "1712345678.abcd1234",
    "type": "modal",
    "callback_id": "register_step_1",
    "private_metadata": "reg-42",
    "title": plain("Register"),
    "submit": plain("Next"),
    "blocks": [
        input_block("company", {"type": "plain_text_input", "action_id": "value"}),
        input_block("email", {"type": "email_text_input", "action_id": "value"}),
        input_block("site", {"type": "url_text_input", "action_id": "value"}),
        input_block("seats", {"type": "number_input", "action_id": "value", "is_decimal_allowed": False}),
        input_block(
            "platform",
            {
                "type": "static_select",
                "action_id": "value",
                "option_groups": [
                    {"label": plain("Accounting"), "options": [option("xero"), option("sage")]},
                    {"label": plain("Banking"), "options": [option("plaid")]},
                ],
            },
        ),
        input_block("lookup", {"type": "external_select", "action_id": "value"}),
        input_block("owner", {"type": "users_select", "action_id": "value"}),
        input_block("approvers", {"type": "multi_users_select", "action_id": "value"}),
        input_block(
            "env",
            {"type": "radio_buttons", "action_id": "value", "options": [option("sandbox"), option("live")]},
        ),
        input_block(
            "steps",
            {"type": "checkboxes", "action_id": "value", "options": [option("a"), option("b"), option("c")]},
        ),
        input_block("start", {"type": "datepicker", "action_id": "value"}),
        input_block("at", {"type": "timepicker", "action_id": "value", "initial_time": "09:00"}),
        input_block("notes", {"type": "plain_text_input", "action_id": "value", "multiline": True}),
        {
            "type": "section",
            "block_id": "region",
            "text": {"type": "mrkdwn", "text": "Region"},
            "accessory": {
                "type": "static_select",
                "action_id": "pick",
                "options": [option("eu"), option("us")],
            },
        },
        {
            "type": "actions",
            "block_id": "tools",
            "elements": [
                {"type": "button", "action_id": "check", "text": plain("Check"), "value": "check"},
                {"type": "datepicker", "action_id": "due"},
                {"type": "users_select", "action_id": "reviewer"},
            ],
        },
    ],
}


def test_state_values_shape_each_element_type_like_slack() -> None:
    values = state_values_for(
        SAMPLE_MODAL,
        {
            "company": "Acme Ltd",
            "email": "ops@acme.example",
            "site": "https://acme.example",
            "seats": 12,
            "platform": "plaid",
            "lookup": "quickbooks",
            "owner": "U0ALICE",
            "approvers": ["U0BOB", "U0CAROL"],
            "env": "live",
            "steps": ["a", "c"],
            "start": "2026-09-01",
            "region": "eu",
            "tools": {"due": "2026-10-01"},
        },
    )

    assert values["company"] == {"value": {"type": "plain_text_input", "value": "Acme Ltd"}}
    assert values["email"]["value"] == {"type": "email_text_input", "value": "ops@acme.example"}
    assert values["site"]["value"]["value"] == "https://acme.example"
    assert values["seats"]["value"] == {"type": "number_input", "value": "12"}
    assert values["platform"]["value"] == {"type": "static_select", "selected_option": option("plaid")}
    assert values["lookup"]["value"]["selected_option"]["value"] == "quickbooks"
    assert values["owner"]["value"] == {"type": "users_select", "selected_user": "U0ALICE"}
    assert values["approvers"]["value"]["selected_users"] == ["U0BOB", "U0CAROL"]
    assert values["env"]["value"] == {"type": "radio_buttons", "selected_option": option("live")}
    assert values["steps"]["value"]["selected_options"] == [option("a"), option("c")]
    assert values["start"]["value"] == {"type": "datepicker", "selected_date": "2026-09-01"}
    # Unfilled inputs: the initial value, else null, as Slack sends them.
    assert values["at"]["value"] == {"type": "timepicker", "selected_time": "09:00"}
    assert values["notes"]["value"] == {"type": "plain_text_input", "value": None}
    # Section accessories and actions elements appear only when given.
    assert values["region"] == {"pick": {"type": "static_select", "selected_option": option("eu")}}
    assert values["tools"] == {"due": {"type": "datepicker", "selected_date": "2026-10-01"}}


def test_state_values_with_nothing_typed_are_all_null() -> None:
    values = state_values_for(SAMPLE_MODAL, {})

    assert values["company"]["value"]["value"] is None
    assert values["platform"]["value"]["selected_option"] is None
    assert values["steps"]["value"]["selected_options"] == []
    assert values["approvers"]["value"]["selected_users"] == []
    assert "region" not in values and "tools" not in values


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        ({"no_such_block": "x"}, "no_such_block"),
        ({"platform": "netsuite"}, "not an option"),
        ({"steps": ["a", "z"]}, "not an option"),
        ({"tools": "2026-10-01"}, "several elements"),
    ],
)
def test_inputs_that_do_not_fit_the_view_raise(inputs: dict[str, Any], match: str) -> None:
    with pytest.raises(PayloadError, match=match):
        state_values_for(SAMPLE_MODAL, inputs)


def form_payload(body: str) -> dict[str, Any]:
    return json.loads(parse_qs(body)["payload"][0])


def test_slash_command_body_is_form_encoded_like_slack() -> None:
    body = slash_command_body(text="status xero", user_id="U0BOB", trigger_id="1.2.3")

    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["command"] == "/codat-register" and fields["text"] == "status xero"
    assert fields["user_id"] == "U0BOB" and fields["user_name"] == "bob" and fields["team_id"] == "T0001"
    assert fields["channel_id"] == "D0BOB" and fields["trigger_id"] == "1.2.3"
    assert fields["response_url"].startswith("https://hooks.slack.invalid/")


def test_view_submission_keeps_the_view_identity_and_fills_state() -> None:
    payload = form_payload(view_submission_payload(SAMPLE_MODAL, {"company": "Acme"}, "U0ALICE"))

    assert payload["type"] == "view_submission"
    assert payload["user"] == {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0001"}
    assert payload["team"]["id"] == "T0001" and payload["api_app_id"] and payload["trigger_id"]
    view = payload["view"]
    assert (view["id"], view["hash"]) == ("V0SAMPLE", "1712345678.abcd1234")
    assert (view["callback_id"], view["private_metadata"]) == ("register_step_1", "reg-42")
    assert view["state"]["values"]["company"]["value"]["value"] == "Acme"


def test_block_actions_for_a_message_button_and_a_modal_dispatch() -> None:
    message = {"ts": "1712345678.000100", "text": "Reminder", "blocks": SAMPLE_MODAL["blocks"][-1:]}

    clicked = form_payload(
        block_actions_payload(
            "check", user_id="U0BOB", message=message, channel_id="D0BOB", response_url="http://127.0.0.1:1/r"
        )
    )

    assert clicked["type"] == "block_actions" and clicked["response_url"] == "http://127.0.0.1:1/r"
    assert clicked["container"] == {
        "type": "message",
        "message_ts": "1712345678.000100",
        "channel_id": "D0BOB",
        "is_ephemeral": False,
    }
    (action,) = clicked["actions"]
    assert (action["type"], action["block_id"], action["value"]) == ("button", "tools", "check")
    assert action["text"] == plain("Check") and clicked["channel"]["id"] == "D0BOB"

    picked = form_payload(
        block_actions_payload(
            "pick", user_id="U0ALICE", view=SAMPLE_MODAL, selected_option="us", inputs={"company": "Acme"}
        )
    )

    assert picked["container"] == {"type": "view", "view_id": "V0SAMPLE"}
    assert (
        picked["actions"][0]["selected_option"] == option("us")
        and picked["actions"][0]["type"] == "static_select"
    )
    assert picked["view"]["state"]["values"]["company"]["value"]["value"] == "Acme"
    with pytest.raises(PayloadError):
        block_actions_payload("nope", user_id="U0ALICE", view=SAMPLE_MODAL)


def test_signed_bodies_verify_and_tampered_ones_do_not() -> None:
    verifier = SignatureVerifier(SECRET)
    body = slash_command_body(user_id="U0ALICE")

    headers = sign_request(body, SECRET)

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), sign_request(body.encode(), SECRET, content_type=None))
    assert not verifier.is_valid_request(body.replace("U0ALICE", "U0MALLORY"), headers)
    assert not verifier.is_valid_request(body, sign_request(body, "another-secret"))
    assert not verifier.is_valid_request(body, sign_request(body, SECRET, timestamp=1_000_000_000))


@dataclass
class FakeBot:
    """A bare HTTP endpoint standing in for the bot: checks signatures and records what arrives."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def fake_bot() -> Iterator[FakeBot]:
    bot = FakeBot()
    verifier = SignatureVerifier(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = dict(self.headers.items())
            if not verifier.is_valid_request(body, headers):
                self.send_response(401)
                self.end_headers()
                return
            bot.received.append((headers, body))
            reply = json.dumps(bot.replies.pop(0)).encode() if bot.replies else b""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    bot.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield bot
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_events_client_posts_signed_commands_and_submissions(fake_bot: FakeBot) -> None:
    events = SlackEventsClient(fake_bot.url, SECRET)

    command = events.command("register xero", "U0ALICE")
    fake_bot.replies.append({"response_action": "errors", "errors": {"company": "Required"}})
    submitted = events.submit_view(SAMPLE_MODAL, {"company": ""}, "U0ALICE")

    assert command.status == 200 and command.body == ""
    assert submitted.body == {"response_action": "errors", "errors": {"company": "Required"}}
    (command_headers, command_body), (_, submission_body) = fake_bot.received
    assert command_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(command_body.decode())["text"] == ["register xero"]
    view = form_payload(submission_body.decode())["view"]
    assert view["id"] == "V0SAMPLE" and view["state"]["values"]["company"]["value"]["value"] == ""
    assert SlackEventsClient(fake_bot.url, "wrong-secret").command("help", "U0ALICE").status == 401


def test_events_client_plays_slack_with_the_stand_in(fake_bot: FakeBot) -> None:
    with SlackWebApi() as api:
        events = SlackEventsClient(fake_bot.url, SECRET, web_api=api)
        opened = api.views.open(api.issue_trigger_id("U0ALICE"), SAMPLE_MODAL)
        assert opened["id"] != SAMPLE_MODAL["id"]  # ids and hashes are Slack's to give
        step_two = {"type": "modal", "title": plain("Step 2"), "blocks": []}

        events.command("register", "U0ALICE")
        fake_bot.replies.append({"response_action": "update", "view": step_two})
        events.submit_view(opened, {"company": "Acme"}, "U0ALICE")

        command = {k: v[0] for k, v in parse_qs(fake_bot.received[0][1].decode()).items()}
        assert api.workspace.consume_trigger(command["trigger_id"]) == "U0ALICE"
        assert command["response_url"].startswith(f"http://127.0.0.1:{api.port}/response/")
        assert api.views_for("U0ALICE")["current"]["title"]["text"] == "Step 2"
        events.submit_view(api.views_for("U0ALICE")["current"], {}, "U0ALICE")  # bare ack closes it
        assert api.views_for("U0ALICE")["current"] is None


def test_events_client_refuses_non_loopback_urls() -> None:
    for url in ("https://example.com/slack/events", "http://10.0.0.1/slack/events", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            SlackEventsClient(url, SECRET)
