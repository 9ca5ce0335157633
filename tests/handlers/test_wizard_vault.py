"""The credentials step when Secret Manager fails or is slow: the modal stays with an error on the
credential inputs, nothing is stored or advanced, the ack stays well under Slack's 3 s, and the
retry then succeeds. And the canary: a secret typed in the modal ends up only in Secret Manager."""

from __future__ import annotations

import io
import json
from pathlib import Path

import grpc
import pytest

from core.settings import Settings
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from tests.conftest import RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, Wizard, errors, texts, updated
from tests.support.canary import assert_only_in_secret_manager, new_canary

ACK_BOUND_SECONDS = 2.5  # a functional bound (Slack gives up at 3 s), not a benchmark
RETRY_TEXT = "Nothing was saved — press Submit again."


@pytest.fixture
def wizard(bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    return Wizard(bot, slack_api)


def _to_credentials(
    wizard: Wizard, command: str = "start xero", mailbox: str = "xero-admins@acme.example"
) -> None:
    wizard.start(command)
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": mailbox}))


def _assert_nothing_changed(wizard: Wizard) -> None:
    assert wizard.refs() == []
    registration = wizard.registration()
    assert (registration.step, registration.status) == ("credentials", "in_progress")
    assert wizard.items()["retrieve_credentials"].status == "todo"
    assert wizard.current()["title"]["text"] == "4/5 Credentials"


def test_secret_manager_unavailable_keeps_the_modal_and_stores_nothing(
    wizard: Wizard, secret_manager: Emulator
) -> None:
    _to_credentials(wizard)
    before = wizard.current()
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion", times=1000)
    inputs = {"credential_client_id": "xero-id", "credential_client_secret": "xero-secret"}
    response, elapsed = wizard.timed_submit(inputs)
    assert elapsed < ACK_BOUND_SECONDS, elapsed
    assert errors(response) == {"credential_client_id": RETRY_TEXT, "credential_client_secret": RETRY_TEXT}
    assert wizard.current()["hash"] == before["hash"]
    assert secret_manager.payloads() == []
    _assert_nothing_changed(wizard)
    failed = [e for e in wizard.audit() if e.action == "credentials.store_failed"]
    assert failed and failed[0].details["code"] == "unavailable"
    assert failed[0].details["fields"] == ["client_id", "client_secret"]

    secret_manager.clear_faults()
    view = updated(wizard.submit(inputs))
    assert view["title"]["text"] == "5/5 Summary"
    assert len(wizard.refs()) == 1 and len(secret_manager.payloads()) == 1


def test_secret_manager_slower_than_the_deadline_keeps_the_modal(
    wizard: Wizard, secret_manager: Emulator, settings: Settings
) -> None:
    _to_credentials(wizard)
    secret_manager.delay(settings.VAULT_DEADLINE_SECONDS + 0.7, method="AddSecretVersion")
    inputs = {"credential_client_id": "xero-id", "credential_client_secret": "slow-secret"}
    response, elapsed = wizard.timed_submit(inputs)
    assert elapsed < ACK_BOUND_SECONDS, elapsed
    assert errors(response)["credential_client_secret"] == RETRY_TEXT
    _assert_nothing_changed(wizard)
    # Retried: stored and recorded once (Secret Manager may keep the late write as an extra version
    # of the same value: the vault's documented trade-off).
    view = updated(wizard.submit(inputs))
    assert view["title"]["text"] == "5/5 Summary"
    assert len(wizard.refs()) == 1
    assert secret_manager.payloads()[-1] == b'{"client_id":"xero-id","client_secret":"slow-secret"}'


def test_a_refused_write_explains_why(wizard: Wizard, secret_manager: Emulator) -> None:
    _to_credentials(wizard)
    secret_manager.permissions = {"secretmanager.secrets.create"}  # no versions.add
    found = errors(wizard.submit({"credential_client_id": "id", "credential_client_secret": "secret"}))
    assert found["credential_client_id"].startswith(RETRY_TEXT)
    assert "secretmanager.versions.add" in found["credential_client_id"]
    _assert_nothing_changed(wizard)


def test_a_secret_typed_in_the_modal_is_afterwards_only_in_secret_manager(
    wizard: Wizard,
    secret_manager: Emulator,
    slack_api: SlackWebApi,
    db: Database,
    log_output: io.StringIO,
    settings: Settings,
) -> None:
    canary = new_canary()
    _to_credentials(wizard, "start qbo", "qbo-admins@acme.example")
    inputs = {"credential_client_id": "qbo-client-id", "credential_client_secret": canary}
    # A failed attempt first: the value travels through the same code and must not stick anywhere.
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion", times=1000)
    failed = wizard.submit(inputs)
    assert errors(failed) and canary not in json.dumps(failed.body)
    secret_manager.clear_faults()
    stored = wizard.submit(inputs)
    assert canary not in json.dumps(stored.body)
    assert "5/5 Summary" in json.dumps(stored.body)
    # The summary, its Edit button (views.update) and the DM all go out without it.
    wizard.click("edit_step_credentials")
    assert canary not in texts(wizard.current())
    wizard.bot.settle()
    slack_api.wait_for("chat.postMessage")
    assert slack_api.calls_to("views.update")
    data_files = (
        [p for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()] if settings.DATA_DIR.exists() else []
    )
    assert_only_in_secret_manager(
        canary,
        db=db,
        payloads=secret_manager.payloads(),
        slack_calls=slack_api.calls,
        texts=[log_output.getvalue()],
        files=data_files,
    )
    audit = json.dumps([(e.action, e.details) for e in wizard.audit()])
    assert canary not in audit and "credentials.stored" in audit
