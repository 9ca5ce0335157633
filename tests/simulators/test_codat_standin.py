"""The Codat stand-in over real HTTP on 127.0.0.1: Codat's shapes, auth, 404, 429, paging, call counts."""

from __future__ import annotations

import base64
import email.utils
import os
import selectors
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from simulators.codat import DEFAULT_INTEGRATIONS, SOURCE_TYPES, CodatStandIn, IntegrationRecord

API_KEY = "standin-test-key-7d1c"
REPO = Path(__file__).resolve().parents[2]
INTEGRATION_FIELDS = {
    "key",
    "logoUrl",
    "name",
    "enabled",
    "sourceId",
    "sourceType",
    "integrationId",
    "isOfflineConnector",
    "isBeta",
    "dataProvidedBy",
    "datatypeFeatures",
}
ERROR_FIELDS = {"statusCode", "service", "error", "correlationId", "canBeRetried", "detailedErrorCode"}


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


AUTH = basic(API_KEY)


@pytest.fixture
def standin() -> Iterator[CodatStandIn]:
    with CodatStandIn(api_key=API_KEY) as running:
        yield running
    assert running.errors == []


@pytest.fixture
def http(standin: CodatStandIn) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.url, timeout=5, trust_env=False) as client:
        yield client


def assert_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body.keys() >= ERROR_FIELDS
    assert body["statusCode"] == status
    assert body["service"] == "PublicApi"
    assert isinstance(body["error"], str) and body["error"]
    assert len(body["correlationId"]) == 32
    return body


# -- shapes ---------------------------------------------------------------------------------------
def test_start_returns_a_loopback_base_url_and_stop_closes_it() -> None:
    standin = CodatStandIn(api_key=API_KEY)
    url = standin.start()
    assert url == standin.url == f"http://127.0.0.1:{standin.port}"
    assert httpx.get(url + "/integrations/gbol", headers=AUTH, trust_env=False, timeout=5).status_code == 200
    standin.stop()
    standin.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/integrations/gbol", headers=AUTH, trust_env=False, timeout=2)


def test_an_integration_has_codats_shape(standin: CodatStandIn, http: httpx.Client) -> None:
    response = http.get("/integrations/gbol", headers=AUTH)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == INTEGRATION_FIELDS
    assert body["key"] == "gbol" and body["name"] == "Xero"
    assert body["enabled"] is False
    assert body["sourceType"] in SOURCE_TYPES
    uuid.UUID(body["sourceId"])
    uuid.UUID(body["integrationId"])
    assert isinstance(body["isOfflineConnector"], bool) and isinstance(body["isBeta"], bool)
    assert isinstance(body["dataProvidedBy"], str)
    assert body["datatypeFeatures"]
    for feature in body["datatypeFeatures"]:
        assert isinstance(feature["datatype"], str)
        assert feature["supportedFeatures"]
        assert {f["featureType"] for f in feature["supportedFeatures"]} <= {"Get", "Post", "Put", "Delete"}
        assert all(f["featureState"] == "Release" for f in feature["supportedFeatures"])
    # The logo is served by the stand-in itself: the sandbox page loads nothing from the internet.
    assert body["logoUrl"] == f"{standin.url}/_standin/logos/gbol.svg"
    logo = http.get(body["logoUrl"])
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml"
    assert logo.text.startswith("<svg")


def test_ids_are_stable_and_defaults_mirror_a_new_codat_client(standin: CodatStandIn) -> None:
    with CodatStandIn(api_key=API_KEY) as other:
        assert other.integration("gbol")["integrationId"] == standin.integration("gbol")["integrationId"]
    enabled = [i["key"] for i in standin.integrations() if i["enabled"]]
    assert enabled == ["mqjo"]  # only Codat's own sandbox is on until someone sets a platform up
    assert standin.integration("pqsw")["isOfflineConnector"] is True
    assert {i["key"] for i in standin.integrations()} == {r.key for r in DEFAULT_INTEGRATIONS}


def test_added_integrations_and_flips_show_in_the_api(standin: CodatStandIn, http: httpx.Client) -> None:
    added = standin.add_integration("zzab", "Test Ledger", source_type="Commerce", is_beta=True)
    assert http.get("/integrations/zzab", headers=AUTH).json() == added
    assert added["sourceType"] == "Commerce" and added["isBeta"] is True
    assert added["datatypeFeatures"][0]["datatype"].startswith("commerce-")

    standin.set_enabled("zzab", True)
    assert http.get("/integrations/zzab", headers=AUTH).json()["enabled"] is True
    standin.set_enabled("zzab", False)
    assert http.get("/integrations/zzab", headers=AUTH).json()["enabled"] is False

    with pytest.raises(KeyError):
        standin.set_enabled("nope", True)
    with pytest.raises(ValueError, match="sourceType"):
        standin.add_integration("bad1", "Bad", source_type="Ledger")

    standin.remove_integration("zzab")
    assert_error(http.get("/integrations/zzab", headers=AUTH), 404)


