"""Four eyes over signed HTTP: the real Bolt app served over HTTP, the official Secret Manager client
over gRPC to the emulator, the Slack stand-in, on a frozen clock — on SQLite and PostgreSQL.

A production credential waits, disabled in Secret Manager, until an admin other than its submitter
approves it; rejection keeps the previous one current; approvals off stores it current at once;
sandbox credentials never wait."""

from __future__ import annotations

import json

from bot.approvals import texts as t
from core.i18n import use_language
from storage import counts
from tests.approvals.conftest import (
    ALICE,
    BOB,
    CAMILLE,
    FIRST,
    SECOND,
    Desk,
    blocks_of,
    text_of,
    view_text,
)


def test_a_production_credential_waits_disabled_until_another_admin_approves(desk: Desk) -> None:
    summary = view_text(desk.store(ALICE, FIRST))
    approval = desk.approval()
    assert approval.status == "pending" and approval.submitted_by == ALICE and approval.required == 1
    # Stored, but disabled and not the registration's credential: nothing to copy into the Portal.
    assert desk.states() == {"1": "DISABLED"}
    assert desk.refs() == []
    assert "Waiting for approval" in summary and f"<@{ALICE}>" in summary
    assert "Don't enter it in the Codat Portal yet" in summary
    assert "gcloud secrets versions access" not in summary  # no read-back of a pending version
    assert counts.pending_approvals(desk.bot.deps.db) == 1
    actions = [e.action for e in desk.audit()]
    assert "approval.requested" in actions and "approval.notified" in actions
    assert "credentials.stored" not in actions  # stored, not current: the approval says the rest
    (notified,) = desk.audit("approval.notified")
    assert notified.details["approvers"] == [CAMILLE]  # the other admin, never the submitter

    # Camille (French) is asked by DM: platform, environment, fields, submitter, time, fingerprint.
    assert desk.cards(ALICE) == []
    (card,) = desk.cards(CAMILLE)
    shown = text_of(card)
    assert "Xero" in shown and "production" in shown and f"<@{ALICE}>" in shown
    assert "Client id + Client secret" in shown
    assert approval.fingerprint[:17] in shown  # the short keyed fingerprint, hmac:…
    assert "xero-secret-1" not in shown and "xero-id-1" not in shown
    assert "^{date_short_pretty} à {time}|" in shown  # in her language (Slack shows her time zone)
    buttons = [e["text"]["text"] for b in blocks_of(card) if b["type"] == "actions" for e in b["elements"]]
    with use_language("fr"):
        assert buttons == [t.BUTTON_APPROVE, t.BUTTON_REJECT]

    # The submitter cannot approve their own, admin or not: refused, audited, nothing changes.
    desk.approve(approval.id, ALICE)
    assert "You submitted it yourself: another admin has to approve it." in desk.ephemerals(ALICE)
    (refused,) = desk.audit("access.refused")
    assert refused.actor == ALICE and refused.details["reason"] == "own_submission"
    assert refused.details["action"] == "approve"
    assert desk.approval().status == "pending" and desk.states() == {"1": "DISABLED"} and desk.refs() == []

    # Camille approves: the version is enabled and becomes the registration's current credential.
    desk.approve(approval.id, CAMILLE)
    approved = desk.approvals()[0]
    assert approved.status == "approved" and approved.approved_by == [CAMILLE]
    assert approved.decided_by == CAMILLE
    assert desk.states() == {"1": "ENABLED"}
    ref = desk.current()
    assert (ref.version, ref.fingerprint, ref.created_by) == ("1", approval.fingerprint, ALICE)
    (event,) = desk.audit("credential.approved")
    assert event.actor == CAMILLE and event.details["version"] == "1" and event.environment == "production"
    assert counts.pending_approvals(desk.bot.deps.db) == 0
    # Her DM is updated in place, without buttons; Alice is told.
    updated = desk.message(CAMILLE, card.response["ts"])
    assert "actions" not in [b["type"] for b in updated["blocks"]]
    with use_language("fr"):
        assert t.STATE_APPROVED.split("{")[0] in json.dumps(updated, ensure_ascii=False)
    assert "were approved by" in desk.dms_text(ALICE)


