"""The stand-in's user groups: usergroups.users.list as Slack answers it (the bot's ADMIN_USERGROUP),
and the personas' Slack roles in users.info."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from simulators.slack.web_api import SlackWebApi


@pytest.fixture
def client() -> Iterator[WebClient]:
    with SlackWebApi() as api:
        client = WebClient(token=api.bot_token, base_url=api.url)
        client.api = api  # type: ignore[attr-defined]
        yield client


def test_usergroups_users_list_answers_the_members(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == ["U0ALICE"]
    client.api.workspace.set_usergroup("S0ADMINS", ("U0ALICE", "U0CAROL"))  # type: ignore[attr-defined]
    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == ["U0ALICE", "U0CAROL"]
    client.api.workspace.set_usergroup("S0NEW", ("U0BOB",), handle="new-admins")  # type: ignore[attr-defined]
    assert client.usergroups_users_list(usergroup="S0NEW")["users"] == ["U0BOB"]


@pytest.mark.parametrize(
    ("params", "error"), [({"usergroup": "S0NOSUCH"}, "no_such_subteam"), ({}, "invalid_arguments")]
)
def test_usergroups_users_list_errors(client: WebClient, params: dict[str, str], error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("usergroups.users.list", params=params)
    assert raised.value.response["error"] == error


def test_the_personas_roles(client: WebClient) -> None:
    alice, bob, gus = (client.users_info(user=u)["user"] for u in ("U0ALICE", "U0BOB", "U0GUS"))
    assert alice["is_admin"] and not bob["is_admin"] and not bob["is_restricted"]
    assert gus["is_restricted"] and not gus["is_admin"] and gus["real_name"] == "Gus Guest"