def test_set_integrations_replaces_everything(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.set_integrations(
        [
            IntegrationRecord("aaaa", "Alpha", enabled=True),
            {"key": "bbbb", "name": "Beta Books", "sourceType": "Banking", "enabled": False},
        ]
    )
    listing = http.get("/integrations", headers=AUTH).json()
    assert [(i["key"], i["enabled"], i["sourceType"]) for i in listing["results"]] == [
        ("aaaa", True, "Accounting"),
        ("bbbb", False, "Banking"),
    ]
    assert_error(http.get("/integrations/gbol", headers=AUTH), 404)


def test_constructor_integrations_and_empty_stand_in() -> None:
    with CodatStandIn(api_key=API_KEY, integrations=[]) as empty:
        body = httpx.get(empty.url + "/integrations", headers=AUTH, trust_env=False, timeout=5).json()
    assert body["results"] == [] and body["totalResults"] == 0


# -- auth -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("not-the-key"),
        basic(API_KEY + ":"),  # username:password style is not Codat's scheme
        {"Authorization": API_KEY},
        {"Authorization": "Bearer " + base64.b64encode(API_KEY.encode()).decode()},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic"},
    ],
    ids=["missing", "wrong-key", "user-colon", "bare-key", "bearer", "garbage", "empty"],
)
def test_anything_but_basic_base64_of_the_key_is_401(http: httpx.Client, headers: dict[str, str]) -> None:
    body = assert_error(http.get("/integrations/gbol", headers=headers), 401)
    assert body["error"] == "Unauthorized"
    assert API_KEY not in http.get("/integrations/gbol", headers=headers).text
    assert_error(http.get("/integrations", headers=headers), 401)


def test_the_scheme_is_case_insensitive(http: httpx.Client) -> None:
    token = base64.b64encode(API_KEY.encode()).decode()
    assert http.get("/integrations/gbol", headers={"Authorization": f"basic {token}"}).status_code == 200


