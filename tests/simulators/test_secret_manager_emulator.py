"""The real Secret Manager client against the emulator, over gRPC; no mocks."""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # read when google.auth's metadata module loads

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import google.auth
import google_crc32c
import grpc
import pytest
from google.api_core import exceptions
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from google.cloud.secretmanager_v1.types import AccessSecretVersionResponse, Secret, SecretVersion

from simulators.secret_manager import Emulator, client_for

REPO = Path(__file__).resolve().parents[2]
PROJECT = "projects/test-proj"
SECRET = f"{PROJECT}/secrets/slack-client-secret"
AUTOMATIC = {"replication": {"automatic": {}}}
State = SecretVersion.State


@pytest.fixture(autouse=True)
def _no_adc(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test looked up Application Default Credentials")

    monkeypatch.setattr(google.auth, "default", refuse)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> Iterator[SecretManagerServiceClient]:
    assert emulator.address
    sm = client_for(emulator.address)
    yield sm
    sm.transport.close()


def create(
    client: SecretManagerServiceClient, secret_id: str = "slack-client-secret", **secret: object
) -> Secret:
    body = {**AUTOMATIC, **secret}
    return client.create_secret(
        request={"parent": PROJECT, "secret_id": secret_id, "secret": body}, timeout=5
    )


def add(
    client: SecretManagerServiceClient, data: bytes, parent: str = SECRET, crc: bool = True
) -> SecretVersion:
    payload: dict[str, object] = {"data": data}
    if crc:
        payload["data_crc32c"] = google_crc32c.value(data)
    return client.add_secret_version(request={"parent": parent, "payload": payload}, timeout=5, retry=None)


def access(client: SecretManagerServiceClient, name: str) -> AccessSecretVersionResponse:
    return client.access_secret_version(name=name, timeout=5, retry=None)


# -- secrets -------------------------------------------------------------------------------


def test_create_secret_with_automatic_replication(client: SecretManagerServiceClient) -> None:
    secret = create(client, labels={"platform": "xero"}, annotations={"slack.user": "u123"})
    assert secret.name == SECRET
    assert "automatic" in secret.replication
    assert secret.create_time is not None
    assert secret.etag.startswith('"')
    assert dict(secret.labels) == {"platform": "xero"}
    assert client.get_secret(name=SECRET, timeout=5).name == SECRET


def test_create_secret_with_user_managed_replication(client: SecretManagerServiceClient) -> None:
    replicas = {"user_managed": {"replicas": [{"location": "europe-west1"}, {"location": "europe-west4"}]}}
    secret = create(client, replication=replicas)
    assert [r.location for r in secret.replication.user_managed.replicas] == ["europe-west1", "europe-west4"]


def test_duplicate_secret_is_already_exists(client: SecretManagerServiceClient) -> None:
    create(client)
    with pytest.raises(exceptions.AlreadyExists):
        create(client)


@pytest.mark.parametrize("secret_id", ["bad.id", "with/slash", "x" * 256, "colon:"])
def test_bad_secret_id_is_invalid_argument(client: SecretManagerServiceClient, secret_id: str) -> None:
    with pytest.raises(exceptions.InvalidArgument, match="is not in a valid format"):
        create(client, secret_id)


def test_longest_secret_id_is_accepted(client: SecretManagerServiceClient) -> None:
    assert create(client, "A-z_9" * 51).name.endswith("/secrets/" + "A-z_9" * 51)


@pytest.mark.parametrize(
    "labels",
    [
        {"Env": "prod"},
        {"a.b": "x"},
        {"env": "Prod"},
        {"1env": "x"},
        {"env": "a@b"},
        {f"k{i}": "v" for i in range(65)},
    ],
)
def test_bad_labels_are_invalid_argument(client: SecretManagerServiceClient, labels: dict) -> None:
    with pytest.raises(exceptions.InvalidArgument):
        create(client, labels=labels)


def test_unicode_lowercase_labels_are_accepted(client: SecretManagerServiceClient) -> None:
    labels = {"größe": "ünï-42", "名前": "値", "empty": ""}
    assert dict(create(client, labels=labels).labels) == labels


@pytest.mark.parametrize("annotations", [{"-starts-with-dash": "x"}, {"big": "x" * 16 * 1024}])
def test_bad_annotations_are_invalid_argument(client: SecretManagerServiceClient, annotations: dict) -> None:
    with pytest.raises(exceptions.InvalidArgument):
        create(client, annotations=annotations)


def test_global_secret_without_replication_is_invalid_argument(client: SecretManagerServiceClient) -> None:
    with pytest.raises(exceptions.InvalidArgument, match="replication"):
        client.create_secret(request={"parent": PROJECT, "secret_id": "s", "secret": {}}, timeout=5)


def test_update_labels_with_mask_and_etag(client: SecretManagerServiceClient) -> None:
    secret = create(client, labels={"old": "1"})
    updated = client.update_secret(
        request={
            "secret": {"name": SECRET, "labels": {"new": "2"}, "etag": secret.etag},
            "update_mask": {"paths": ["labels"]},
        },
        timeout=5,
    )
    assert dict(updated.labels) == {"new": "2"}
    assert updated.etag != secret.etag
    with pytest.raises(exceptions.FailedPrecondition):
        client.update_secret(
            request={
                "secret": {"name": SECRET, "labels": {}, "etag": secret.etag},
                "update_mask": {"paths": ["labels"]},
            },
            timeout=5,
        )
    with pytest.raises(exceptions.InvalidArgument):
        client.update_secret(
            request={"secret": {"name": SECRET, "labels": {"A": "b"}}, "update_mask": {"paths": ["labels"]}},
            timeout=5,
        )


def test_delete_and_list_secrets(client: SecretManagerServiceClient, emulator: Emulator) -> None:
    create(client, "one", labels={"team": "a"})
    create(client, "two", labels={"team": "b"})
    assert [s.name for s in client.list_secrets(parent=PROJECT, timeout=5)] == [
        f"{PROJECT}/secrets/one",
        f"{PROJECT}/secrets/two",
    ]
    matching = client.list_secrets(request={"parent": PROJECT, "filter": "labels.team=b"}, timeout=5)
    assert [s.name for s in matching] == [f"{PROJECT}/secrets/two"]
    client.delete_secret(name=f"{PROJECT}/secrets/one", timeout=5)
    assert emulator.secrets() == [f"{PROJECT}/secrets/two"]
    with pytest.raises(exceptions.NotFound):
        client.get_secret(name=f"{PROJECT}/secrets/one", timeout=5)


# -- versions ------------------------------------------------------------------------------


def test_add_version_with_checksum(client: SecretManagerServiceClient) -> None:
    create(client)
    version = add(client, b'{"client_id": "abc"}')
    assert version.name == f"{SECRET}/versions/1"
    assert version.state == State.ENABLED
    assert version.client_specified_payload_checksum is True
    assert version.create_time is not None
    assert add(client, b"no crc", crc=False).client_specified_payload_checksum is False


def test_wrong_checksum_is_invalid_argument_and_stores_nothing(
    client: SecretManagerServiceClient, emulator: Emulator
) -> None:
    create(client)
    with pytest.raises(exceptions.InvalidArgument):
        client.add_secret_version(
            request={"parent": SECRET, "payload": {"data": b"value", "data_crc32c": 1234}},
            timeout=5,
            retry=None,
        )
    assert emulator.versions(SECRET) == []


def test_payload_size_limit(client: SecretManagerServiceClient) -> None:
    create(client)
    assert add(client, b"x" * 65536).state == State.ENABLED
    with pytest.raises(exceptions.InvalidArgument):
        add(client, b"x" * 65537)
    with pytest.raises(exceptions.InvalidArgument):
        add(client, b"", crc=False)


def test_access_returns_data_and_checksum(client: SecretManagerServiceClient) -> None:
    create(client)
    add(client, b"first")
    add(client, b"second", crc=False)
    response = access(client, f"{SECRET}/versions/latest")
    assert response.name == f"{SECRET}/versions/2"
    assert response.payload.data == b"second"
    assert response.payload.data_crc32c == google_crc32c.value(b"second")
    assert access(client, f"{SECRET}/versions/1").payload.data == b"first"


def test_unknown_secret_version_or_project_is_not_found(client: SecretManagerServiceClient) -> None:
    create(client)
    add(client, b"v")
    with pytest.raises(exceptions.NotFound):
        add(client, b"v", parent=f"{PROJECT}/secrets/missing")
    with pytest.raises(exceptions.NotFound):
        access(client, f"{SECRET}/versions/2")
    with pytest.raises(exceptions.NotFound):
        access(client, "projects/other-proj/secrets/slack-client-secret/versions/1")


def test_latest_follows_newest_even_when_disabled(client: SecretManagerServiceClient) -> None:
    create(client)
    add(client, b"one")
    add(client, b"two")
    client.disable_secret_version(name=f"{SECRET}/versions/2", timeout=5)
    latest = client.get_secret_version(name=f"{SECRET}/versions/latest", timeout=5)
    assert (latest.name, latest.state) == (f"{SECRET}/versions/2", State.DISABLED)
    with pytest.raises(exceptions.FailedPrecondition, match="DISABLED"):
        access(client, f"{SECRET}/versions/latest")


def test_disable_enable_destroy(client: SecretManagerServiceClient, emulator: Emulator) -> None:
    create(client)
    add(client, b"keep")
    add(client, b"wipe")
    name = f"{SECRET}/versions/2"
    assert client.disable_secret_version(name=name, timeout=5).state == State.DISABLED
    assert client.enable_secret_version(name=name, timeout=5).state == State.ENABLED
    destroyed = client.destroy_secret_version(name=name, timeout=5)
    assert destroyed.state == State.DESTROYED
    assert destroyed.destroy_time is not None
    assert emulator.payloads() == [b"keep"]
    with pytest.raises(exceptions.FailedPrecondition, match="DESTROYED"):
        access(client, name)
    with pytest.raises(exceptions.FailedPrecondition):
        client.destroy_secret_version(name=name, timeout=5)
    with pytest.raises(exceptions.FailedPrecondition):
        client.enable_secret_version(name=name, timeout=5)


def test_test_iam_permissions_answers_what_is_held_without_needing_any(
    client: SecretManagerServiceClient, emulator: Emulator
) -> None:
    """The real API's semantics: the asked permissions the caller holds, no permission needed to
    ask, an empty answer (not NOT_FOUND) for a secret that does not exist, no wildcards."""
    create(client)
    asked = ["secretmanager.versions.enable", "secretmanager.versions.disable"]

    def held(resource: str = SECRET) -> list[str]:
        request = {"resource": resource, "permissions": asked}
        return list(client.test_iam_permissions(request=request, timeout=5).permissions)

    assert held() == asked  # IAM not checked: everything
    emulator.permissions = {"secretmanager.versions.disable"}  # not even secrets.get
    assert held() == ["secretmanager.versions.disable"]
    assert held(f"{PROJECT}/secrets/missing") == []
    with pytest.raises(exceptions.InvalidArgument):
        client.test_iam_permissions(
            request={"resource": SECRET, "permissions": ["secretmanager.*"]}, timeout=5
        )
    with pytest.raises(exceptions.InvalidArgument):
        client.test_iam_permissions(request={"resource": "projects/p/nope", "permissions": asked}, timeout=5)
    assert ("TestIamPermissions", SECRET) in emulator.calls


def test_version_etag_mismatch_is_failed_precondition(client: SecretManagerServiceClient) -> None:
    create(client)
    version = add(client, b"v")
    client.disable_secret_version(request={"name": version.name, "etag": version.etag}, timeout=5)
    with pytest.raises(exceptions.FailedPrecondition):
        client.enable_secret_version(request={"name": version.name, "etag": version.etag}, timeout=5)


def test_list_versions_newest_first_with_paging_and_filter(client: SecretManagerServiceClient) -> None:
    create(client)
    for i in range(5):
        add(client, f"v{i}".encode())
    client.disable_secret_version(name=f"{SECRET}/versions/4", timeout=5)
    pager = client.list_secret_versions(request={"parent": SECRET, "page_size": 2}, timeout=5)
    assert [v.name.rsplit("/", 1)[1] for v in pager] == ["5", "4", "3", "2", "1"]  # follows page tokens
    raw = client.list_secret_versions(request={"parent": SECRET, "page_size": 2}, timeout=5)
    page = next(iter(raw.pages))
    assert len(page.versions) == 2 and page.next_page_token and page.total_size == 5
    enabled = client.list_secret_versions(request={"parent": SECRET, "filter": "state:ENABLED"}, timeout=5)
    assert [v.name.rsplit("/", 1)[1] for v in enabled] == ["5", "3", "2", "1"]


def test_regional_secret_takes_no_replication(client: SecretManagerServiceClient) -> None:
    parent = f"{PROJECT}/locations/europe-west1"
    secret = client.create_secret(request={"parent": parent, "secret_id": "r", "secret": {}}, timeout=5)
    assert secret.name == f"{parent}/secrets/r"
    assert add(client, b"v", parent=secret.name).name == f"{parent}/secrets/r/versions/1"
    with pytest.raises(exceptions.InvalidArgument):
        client.create_secret(request={"parent": parent, "secret_id": "r2", "secret": AUTOMATIC}, timeout=5)


def test_malformed_version_names_are_invalid_argument(client: SecretManagerServiceClient) -> None:
    create(client)
    add(client, b"v")
    with pytest.raises(exceptions.InvalidArgument, match="is not in a valid format"):
        access(client, f"{SECRET}/versions/0")
    with pytest.raises(exceptions.InvalidArgument):  # only get and access resolve `latest`
        client.disable_secret_version(name=f"{SECRET}/versions/latest", timeout=5)


# -- project numbers -----------------------------------------------------------------------


def test_answers_use_the_project_number_when_configured() -> None:
    with Emulator(project_numbers={"test-proj": "123456789012"}) as emu:
        assert emu.address
        sm = client_for(emu.address)
        try:
            secret = create(sm)
            assert secret.name == "projects/123456789012/secrets/slack-client-secret"
            assert SecretManagerServiceClient.parse_secret_path(secret.name) == {
                "project": "123456789012",
                "secret": "slack-client-secret",
            }
            version = add(sm, b"v", parent="projects/123456789012/secrets/slack-client-secret")
            parsed = SecretManagerServiceClient.parse_secret_version_path(version.name)
            assert parsed["secret"] == "slack-client-secret" and parsed["secret_version"] == "1"
            assert access(sm, f"{SECRET}/versions/1").payload.data == b"v"  # the id form still works
            assert emu.secrets() == ["projects/123456789012/secrets/slack-client-secret"]
        finally:
            sm.transport.close()


# -- faults, delays, IAM -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (grpc.StatusCode.UNAVAILABLE, exceptions.ServiceUnavailable),
        (grpc.StatusCode.DEADLINE_EXCEEDED, exceptions.DeadlineExceeded),
        (grpc.StatusCode.PERMISSION_DENIED, exceptions.PermissionDenied),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, exceptions.ResourceExhausted),
    ],
)
def test_injected_fault_surfaces_on_add(
    client: SecretManagerServiceClient, emulator: Emulator, code: grpc.StatusCode, error: type[Exception]
) -> None:
    create(client)
    emulator.inject_fault(code, method="AddSecretVersion", message="boom")
    with pytest.raises(error, match="boom"):
        add(client, b"v")
    assert emulator.versions(SECRET) == []
    assert add(client, b"v").name.endswith("/versions/1")  # used up after one call


