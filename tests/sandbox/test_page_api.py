"""The sandbox page's JSON API, against the real bot over signed HTTP (no browser)."""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.error import HTTPError

import pytest

from simulators.sandbox import Sandbox
from simulators.sandbox.page_server import PageServer

ALICE = "U0ALICE"


class Page:
    """A client for the page server, as the page's own script uses it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self, path: str, body: Any = None, *, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        sent = {"Content-Type": "application/json"} if body is not None else {}
        request = urllib.request.Request(self.url + path, data=data, headers={**sent, **(headers or {})})
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except HTTPError as error:
            with error:
                return error.code, dict(error.headers.items()), error.read()

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, _, raw = self.request(path, body)
        return status, json.loads(raw)

    def state(self, user: str = ALICE, since: int = -1, wait: float = 0) -> dict[str, Any]:
        status, _, raw = self.request(f"/api/state?user={user}&since={since}&wait={wait}")
        assert status == 200, raw
        return json.loads(raw)


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox()


@pytest.fixture
def page(sandbox: Sandbox) -> Page:
    return Page(sandbox.url)


def test_state_shows_the_workspace_as_one_user_sees_it(page: Page) -> None:
    state = page.state("")
    assert state["user"] == ALICE  # the first active person until the page picks someone
    people = {u["id"]: u for u in state["users"]}
    assert people["U0BOB"]["email"] == "bob@acme.example" and people["U0BOB"]["tz"] == "America/New_York"
    assert people["U0DAVE"]["deleted"] is True
    assert state["messages"] == [] and state["ephemerals"] == [] and state["modals"] == []
    assert state["secrets_notice"] == "the development vault — development only"
    assert page.request("/api/state?user=U0NOBODY")[0] == 404
    status, body = page.post("/api/switch", {"user": "U0DAVE"})
    assert status == 400 and "left the workspace" in body["error"]
    status, body = page.post("/api/switch", {"user": "U0CAROL"})
    assert status == 200 and body["user"] == "U0CAROL"


def test_state_long_polls_on_the_change_counter_and_is_bounded(page: Page) -> None:
    version = page.state()["version"]
    started = time.monotonic()
    idle = page.state(since=version, wait=0.5)
    assert 0.4 <= time.monotonic() - started < 3 and idle["version"] == version

    timer = threading.Timer(0.3, page.post, ["/api/command", {"user": ALICE, "text": "/codat-register help"}])
    timer.start()
    started = time.monotonic()
    changed = page.state(since=version, wait=20)
    timer.join()
    assert time.monotonic() - started < 5 and changed["version"] > version


def test_slash_command_reaches_the_bot_signed_and_the_reply_is_ephemeral(
    page: Page, sandbox: Sandbox
) -> None:
    status, body = page.post("/api/command", {"user": ALICE, "text": "/codat-register help"})
    assert (status, body) == (200, {"ok": True})
    [reply] = page.state()["ephemerals"]
    assert reply["channel"] == "D0ALICE" and reply["blocks"]
    assert page.state("U0BOB")["ephemerals"] == []  # only visible to Alice
    # The bot really checks signatures: the same body unsigned is refused.
    assert sandbox.events is not None
    unsigned = urllib.request.Request(sandbox.events.url, data=b"command=%2Fcodat-register", method="POST")
    with pytest.raises(HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(unsigned, timeout=10)
    assert refused.value.code == 401


def test_commands_other_than_the_apps_are_refused(page: Page) -> None:
    status, body = page.post("/api/command", {"user": ALICE, "text": "/giphy cats"})
    assert status == 400 and "not a command in this workspace" in body["error"]
    status, body = page.post("/api/command", {"user": ALICE, "text": "hello bot"})
    assert status == 400 and "slash commands" in body["error"]


def test_a_modal_is_closed_and_submitted_through_slack_semantics(page: Page, sandbox: Sandbox) -> None:
    assert sandbox.api is not None
    view = {
        "type": "modal",
        "callback_id": "sandbox_probe",
        "title": {"type": "plain_text", "text": "Probe"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "pick",
                "label": {"type": "plain_text", "text": "Pick"},
                "element": {
                    "type": "static_select",
                    "action_id": "v",
                    "options": [{"text": {"type": "plain_text", "text": "A"}, "value": "a"}],
                },
            }
        ],
    }
    opened = sandbox.api.views.open(sandbox.api.issue_trigger_id(ALICE), view)
    status, body = page.post(
        "/api/view/submit", {"user": ALICE, "view_id": opened["id"], "values": {"pick": {"v": "zzz"}}}
    )
    assert status == 400 and "not an option" in body["error"]
    status, body = page.post(
        "/api/view/submit", {"user": ALICE, "view_id": opened["id"], "values": {"pick": {"v": "a"}}}
    )
    assert status == 200 and body["ok"] is False and "HTTP 404" in body["error"]  # no such listener
    assert page.post("/api/view/submit", {"user": "U0BOB", "view_id": opened["id"]})[0] == 404
    # A pushed view shows on top; closing it goes back to the one below (Slack's back arrow).
    pushed = sandbox.api.views.push(sandbox.api.issue_trigger_id(ALICE), {**view, "callback_id": "pushed"})
    assert [v["id"] for v in page.state()["modals"]] == [opened["id"], pushed["id"]]
    assert page.post("/api/view/close", {"user": ALICE, "view_id": pushed["id"]}) == (200, {"ok": True})
    assert [v["id"] for v in page.state()["modals"]] == [opened["id"]]
    assert page.post("/api/view/close", {"user": ALICE, "view_id": opened["id"]}) == (200, {"ok": True})
    assert page.state()["modals"] == []


def test_opening_the_home_tab_publishes_the_home(page: Page, sandbox: Sandbox) -> None:
    assert page.post("/api/tab", {"user": ALICE, "tab": "home"}) == (200, {"ok": True, "sent": True})
    deadline = time.monotonic() + 10
    while page.state()["home"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.state()["home"]["type"] == "home"


def test_clock_control_moves_the_bots_clock_and_sweeps(page: Page, sandbox: Sandbox) -> None:
    before = sandbox.clock.now()
    status, body = page.post("/api/clock", {"hours": 24})
    assert status == 200 and body["ok"] is True
    assert sandbox.clock.now() - before >= timedelta(hours=24)
    assert body["sweep"]["ran"] is True, body["sweep"]
    for bad in (0, -1, "24", True, 24 * 365):
        assert page.post("/api/clock", {"hours": bad})[0] == 400


def test_only_this_page_may_drive_the_sandbox(page: Page, sandbox: Sandbox) -> None:
    port = sandbox.page.port if sandbox.page else 0
    status, _, _ = page.request("/api/state", headers={"Host": f"evil.example:{port}"})
    assert status == 403  # DNS rebinding
    status, _, _ = page.request(
        "/api/command",
        {"user": ALICE, "text": "/codat-register help"},
        headers={"Origin": "http://evil.example"},
    )
    assert status == 403
    status, _, _ = page.request(
        "/api/command", b"user=U0ALICE", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 415  # a cross-site form cannot send JSON without a preflight
    assert page.state()["ephemerals"] == []


def test_static_files_and_nothing_else(page: Page) -> None:
    status, headers, raw = page.request("/")
    assert status == 200 and b"codat-register" in raw
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for name in ("app.js", "blockkit.js", "mrkdwn.js", "style.css"):
        assert page.request(f"/static/{name}")[0] == 200
    for path in ("/static/../page_server.py", "/static/%2e%2e/runner.py", "/etc/passwd", "/static/"):
        assert page.request(path)[0] == 404


def test_the_page_server_binds_loopback_only(sandbox: Sandbox) -> None:
    assert sandbox.api is not None and sandbox.events is not None
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        with pytest.raises(ValueError, match="loopback"):
            PageServer(sandbox.api, sandbox.events, sandbox.deps, host=host)


def test_request_bodies_are_never_logged(page: Page, log_output: io.StringIO, capfd: Any) -> None:
    canary = "canary-page-body-7f3a9c"
    page.post("/api/command", {"user": ALICE, "text": f"/codat-register info {canary}"})
    page.post("/api/view/submit", {"user": ALICE, "view_id": "V0NONE", "values": {"b": {"a": canary}}})
    page.post("/api/action", {"user": ALICE, "surface": "bogus", "values": {"b": {"a": canary}}})
    out, err = capfd.readouterr()
    assert canary not in log_output.getvalue() and canary not in out and canary not in err