def test_a_new_key_replaces_the_old_one(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.set_api_key("rotated-key")
    assert_error(http.get("/integrations/gbol", headers=AUTH), 401)
    assert http.get("/integrations/gbol", headers=basic("rotated-key")).status_code == 200
    assert standin.authorization_header() == basic("rotated-key")["Authorization"]


# -- 404 and other errors -------------------------------------------------------------------------
def test_unknown_platform_key_is_404_in_codats_shape(http: httpx.Client) -> None:
    body = assert_error(http.get("/integrations/zzzz", headers=AUTH), 404)
    assert "zzzz" in body["error"]


def test_unknown_route_and_wrong_method(http: httpx.Client) -> None:
    assert_error(http.get("/companies", headers=AUTH), 404)
    assert_error(http.get("/integrations/gbol/branding/extra", headers=AUTH), 404)
    response = http.post("/integrations/gbol", headers=AUTH, json={})
    assert_error(response, 405)
    assert response.headers["allow"] == "GET"


def test_fail_next_answers_codat_errors_or_raw_bodies(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.fail_next(2, status=503)
    assert_error(http.get("/integrations/gbol", headers=AUTH), 503)
    assert_error(http.get("/integrations", headers=AUTH), 503)
    standin.fail_next(1, status=200, body=b"<html>gateway</html>")
    raw = http.get("/integrations/gbol", headers=AUTH)
    assert raw.status_code == 200 and raw.text == "<html>gateway</html>"
    assert raw.headers["content-type"].startswith("text/html")
    assert http.get("/integrations/gbol", headers=AUTH).json()["key"] == "gbol"
    with pytest.raises(ValueError):
        standin.fail_next(0)


# -- 429 ------------------------------------------------------------------------------------------
def test_rate_limit_next_n_calls_with_retry_after_seconds(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.rate_limit_next(2, retry_after_seconds=17)
    for _ in range(2):
        response = http.get("/integrations/gbol", headers=AUTH)
        body = assert_error(response, 429)
        assert response.headers["retry-after"] == "17"
        assert "too many requests" in body["error"]
    after = http.get("/integrations/gbol", headers=AUTH)
    assert after.status_code == 200 and "retry-after" not in after.headers


def test_rate_limit_with_an_http_date_or_no_header(standin: CodatStandIn, http: httpx.Client) -> None:
    when = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    standin.rate_limit_next(1, retry_at=when)
    standin.rate_limit_next(1, retry_after_seconds=None)

    dated = http.get("/integrations/gbol", headers=AUTH)
    assert dated.status_code == 429
    assert dated.headers["retry-after"] == "Tue, 06 May 2031 07:08:09 GMT"
    assert email.utils.parsedate_to_datetime(dated.headers["retry-after"]) == when
    bare = http.get("/integrations/gbol", headers=AUTH)
    assert bare.status_code == 429 and "retry-after" not in bare.headers
    assert http.get("/integrations/gbol", headers=AUTH).status_code == 200
    with pytest.raises(ValueError):
        standin.rate_limit_next(1, retry_at=datetime(2031, 1, 1))  # naive


def test_forced_answers_come_before_the_key_check(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.rate_limit_next(1, 5)
    assert http.get("/integrations/gbol").status_code == 429
    assert http.get("/integrations/gbol").status_code == 401


# -- paging ---------------------------------------------------------------------------------------
def test_list_defaults_to_page_one_of_100(standin: CodatStandIn, http: httpx.Client) -> None:
    body = http.get("/integrations", headers=AUTH).json()
    assert set(body) == {"results", "pageNumber", "pageSize", "totalResults", "_links"}
    assert (body["pageNumber"], body["pageSize"]) == (1, 100)
    assert body["totalResults"] == len(DEFAULT_INTEGRATIONS) == len(body["results"])
    assert body["_links"] == {
        "self": {"href": "/integrations"},
        "current": {"href": "/integrations?page=1&pageSize=100"},
    }
    assert all(set(item) == INTEGRATION_FIELDS for item in body["results"])


def test_pages_cover_every_integration_once(standin: CodatStandIn, http: httpx.Client) -> None:
    total = len(DEFAULT_INTEGRATIONS)
    seen: list[str] = []
    page = 1
    while page <= total:  # bounded: at most one page per integration
        body = http.get("/integrations", params={"page": page, "pageSize": 4}, headers=AUTH).json()
        assert body["pageNumber"] == page and body["pageSize"] == 4 and body["totalResults"] == total
        seen += [item["key"] for item in body["results"]]
        links = body["_links"]
        assert links["current"]["href"] == f"/integrations?page={page}&pageSize=4"
        assert ("previous" in links) == (page > 1)
        if "next" not in links:
            break
        assert links["next"]["href"] == f"/integrations?page={page + 1}&pageSize=4"
        page += 1
    assert page == -(-total // 4)
    assert sorted(seen) == sorted(r.key for r in DEFAULT_INTEGRATIONS)

    beyond = http.get("/integrations", params={"page": page + 5, "pageSize": 4}, headers=AUTH).json()
    assert beyond["results"] == [] and beyond["totalResults"] == total


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "x"}, {"pageSize": "0"}, {"pageSize": "5001"}, {"pageSize": "-1"}],
)
def test_bad_paging_is_400(http: httpx.Client, params: dict[str, str]) -> None:
    assert_error(http.get("/integrations", params=params, headers=AUTH), 400)


def test_query_and_order_by(standin: CodatStandIn, http: httpx.Client) -> None:
    standin.set_enabled("gbol", True)
    body = http.get(
        "/integrations",
        params={"query": "sourceType=Accounting&&enabled=true", "orderBy": "-name"},
        headers=AUTH,
    ).json()
    assert [item["key"] for item in body["results"]] == ["gbol", "mqjo"]  # "Xero", "Sandbox"
    assert body["totalResults"] == 2
    assert "query=sourceType%3DAccounting%26%26enabled%3Dtrue" in body["_links"]["current"]["href"]

    banks = http.get("/integrations", params={"query": "sourceType!=Accounting"}, headers=AUTH).json()
    assert {item["sourceType"] for item in banks["results"]} == {"Banking", "Commerce"}
    assert_error(http.get("/integrations", params={"query": "name~Xe"}, headers=AUTH), 400)
    assert_error(http.get("/integrations", params={"orderBy": "datatypeFeatures"}, headers=AUTH), 400)


# -- call counting --------------------------------------------------------------------------------
def test_calls_are_counted_per_path_whatever_the_answer(standin: CodatStandIn, http: httpx.Client) -> None:
    http.get("/integrations/gbol", headers=AUTH)
    http.get("/integrations/gbol/", headers=AUTH)  # same path
    http.get("/integrations/gbol")  # 401 counts too
    standin.rate_limit_next(1)
    http.get("/integrations/gbol", headers=AUTH)  # and 429
    http.get("/integrations/zzzz", headers=AUTH)
    http.get("/integrations", params={"page": 1}, headers=AUTH)
    http.patch("/_standin/integrations/gbol", json={"enabled": True})  # control calls do not

    assert standin.calls("/integrations/gbol") == 4
    assert standin.calls("/integrations/zzzz") == 1
    assert standin.calls("/integrations") == 1
    assert standin.calls("/integrations/qhyg") == 0
    assert standin.calls() == 6
    recorded = standin.recorded_calls()
    assert [c.status for c in recorded if c.path == "/integrations/gbol"] == [200, 200, 401, 429]
    assert [c.authorized for c in recorded if c.path == "/integrations/gbol"] == [True, True, False, True]
    assert all(API_KEY not in repr(c) for c in recorded)

    standin.clear_calls()
    assert standin.calls() == 0 and standin.calls("/integrations/gbol") == 0


def test_counting_is_thread_safe(standin: CodatStandIn) -> None:
    threads, per_thread = 8, 15
    failures: list[BaseException] = []

    def hammer() -> None:
        try:
            with httpx.Client(base_url=standin.url, timeout=5, trust_env=False) as client:
                for _ in range(per_thread):
                    assert client.get("/integrations/qhyg", headers=AUTH).status_code == 200
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert failures == []
    assert standin.calls("/integrations/qhyg") == threads * per_thread


def test_wait_for_calls_is_bounded(standin: CodatStandIn, http: httpx.Client) -> None:
    http.get("/integrations/gbol", headers=AUTH)
    assert standin.wait_for_calls("/integrations/gbol", 1, timeout=1) == 1
    with pytest.raises(TimeoutError):
        standin.wait_for_calls("/integrations/gbol", 2, timeout=0.2)


# -- control endpoints (for the stand-in as its own process) ---------------------------------------
def test_control_endpoints(standin: CodatStandIn, http: httpx.Client) -> None:
    flipped = http.patch("/_standin/integrations/gbol", json={"enabled": True})
    assert flipped.status_code == 200 and flipped.json()["enabled"] is True
    assert standin.integration("gbol")["enabled"] is True
    assert_error(http.patch("/_standin/integrations/gbol", json={"enabled": "yes"}), 400)
    assert_error(http.patch("/_standin/integrations/nope", json={"enabled": True}), 404)

    put = http.put("/_standin/integrations/newp", json={"name": "New Platform", "sourceType": "Banking"})
    assert put.status_code == 200 and put.json()["sourceType"] == "Banking"
    assert http.get("/integrations/newp", headers=AUTH).json()["name"] == "New Platform"
    assert_error(http.put("/_standin/integrations/bad2", json={"name": "X", "sourceType": "Nope"}), 400)

    assert http.post("/_standin/rate-limit", json={"calls": 1, "retryAfterSeconds": 9}).status_code == 200
    assert http.get("/integrations/gbol", headers=AUTH).headers["retry-after"] == "9"
    assert http.post("/_standin/fail", json={"status": 502}).status_code == 200
    assert http.get("/integrations/gbol", headers=AUTH).status_code == 502

    counts = http.get("/_standin/calls").json()
    assert counts == {"total": 3, "byPath": {"/integrations/newp": 1, "/integrations/gbol": 2}}
    assert http.delete("/_standin/calls").status_code == 204
    assert standin.calls() == 0
    assert http.delete("/_standin/integrations/newp").status_code == 204
    assert standin.integration("newp") is None
    assert_error(http.get("/_standin/nothing"), 404)


# -- loopback only --------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::1", "example.com", ""])
def test_non_loopback_bind_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        CodatStandIn(api_key=API_KEY, host=host)


def test_localhost_means_127_0_0_1() -> None:
    assert CodatStandIn(api_key=API_KEY, host="localhost").host == "127.0.0.1"


# -- python -m simulators.codat -------------------------------------------------------------------
def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"no output from the stand-in within {timeout}s")
    return process.stdout.readline().strip()


def test_module_runs_the_stand_in_on_loopback() -> None:
    env = {**os.environ, "CODAT_API_KEY": "cli-key-3f9a"}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.codat", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _first_line(process, timeout=20)
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url, timeout=5, trust_env=False) as client:
            assert client.get("/integrations/gbol", headers=basic("cli-key-3f9a")).json()["enabled"] is False
            assert client.patch("/_standin/integrations/gbol", json={"enabled": True}).status_code == 200
            assert client.get("/integrations/gbol", headers=basic("cli-key-3f9a")).json()["enabled"] is True
            assert client.get("/integrations/gbol", headers=AUTH).status_code == 401
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "cli-key-3f9a" not in stderr


def test_module_refuses_a_public_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulators.codat", "--host", "0.0.0.0", "--port", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
