"""The Slack stand-in's Sign in with Slack, driven by the real slack_sdk client: the authorize page,
openid.connect.token (client id and secret as HTTP Basic, a code used once) and
openid.connect.userInfo (with the person's token)."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from simulators.slack.oidc import AUTHORIZE_PATH, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulators.slack.web_api import SlackWebApi

REDIRECT = "http://127.0.0.1:9/secure/signed-in"


@pytest.fixture
def api() -> Iterator[SlackWebApi]:
    with SlackWebApi() as running:
        yield running


def get(api: SlackWebApi, query: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(api.host, api.port, timeout=5)
    connection.request("GET", f"{AUTHORIZE_PATH}?{urlencode(query)}")
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def authorize(api: SlackWebApi, user: str | None = None, **changes: str) -> http.client.HTTPResponse:
    query = {
        "response_type": "code",
        "scope": "openid profile",
        "client_id": DEFAULT_CLIENT_ID,
        "state": "the-state",
        "nonce": "the-nonce",
        "redirect_uri": REDIRECT,
        "team": "T0001",
        **changes,
    }
    if user:
        query["user"] = user
    return get(api, query)


def code_of(response: http.client.HTTPResponse) -> str:
    assert response.status == 302
    location = urlsplit(response.getheader("Location") or "")
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["state"] == "the-state"
    return query["code"]


def test_a_person_signs_in_and_the_app_learns_who(api: SlackWebApi) -> None:
    chooser = authorize(api)
    assert chooser.status == 200 and b"Continue as Alice Archer" in chooser.body  # type: ignore[attr-defined]
    assert b"Dave Dormant" not in chooser.body  # type: ignore[attr-defined]  # he left
    code = code_of(authorize(api, "U0CAMILLE"))
    client = WebClient(base_url=api.url)
    answer = client.openid_connect_token(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code, redirect_uri=REDIRECT
    )
    assert answer["ok"] and answer["access_token"].startswith("xoxp-")
    middle = answer["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    assert claims["nonce"] == "the-nonce" and claims["aud"] == DEFAULT_CLIENT_ID
    info = WebClient(token=answer["access_token"], base_url=api.url).openid_connect_userInfo()
    assert info["https://slack.com/user_id"] == "U0CAMILLE" and info["https://slack.com/team_id"] == "T0001"
    assert info["locale"] == "fr-FR"
    # A code works once.
    with pytest.raises(SlackApiError) as again:
        client.openid_connect_token(
            client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, code=code, redirect_uri=REDIRECT
        )
    assert again.value.response["error"] == "invalid_code"


def test_what_the_stand_in_refuses(api: SlackWebApi) -> None:
    assert authorize(api, client_id="someone-else").status == 400
    assert authorize(api, scope="profile").status == 400
    assert authorize(api, redirect_uri="https://evil.example/cb").status == 400
    assert authorize(api, team="T0OTHER").status == 400
    code = code_of(authorize(api, "U0ALICE"))
    client = WebClient(base_url=api.url)
    with pytest.raises(SlackApiError) as wrong:
        client.openid_connect_token(client_id=DEFAULT_CLIENT_ID, client_secret="guess", code=code)
    assert wrong.value.response["error"] == "bad_client_secret"
    with pytest.raises(SlackApiError) as elsewhere:
        client.openid_connect_token(
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
            code=code,
            redirect_uri="http://127.0.0.1:9/x",
        )
    assert elsewhere.value.response["error"] in ("bad_redirect_uri", "invalid_code")
    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxp-made-up", base_url=api.url).openid_connect_userInfo()
    assert unknown.value.response["error"] == "invalid_auth"
