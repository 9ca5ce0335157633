"""A pending approval through the follow-up sweep: approvers reminded in their own working hours,
each reminder sent exactly once even with two sweeps racing; and the expiry after
APPROVAL_EXPIRY_DAYS, treated as a rejection (the version stays disabled, the previous credential
stays current, the submitter is told)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.approvals.decisions import APPLY_LEASE
from bot.deps import Deps
from bot.reminders.sweep import SweepResult, run_sweep
from core.settings import Settings
from storage import approvals as store
from storage.approvals import Outcome
from storage.audit import Surface
from storage.db import Database
from tests.approvals.conftest import ALICE, BOB, CAMILLE, CAROL, FIRST, SECOND, Desk, dm
from tests.conftest import TEAM_ID
from tests.support.sweepers import sweep_at_once

FRIDAY_11_UTC = datetime(2026, 6, 12, 11, tzinfo=UTC)  # London 12:00, Paris 13:00, Tokyo 20:00
MONDAY_01_UTC = datetime(2026, 6, 15, 1, tzinfo=UTC)  # Tokyo 10:00; London and Paris asleep


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Carol (Tokyo) is an admin too."""
    return settings.model_copy(update={"ADMIN_USERS": [ALICE, CAMILLE, CAROL]})


def reminders_to(desk: Desk, user: str) -> int:
    """Approval cards that reached `user` after the first one (the request)."""
    return max(len(desk.cards(user)) - 1, 0)


def sweep_twice_at_once(deps: Deps, db: Database) -> list[SweepResult]:
    """Two "schedulers" — each its own engine and pacer, the same database and Slack — at once."""
    return sweep_at_once(dataclasses.replace(deps, db=db))


def test_approvers_are_reminded_in_their_working_hours_exactly_once(desk: Desk, db: Database) -> None:
    desk.store(BOB, FIRST)
    approval = desk.approval()
    assert {r.user_id for r in desk.recipients()} == {ALICE, CAMILLE, CAROL}
    assert all(len(desk.cards(user)) == 1 for user in (ALICE, CAMILLE, CAROL))  # asked at once
    deps = desk.bot.deps
    assert run_sweep(deps).approvals.reminded == 0  # nothing due yet

    desk.clock.set(FRIDAY_11_UTC)  # two business days later, in London's and Paris' working hours
    results = sweep_twice_at_once(deps, db)
    assert sum(r.approvals.reminded for r in results) == 2
    assert (reminders_to(desk, ALICE), reminders_to(desk, CAMILLE), reminders_to(desk, CAROL)) == (1, 1, 0)
    posts = Counter(c.params["channel"] for c in desk.api.calls_to("chat.postMessage"))
    assert posts[dm(ALICE)] == 2 and posts[dm(CAMILLE)] == 2  # the request, then one reminder
    assert run_sweep(deps).approvals.reminded == 0  # a second tick sends nothing more

    desk.clock.set(MONDAY_01_UTC)  # 10:00 in Tokyo: Carol's turn; London and Paris are asleep
    assert run_sweep(deps).approvals.reminded == 1
    assert (reminders_to(desk, ALICE), reminders_to(desk, CAMILLE), reminders_to(desk, CAROL)) == (1, 1, 1)
    rows = {r.user_id: r for r in desk.recipients()}
    assert rows[CAROL].reminder_count == 1 and rows[CAROL].claim_token is None
    assert all(len(r.messages) == 2 for r in rows.values())  # every DM is kept for updating in place

    desk.approve(approval.id, CAMILLE)  # every card of every approver shows it, reminders stop
    for user in (ALICE, CAMILLE, CAROL):
        for card in desk.cards(user):
            blocks = desk.message(user, card.response["ts"])["blocks"]
            assert "actions" not in [b["type"] for b in blocks]
    desk.clock.set(MONDAY_01_UTC + timedelta(days=3))
    assert run_sweep(deps).approvals.reminded == 0


def test_an_approval_nobody_decides_expires_as_rejected(desk: Desk) -> None:
    desk.store(BOB, FIRST)
    desk.approve(desk.approval().id, ALICE)
    desk.replace(BOB, SECOND)
    pending = desk.approval()
    deps = desk.bot.deps
    desk.clock.set(pending.expires_at - timedelta(minutes=1))
    assert run_sweep(deps).approvals.expired == 0
    desk.clock.set(pending.expires_at)
    assert run_sweep(deps).approvals.expired == 1
    expired = desk.approvals()[-1]
    assert expired.status == "expired" and expired.decided_by == "codat-register"
    assert pending.expires_at - pending.submitted_at == timedelta(days=7)  # APPROVAL_EXPIRY_DAYS
    assert desk.states() == {"1": "ENABLED", "2": "DISABLED"}
    assert desk.current().version == "1"
    (event,) = desk.audit("credential.expired")
    assert event.actor == "codat-register" and event.surface == "job" and event.details["version"] == "2"
    assert "within 7 days: the request expired" in desk.dms_text(BOB)
    card = desk.cards(ALICE)[-1]
    assert "Expired" in json.dumps(desk.message(ALICE, card.response["ts"]))
    desk.approve(pending.id, CAMILLE)  # too late: nothing changes
    assert desk.approvals()[-1].status == "expired" and desk.states()["2"] == "DISABLED"
    assert run_sweep(deps).approvals.expired == 0  # expired once


def test_an_approval_its_process_left_half_applied_is_finished_by_the_sweep(desk: Desk) -> None:
    desk.store(BOB, FIRST)
    approval = desk.approval()
    deps, now = desk.bot.deps, desk.clock.now()
    # Camille's click leased the approval to apply it, then her process died before the vault call.
    decided = store.approve(
        deps.db,
        TEAM_ID,
        approval.id,
        CAMILLE,
        now=now,
        lease=APPLY_LEASE,
        token="died",
        surface=Surface.button,
    )
    assert decided.outcome is Outcome.applying and desk.states() == {"1": "DISABLED"}
    assert run_sweep(deps).approvals.finished == 0  # its lease is still running
    desk.clock.set(now + APPLY_LEASE)
    assert run_sweep(deps).approvals.finished == 1
    finished = desk.approvals()[0]
    assert finished.status == "approved" and finished.decided_by == CAMILLE
    assert desk.states() == {"1": "ENABLED"} and desk.current().version == "1"
    (event,) = desk.audit("credential.approved")
    assert event.actor == CAMILLE and event.surface == "job"
    assert "were approved by" in desk.dms_text(BOB)