def test_fault_only_hits_its_method(client: SecretManagerServiceClient, emulator: Emulator) -> None:
    emulator.inject_fault(grpc.StatusCode.UNAVAILABLE, method="access_secret_version", times=2)
    create(client)
    add(client, b"v")
    emulator.clear_faults()
    assert access(client, f"{SECRET}/versions/1").payload.data == b"v"


def test_after_apply_fault_leaves_the_version_stored(
    client: SecretManagerServiceClient, emulator: Emulator
) -> None:
    create(client)
    emulator.inject_fault(grpc.StatusCode.DEADLINE_EXCEEDED, method="AddSecretVersion", after_apply=True)
    with pytest.raises(exceptions.DeadlineExceeded):
        add(client, b"maybe")
    assert [v.name for v in emulator.versions(SECRET)] == [f"{SECRET}/versions/1"]
    assert emulator.payloads() == [b"maybe"]


def test_delay_beyond_client_deadline(client: SecretManagerServiceClient, emulator: Emulator) -> None:
    create(client)
    emulator.delay(2.0, method="AddSecretVersion")
    started = time.monotonic()
    with pytest.raises(exceptions.DeadlineExceeded):
        client.add_secret_version(
            request={"parent": SECRET, "payload": {"data": b"v"}}, timeout=0.2, retry=None
        )
    assert time.monotonic() - started < 1.5