def test_a_replacement_is_rejected_the_old_one_stays_current_and_the_new_one_disabled(desk: Desk) -> None:
    desk.store(BOB, FIRST)  # Bob started the registration: creators may store credentials
    desk.approve(desk.approval().id, ALICE)
    assert desk.current().version == "1"
    summary = view_text(desk.replace(BOB, SECOND))
    assert desk.states() == {"1": "ENABLED", "2": "DISABLED"}
    assert desk.current().version == "1"  # still the current one while the new one waits
    assert "(version 1)" in summary and "Waiting for approval" in summary and "(version 2)" in summary
    pending = desk.approval()
    assert pending.version == "2" and pending.submitted_by == BOB
    # Both admins are asked about each of Bob's submissions; Camille rejects the second.
    assert len(desk.cards(ALICE)) == 2 and len(desk.cards(CAMILLE)) == 2
    desk.reject(pending.id, CAMILLE)
    rejected = desk.approvals()[-1]
    assert rejected.status == "rejected" and rejected.decided_by == CAMILLE
    assert desk.states() == {"1": "ENABLED", "2": "DISABLED"}
    assert desk.current().version == "1"
    (event,) = desk.audit("credential.rejected")
    assert event.actor == CAMILLE and event.details["version"] == "2"
    # The submitter is told; every approver's card says so in place.
    assert f"<@{CAMILLE}> rejected your production credentials" in desk.dms_text(BOB)
    alice_card = desk.cards(ALICE)[-1]
    assert "Rejected by" in json.dumps(desk.message(ALICE, alice_card.response["ts"]))
    # A late click changes nothing: the card says what happened.
    desk.approve(pending.id, ALICE)
    assert desk.approvals()[-1].status == "rejected" and desk.states()["2"] == "DISABLED"


def test_a_second_submission_while_one_waits_replaces_it(desk: Desk) -> None:
    desk.store(BOB, FIRST)
    first = desk.approval()
    desk.replace(BOB, SECOND)
    statuses = {a.id: a.status for a in desk.approvals()}
    assert statuses[first.id] == "superseded" and list(statuses.values()).count("pending") == 1
    assert desk.states() == {"1": "DISABLED", "2": "DISABLED"}
    card = desk.cards(CAMILLE)[0]
    with use_language("fr"):
        assert t.STATE_SUPERSEDED in json.dumps(
            desk.message(CAMILLE, card.response["ts"]), ensure_ascii=False
        )


def test_with_approvals_off_a_production_credential_is_current_at_once(desk: Desk) -> None:
    desk.bot.deps.settings = desk.bot.deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 0})
    summary = view_text(desk.store(ALICE, FIRST))
    assert desk.approvals() == [] and desk.states() == {"1": "ENABLED"}
    assert desk.current().version == "1"
    assert "Approvals are off (PRODUCTION_APPROVALS=0)" in summary
    assert desk.cards(CAMILLE) == []


def test_sandbox_credentials_need_no_approval(desk: Desk) -> None:
    summary = view_text(desk.store(BOB, FIRST, environment="sandbox"))
    assert desk.approvals() == [] and desk.states() == {"1": "ENABLED"}
    assert desk.current().version == "1"
    assert "approval" not in summary.lower()
    assert desk.cards(ALICE) == [] and desk.cards(CAMILLE) == []


def test_two_approvals_needed_take_two_other_admins(desk: Desk) -> None:
    deps = desk.bot.deps
    deps.settings = deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 2})
    desk.store(BOB, FIRST)
    approval = desk.approval()
    assert approval.required == 2
    desk.approve(approval.id, ALICE)
    assert desk.approval().status == "pending" and desk.approval().approved_by == [ALICE]
    assert desk.states() == {"1": "DISABLED"}
    desk.approve(approval.id, ALICE)  # twice by one admin counts once
    assert "You have approved it already" in desk.ephemerals(ALICE)
    desk.approve(approval.id, CAMILLE)
    assert desk.approvals()[0].status == "approved" and desk.states() == {"1": "ENABLED"}
    assert [e.action for e in desk.audit() if e.action.startswith(("approval.granted", "credential."))] == [
        "approval.granted",
        "credential.approved",
    ]


def test_status_and_the_app_home_show_what_waits_and_admins_decide_there(desk: Desk) -> None:
    desk.store(BOB, FIRST)
    approval = desk.approval()
    status = json.dumps(desk.bot.events.command("status xero", user_id=CAMILLE).body, ensure_ascii=False)
    assert "en attente d'approbation" in status or "pending approval" in status
    assert f"<@{BOB}>" in status
    desk.bot.events.event({"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0ALICE"})
    desk.bot.settle()
    home = desk.api.home(ALICE)
    assert home is not None and approval.id in json.dumps(home)
    assert "Credentials waiting for approval" in json.dumps(home)
    desk.click("approval_approve", approval.id, ALICE, view=home, channel_id=None)
    assert desk.approvals()[0].status == "approved"
    (event,) = desk.audit("credential.approved")
    assert event.surface == "app_home"
    assert "No credentials are waiting for approval." in json.dumps(desk.api.home(ALICE))
