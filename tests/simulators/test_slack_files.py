"""Files through the Slack Web API stand-in: files.getUploadURLExternal, the bytes POSTed to the URL
it answers (served by the stand-in on 127.0.0.1), files.completeUploadExternal sharing the file into
a DM — driven by the real slack_sdk WebClient (files_upload_v2) and by hand."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from simulators.slack.web_api import SlackWebApi

TOKEN = "xoxb-test-token"


@pytest.fixture
def api() -> Iterator[SlackWebApi]:
    with SlackWebApi(TOKEN) as standin:
        yield standin


@pytest.fixture
def client(api: SlackWebApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=api.url, timeout=5)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_files_upload_v2_stores_the_bytes_and_shares_them_in_the_dm(
    api: SlackWebApi, client: WebClient
) -> None:
    channel = client.conversations_open(users="U0ALICE")["channel"]["id"]
    content = b"time,team\r\n2026-01-01T00:00:00Z,T0001\r\n"

    response = client.files_upload_v2(
        filename="trail.csv",
        content=content,
        title="Audit trail",
        channel=channel,
        initial_comment="Here it is",
    )

    file_id = response["file"]["id"]
    assert file_id.startswith("F") and response["file"]["title"] == "Audit trail"
    stored = api.file(file_id)
    assert stored.content == content and stored.name == "trail.csv" and stored.channels == [channel]
    (message,) = api.messages(channel)
    assert message["text"] == "Here it is"
    assert [f["id"] for f in message["files"]] == [file_id] and message["files"][0]["ims"] == [channel]
    methods = [call.method for call in api.calls]
    assert methods[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    upload_url = api.calls_to("files.getUploadURLExternal")[0].response["upload_url"]
    assert upload_url.startswith(f"http://127.0.0.1:{api.port}/upload/")
    assert api.calls_to("upload")[0].raw_body == content


def test_completing_an_upload_whose_bytes_never_arrived_fails(api: SlackWebApi, client: WebClient) -> None:
    started = client.files_getUploadURLExternal(filename="x.csv", length=3)
    files = [{"id": started["file_id"], "title": "x"}]
    assert (
        error_of(lambda: client.files_completeUploadExternal(files=files, channel_id="D0ALICE"))
        == "file_not_found"
    )
    assert api.files()[0].completed is False


def test_a_size_other_than_announced_is_refused(api: SlackWebApi, client: WebClient) -> None:
    started = client.files_getUploadURLExternal(filename="x.csv", length=3)
    request = urllib.request.Request(started["upload_url"], data=b"four", method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as answer:
        assert json.loads(answer.read()) == {"ok": True, "size": 4}
    files = [{"id": started["file_id"]}]
    assert error_of(lambda: client.files_completeUploadExternal(files=files, channel_id="D0ALICE")) == (
        "invalid_arguments"
    )


def test_upload_url_arguments_are_checked(client: WebClient) -> None:
    assert (
        error_of(lambda: client.files_getUploadURLExternal(filename="x.csv", length=0)) == "invalid_arguments"
    )
    assert error_of(lambda: client.api_call("files.getUploadURLExternal", params={"length": 3})) == (
        "invalid_arguments"
    )