def test_iam_mode_allows_create_and_add_but_denies_access(
    emulator: Emulator, client: SecretManagerServiceClient
) -> None:
    emulator.permissions = {"secretmanager.secrets.create", "secretmanager.versions.add"}
    create(client)
    version = add(client, b"write-only")
    with pytest.raises(exceptions.PermissionDenied) as denied:
        access(client, version.name)
    assert str(denied.value.message) == (
        f"Permission 'secretmanager.versions.access' denied for resource '{SECRET}' (or it may not exist)."
    )
    with pytest.raises(exceptions.PermissionDenied):  # not NotFound: existence stays hidden
        client.get_secret(name=f"{PROJECT}/secrets/missing", timeout=5)
    with pytest.raises(exceptions.PermissionDenied):
        client.list_secret_versions(parent=SECRET, timeout=5)


# -- concurrency, inspection, lifecycle ----------------------------------------------------


def test_concurrent_adds_get_distinct_version_numbers(client: SecretManagerServiceClient) -> None:
    create(client)
    barrier = threading.Barrier(50)

    def one(i: int) -> str:
        barrier.wait(timeout=5)
        return add(client, f"value-{i}".encode()).name

    with ThreadPoolExecutor(max_workers=50) as pool:
        names = list(pool.map(one, range(50)))
    assert sorted(int(n.rsplit("/", 1)[1]) for n in names) == list(range(1, 51))


