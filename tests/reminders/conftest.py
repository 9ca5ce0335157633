"""Follow-up fixtures: the running bot with unpaced DMs on a frozen clock, and rows made through
the real models (storage, not mocks)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.deps import Deps
from core.clock import Clock
from simulators.slack.web_api import ApiCall, SlackWebApi
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.statuses import ItemStatus, RegistrationStatus
from storage.team_scope import TeamScope
from tests.conftest import TEAM_ID, RunningBot

# Wednesday 10 June 2026, 10:00 UTC: 11:00 in London (working), 06:00 in New York and 19:00 in
# Tokyo (not working).
WEDNESDAY_10_UTC = datetime(2026, 6, 10, 10, tzinfo=UTC)
# 14:00 UTC: working hours in both London (15:00) and New York (10:00).
WEDNESDAY_14_UTC = datetime(2026, 6, 10, 14, tzinfo=UTC)
ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"  # London, New York, Tokyo, left


def fast(deps: Deps, **settings: Any) -> Deps:
    """No DM pacing in tests (it is tested on its own), plus any other setting changes."""
    updates = {"REMINDER_SENDS_PER_MINUTE": 0, "REMINDER_CHANNEL_INTERVAL_SECONDS": 0.0, **settings}
    deps.settings = deps.settings.model_copy(update=updates)
    deps.extras.pop("reminder_pacer", None)
    return deps


@pytest.fixture
def deps(bot: RunningBot, clock: Clock) -> Deps:
    clock.set(WEDNESDAY_10_UTC)
    return fast(bot.deps)


@dataclass
class Seed:
    """Registrations and checklist items written through the models."""

    db: Database
    team_id: str = TEAM_ID

    def registration(
        self,
        *,
        created_by: str = ALICE,
        platform: str = "xero",
        environment: str = "sandbox",
        status: RegistrationStatus = RegistrationStatus.in_progress,
        step: str = "prerequisites",
    ) -> str:
        with self.db.session() as session:
            registration = TeamScope(session, self.team_id).add_registration(
                Registration(
                    platform=platform,
                    environment=environment,
                    created_by=created_by,
                    status=status,
                    step=step,
                )
            )
            return registration.id

    def item(
        self,
        registration_id: str,
        key: str,
        *,
        owner: str | None,
        next_at: datetime | None,
        status: ItemStatus = ItemStatus.todo,
        due_date: date | None = None,
        reminder_count: int = 0,
        escalated_at: datetime | None = None,
        snoozed_until: datetime | None = None,
    ) -> int:
        with self.db.session() as session:
            item = ChecklistItem(
                registration_id=registration_id,
                team_id=self.team_id,
                item_key=key,
                owner_user_id=owner,
                next_reminder_at=next_at,
                status=status,
                due_date=due_date,
                reminder_count=reminder_count,
                escalated_at=escalated_at,
                snoozed_until=snoozed_until,
            )
            session.add(item)
            session.flush()
            return item.id

    def get(self, item_id: int) -> ChecklistItem:
        with self.db.session() as session:
            item = TeamScope(session, self.team_id).item(item_id)
            assert item is not None
            return item

    def set_registration_status(self, registration_id: str, status: RegistrationStatus) -> None:
        with self.db.session() as session:
            registration = TeamScope(session, self.team_id).registration(registration_id)
            assert registration is not None
            registration.status = status

    def registration_status(self, registration_id: str) -> RegistrationStatus:
        with self.db.session() as session:
            registration = TeamScope(session, self.team_id).registration(registration_id)
            assert registration is not None
            return RegistrationStatus(registration.status)

    def audit_actions(self) -> list[str]:
        with self.db.session() as session:
            return [event.action for event in TeamScope(session, self.team_id).audit_events()]


@pytest.fixture
def seed(db: Database) -> Seed:
    return Seed(db)


def dm(user_id: str) -> str:
    return "D" + user_id[1:]


def posts_to(slack_api: SlackWebApi, user_id: str) -> list[ApiCall]:
    """Accepted chat.postMessage calls into the app's DM with `user_id`."""
    return [
        call
        for call in slack_api.calls_to("chat.postMessage")
        if call.params.get("channel") == dm(user_id) and call.response.get("ok")
    ]


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def item_ids_in(call: ApiCall) -> list[int]:
    return [
        int(block["block_id"].split(":")[1])
        for block in blocks_of(call)
        if str(block.get("block_id", "")).startswith("reminder_item:")
    ]


def text_of(call: ApiCall) -> str:
    return json.dumps(blocks_of(call), ensure_ascii=False) + str(call.params.get("text") or "")
