"""The stand-in's OAuth: several workspaces each answered with its own token, the consent page and
its one-time codes, expiring tokens and single-use refresh tokens, organisation tokens, revocation;
and its default (one workspace, one token) unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.clock import Clock
from simulators.slack.browser import Browser
from simulators.slack.oidc import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulators.slack.state import GLOBEX_USERS, SimUser, SlackWorkspace
from simulators.slack.web_api import DEFAULT_BOT_TOKEN, SlackWebApi

REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"  # never reached: the test reads the redirect
NOON = datetime(2026, 6, 10, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def api(clock: Clock) -> Iterator[SlackWebApi]:
    standin = SlackWebApi(workspace=SlackWorkspace(clock=lambda: clock.now().timestamp()))
    standin.add_workspace("T0002", "Globex", users=GLOBEX_USERS)
    standin.add_enterprise("E0001", "Initech")
    north = (SimUser("U0NINA", "nina", "Nina North", "nina@initech.example"),)
    standin.add_workspace("T0101", "Initech North", users=north, enterprise_id="E0001")
    standin.oauth.redirect_urls = [REDIRECT]
    with standin:
        yield standin
    assert standin.errors == []


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as failed:
        call()  # type: ignore[operator]
    return str(failed.value.response["error"])


def client(api: SlackWebApi, token: str | None = None, **kwargs: object) -> WebClient:
    return WebClient(token=token, base_url=api.url, **kwargs)  # type: ignore[arg-type]


def code_for(api: SlackWebApi, target: str, state: str = "s1") -> str:
    query = {"client_id": DEFAULT_CLIENT_ID, "scope": "commands,chat:write", "state": state}
    authorize = f"{api.url.removesuffix('api/')}oauth/v2/authorize?{urlencode(query)}"
    browser = Browser()
    consent = browser.get(authorize)
    assert consent.status == 200 and "Allow: install into" in consent.body
    decided = browser.post(authorize.split("?")[0], {**query, "target": target})
    assert decided.status == 302 and decided.location.startswith(REDIRECT)
    answer = parse_qs(urlsplit(decided.location).query)
    assert answer["state"] == [state]
    return answer["code"][0]


def exchange(api: SlackWebApi, code: str) -> dict:  # type: ignore[type-arg]
    response = client(api).oauth_v2_access(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code
    )
    return dict(response.data)  # type: ignore[arg-type]


def test_the_default_token_still_speaks_for_the_default_workspace(api: SlackWebApi) -> None:
    answer = client(api, DEFAULT_BOT_TOKEN).auth_test()
    assert (answer["team_id"], answer["user_id"], answer["is_enterprise_install"]) == (
        "T0001",
        "U0BOT",
        False,
    )
    assert api.calls_to("auth.test")[0].team_id == "T0001"


def test_each_token_speaks_for_its_workspace(api: SlackWebApi) -> None:
    token = exchange(api, code_for(api, "team:T0002"))["access_token"]
    globex = client(api, token)
    assert globex.auth_test()["team_id"] == "T0002"
    assert globex.auth_test()["user_id"] == "U0BOT2"
    assert globex.users_info(user="U0GRACE")["user"]["team_id"] == "T0002"
    assert error_of(lambda: globex.users_info(user="U0ALICE")) == "user_not_found"
    globex.chat_postMessage(channel="U0GRACE", text="hi")
    assert api.messages("U0GRACE", "T0002")[0]["text"] == "hi"
    assert api.messages("U0GRACE") == []  # not in the default workspace
    assert all(call.bearer == token for call in api.calls if call.team_id == "T0002")


def test_a_code_is_exchanged_once_with_the_apps_credentials(api: SlackWebApi) -> None:
    code = code_for(api, "team:T0002")
    wrong = client(api)
    assert error_of(
        lambda: wrong.oauth_v2_access(client_id=DEFAULT_CLIENT_ID, client_secret="nope", code=code)
    ) == ("bad_client_secret")
    answer = exchange(api, code)
    assert answer["team"] == {"id": "T0002", "name": "Globex"} and answer["token_type"] == "bot"
    assert answer["authed_user"] == {"id": "U0GRACE"} and "refresh_token" not in answer
    assert error_of(lambda: exchange(api, code)) == "invalid_code"


def test_rotating_tokens_expire_and_refresh_tokens_work_once(api: SlackWebApi, clock: Clock) -> None:
    api.oauth.token_rotation = True
    first = exchange(api, code_for(api, "team:T0002"))
    assert first["access_token"].startswith("xoxe.xoxb-") and first["expires_in"] == 12 * 3600
    app = client(api)

    def refresh(token: str) -> dict:  # type: ignore[type-arg]
        response = app.oauth_v2_access(
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
            grant_type="refresh_token",
            refresh_token=token,
        )
        return dict(response.data)  # type: ignore[arg-type]

    second = refresh(first["refresh_token"])
    assert (
        second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    )
    assert error_of(lambda: refresh(first["refresh_token"])) == "invalid_refresh_token"  # single-use
    clock.set(NOON + timedelta(hours=12))
    assert error_of(lambda: client(api, first["access_token"]).auth_test()) == "token_expired"
    assert error_of(lambda: client(api, second["access_token"]).auth_test()) == "token_expired"
    third = refresh(second["refresh_token"])
    assert client(api, third["access_token"]).auth_test()["team_id"] == "T0002"


def test_an_organisations_token_names_the_workspace_of_each_call(api: SlackWebApi) -> None:
    answer = exchange(api, code_for(api, "enterprise:E0001"))
    assert answer["is_enterprise_install"] is True and answer["team"] is None
    assert answer["enterprise"] == {"id": "E0001", "name": "Initech"}
    org = answer["access_token"]
    assert client(api, org).auth_test()["is_enterprise_install"] is True
    north = client(api, org, team_id="T0101")
    assert north.auth_test()["team_id"] == "T0101"
    assert client(api, org).users_info(user="U0NINA")["user"]["team_id"] == "T0101"  # found by the user
    outside = client(api, org, team_id="T0002")
    assert error_of(outside.auth_test) == "team_access_not_granted"


def test_revoked_tokens_are_refused(api: SlackWebApi) -> None:
    token = exchange(api, code_for(api, "team:T0002"))["access_token"]
    assert api.oauth.revoke(team_id="T0002") == 1
    assert error_of(lambda: client(api, token).auth_test()) == "token_revoked"
    assert api.oauth.tokens_for(team_id="T0002") == []


def test_the_consent_page_checks_the_request(api: SlackWebApi) -> None:
    base = f"{api.url.removesuffix('api/')}oauth/v2/authorize?"
    browser = Browser()
    unknown = browser.get(base + urlencode({"client_id": "other", "scope": "commands", "state": "s"}))
    assert unknown.status == 400
    away = {"client_id": DEFAULT_CLIENT_ID, "scope": "commands", "redirect_uri": "https://example.com/cb"}
    assert browser.get(base + urlencode(away)).status == 400
    cancelled = browser.post(
        base.removesuffix("?"),
        {"client_id": DEFAULT_CLIENT_ID, "scope": "commands", "state": "s", "decision": "cancel"},
    )
    assert parse_qs(urlsplit(cancelled.location).query) == {"error": ["access_denied"], "state": ["s"]}