def test_calls_are_recorded_without_payloads(client: SecretManagerServiceClient, emulator: Emulator) -> None:
    create(client)
    add(client, b"super-secret-value")
    assert emulator.calls == [("CreateSecret", SECRET), ("AddSecretVersion", SECRET)]
    assert "super-secret-value" not in repr(emulator.calls)
    emulator.permissions = set()
    emulator.reset()
    assert (emulator.calls, emulator.secrets(), emulator.payloads()) == ([], [], [])
    assert emulator.permissions is None  # back to the constructor's configuration


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host=host).start()
    with pytest.raises(ValueError, match="loopback"):
        client_for(f"{host}:8085")


def test_standalone_module_answers_a_create() -> None:
    env = {**os.environ, "NO_GCE_CHECK": "true", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.secret_manager",
            "--port",
            "0",
            "--project-number",
            "test-proj=42",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=15)
        assert lines and lines[0].strip(), "the emulator printed no address"
        sm = client_for(lines[0].strip())
        try:
            assert create(sm).name == "projects/42/secrets/slack-client-secret"
        finally:
            sm.transport.close()
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()
            process.communicate()


# -- rotation schedules and topics -----------------------------------------------------------

TOPIC = {"name": "projects/test-proj/topics/rotations"}


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def test_a_rotation_schedule_with_topics_is_stored_and_returned(client: SecretManagerServiceClient) -> None:
    moment = ahead(days=30)
    rotation = {"next_rotation_time": moment, "rotation_period": timedelta(days=90)}
    created = create(client, topics=[TOPIC], rotation=rotation)

    got = client.get_secret(name=SECRET, timeout=5)
    for secret in (created, got):
        assert [topic.name for topic in secret.topics] == [TOPIC["name"]]
        assert abs(secret.rotation.next_rotation_time - moment) < timedelta(milliseconds=1)
        assert secret.rotation.rotation_period == timedelta(days=90)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ({"rotation": {"next_rotation_time": ahead(days=1)}}, "topics must be set"),
        ({"topics": [TOPIC], "rotation": {"next_rotation_time": ahead(days=-1)}}, "at least 5 minutes"),
        ({"topics": [TOPIC], "rotation": {"next_rotation_time": ahead(seconds=120)}}, "at least 5 minutes"),
        ({"topics": [TOPIC], "rotation": {"next_rotation_time": ahead(days=36_600)}}, "at most 100 years"),
        (
            {
                "topics": [TOPIC],
                "rotation": {"next_rotation_time": ahead(days=1), "rotation_period": timedelta(minutes=59)},
            },
            "at least 3600 seconds",
        ),
        (
            {"topics": [TOPIC], "rotation": {"rotation_period": timedelta(days=30)}},
            "next_rotation_time must be set",
        ),
        ({"topics": [{"name": f"projects/test-proj/topics/t{n}"} for n in range(11)]}, "at most 10 topics"),
        ({"topics": [{"name": "rotations"}]}, "projects/\\*/topics/\\*"),
        ({"topics": [{"name": "projects/test-proj/subscriptions/s"}]}, "not in a valid format"),
    ],
)
def test_bad_rotation_or_topics_are_invalid_argument_on_create(
    client: SecretManagerServiceClient, emulator: Emulator, secret: dict, message: str
) -> None:
    with pytest.raises(exceptions.InvalidArgument, match=message):
        create(client, **secret)
    assert emulator.secrets() == []


