"""What keeping a version pending needs from Secret Manager, and what happens without it — with the
emulator's IAM mode (the caller's permissions) and injected faults.

- The role lacks versions.enable / versions.disable: a clear error in the modal naming them, and
  nothing added (TestIamPermissions is asked before AddSecretVersion).
- Disabling the new version fails after it was added: the modal says nothing was saved, nothing
  waits for approval, and the bot keeps disabling it after the answer.
- The role loses versions.enable before the approval: the approver is told why, the approval
  waits again, the version stays disabled and the previous credential current.
"""

from __future__ import annotations

import grpc

from tests.approvals.conftest import ALICE, BOB, CAMILLE, FIRST, Desk
from tests.handlers.wizard_support import PREREQS_DONE, errors, updated

WRITER = {"secretmanager.secrets.create", "secretmanager.versions.add"}
WITH_APPROVALS = WRITER | {"secretmanager.versions.enable", "secretmanager.versions.disable"}


def _to_credentials(desk: Desk, user: str) -> None:
    wizard = desk.wizard(user)
    wizard.start("start xero production")
    wizard.submit(PREREQS_DONE)
    updated(wizard.submit({"mailbox": "xero-admins@acme.example"}))


def test_a_role_without_enable_and_disable_adds_nothing_and_says_what_it_needs(desk: Desk) -> None:
    desk.vault.permissions = WRITER
    _to_credentials(desk, BOB)
    found = errors(desk.wizard(BOB).submit(FIRST))
    shown = found["credential_client_id"]
    assert "secretmanager.versions.disable" in shown and "secretmanager.versions.enable" in shown
    assert "PRODUCTION_APPROVALS=0" in shown and "Nothing was saved" in shown
    assert "xero-secret-1" not in str(found)
    assert desk.vault.payloads() == []  # nothing added: no version anyone could read
    assert [m for m, _ in desk.vault.calls].count("AddSecretVersion") == 0
    assert desk.approvals() == [] and desk.refs() == []
    (failed,) = desk.audit("credentials.store_failed")
    assert failed.details["code"] == "permission_denied"

    desk.vault.permissions = WITH_APPROVALS  # the role fixed: the same submission now waits
    updated(desk.wizard(BOB).submit(FIRST))
    assert desk.states() == {"1": "DISABLED"} and desk.approval().status == "pending"


def test_a_version_that_could_not_be_disabled_is_not_submitted_and_is_disabled_after(desk: Desk) -> None:
    desk.vault.permissions = WITH_APPROVALS
    _to_credentials(desk, BOB)
    desk.vault.inject_fault(grpc.StatusCode.PERMISSION_DENIED, method="DisableSecretVersion", times=1)
    found = errors(desk.wizard(BOB).submit(FIRST))
    assert found["credential_client_id"].startswith("Nothing was saved — press Submit again.")
    assert desk.approvals() == [] and desk.refs() == []
    desk.bot.settle()  # the leftover was disabled after the answer
    assert desk.states() == {"1": "DISABLED"}
    (failed,) = desk.audit("credentials.store_failed")
    assert failed.details["code"] == "not_disabled"


def test_without_enable_at_approval_time_the_approval_waits_again(desk: Desk) -> None:
    desk.vault.permissions = WITH_APPROVALS
    desk.bot.deps.settings = desk.bot.deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 0})
    desk.store(BOB, FIRST)  # a current credential first (approvals were off then)
    desk.bot.deps.settings = desk.bot.deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 1})
    desk.replace(BOB, {"credential_client_id": "xero-id-2", "credential_client_secret": "xero-secret-2"})
    pending = desk.approval()
    desk.vault.permissions = WITH_APPROVALS - {"secretmanager.versions.enable"}
    desk.approve(pending.id, ALICE)
    told = desk.ephemerals(ALICE)
    assert "I couldn't make the approved version current" in told
    assert "secretmanager.versions.enable" in told
    again = desk.approval()
    assert again.status == "pending" and again.approved_by == []
    assert desk.states() == {"1": "ENABLED", "2": "DISABLED"} and desk.current().version == "1"
    (failed,) = desk.audit("credential.approve_failed")
    assert failed.actor == ALICE and failed.details["code"] == "permission_denied"

    desk.vault.permissions = WITH_APPROVALS
    desk.approve(pending.id, CAMILLE)
    assert desk.approvals()[-1].status == "approved"
    assert desk.states() == {"1": "ENABLED", "2": "ENABLED"} and desk.current().version == "2"