def test_ten_topics_are_accepted(client: SecretManagerServiceClient) -> None:
    topics = [{"name": f"projects/test-proj/topics/t{n}"} for n in range(10)]
    assert len(create(client, topics=topics).topics) == 10


def test_update_sets_and_clears_rotation_and_topics(client: SecretManagerServiceClient) -> None:
    create(client, annotations={"keep": "me"})
    moment = ahead(days=60)
    updated = client.update_secret(
        request={
            "secret": {"name": SECRET, "topics": [TOPIC], "rotation": {"next_rotation_time": moment}},
            "update_mask": {"paths": ["rotation", "topics"]},
        },
        timeout=5,
    )
    assert [topic.name for topic in updated.topics] == [TOPIC["name"]]
    got = client.get_secret(name=SECRET, timeout=5)
    assert abs(got.rotation.next_rotation_time - moment) < timedelta(milliseconds=1)
    assert dict(got.annotations) == {"keep": "me"}  # not in the mask: untouched

    cleared = client.update_secret(
        request={"secret": {"name": SECRET}, "update_mask": {"paths": ["rotation", "topics"]}}, timeout=5
    )
    assert "rotation" not in cleared and list(cleared.topics) == []
    assert "rotation" not in client.get_secret(name=SECRET, timeout=5)


@pytest.mark.parametrize(
    ("secret", "paths", "message"),
    [
        ({"rotation": {"next_rotation_time": ahead(days=1)}}, ["rotation"], "topics must be set"),
        (
            {"topics": [TOPIC], "rotation": {"next_rotation_time": ahead(days=-1)}},
            ["rotation", "topics"],
            "at least 5 minutes",
        ),
        (
            {
                "topics": [TOPIC],
                "rotation": {"next_rotation_time": ahead(days=1), "rotation_period": timedelta(seconds=60)},
            },
            ["rotation", "topics"],
            "at least 3600 seconds",
        ),
        (
            {"topics": [{"name": f"projects/p/topics/t{n}"} for n in range(11)]},
            ["topics"],
            "at most 10 topics",
        ),
        ({"topics": [{"name": "projects/p/topics/"}]}, ["topics"], "not in a valid format"),
    ],
)
def test_bad_rotation_or_topics_are_invalid_argument_on_update(
    client: SecretManagerServiceClient, secret: dict, paths: list[str], message: str
) -> None:
    before = create(client)
    with pytest.raises(exceptions.InvalidArgument, match=message):
        client.update_secret(
            request={"secret": {"name": SECRET, **secret}, "update_mask": {"paths": paths}}, timeout=5
        )
    after = client.get_secret(name=SECRET, timeout=5)
    assert after.etag == before.etag and "rotation" not in after and list(after.topics) == []


def test_clearing_the_topics_of_a_scheduled_secret_is_invalid_argument(
    client: SecretManagerServiceClient,
) -> None:
    create(client, topics=[TOPIC], rotation={"next_rotation_time": ahead(days=1)})
    with pytest.raises(exceptions.InvalidArgument, match="topics must be set"):
        client.update_secret(
            request={"secret": {"name": SECRET}, "update_mask": {"paths": ["topics"]}}, timeout=5
        )
    assert len(client.get_secret(name=SECRET, timeout=5).topics) == 1


def test_update_needs_secrets_update_in_iam_mode(
    emulator: Emulator, client: SecretManagerServiceClient
) -> None:
    create(client)
    emulator.permissions = {"secretmanager.secrets.create", "secretmanager.secrets.get"}
    request = {
        "secret": {"name": SECRET, "annotations": {"a": "b"}},
        "update_mask": {"paths": ["annotations"]},
    }
    with pytest.raises(exceptions.PermissionDenied, match=r"secretmanager\.secrets\.update"):
        client.update_secret(request=request, timeout=5)
    emulator.permissions = {"secretmanager.secrets.update", "secretmanager.secrets.get"}
    assert dict(client.update_secret(request=request, timeout=5).annotations) == {"a": "b"}
