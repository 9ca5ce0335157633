"""Governance fixtures: one persona per role of the policy's table, and a world for them to act
on — the creator's Xero registrations (sandbox and production) at their summary, every item owned
by the owner persona — made through storage, then driven over signed HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.governance.roles import Role
from bot.wizard import save
from bot.wizard.ids import Step
from bot.wizard.snapshot import load
from bot.wizard.step_views import step_view
from simulators.secret_manager import Emulator
from simulators.slack.events_client import EventsResponse
from simulators.slack.web_api import SlackWebApi
from storage.models import AuditEvent, ChecklistItem, CredentialApproval, Registration, SecretRef, SlackUser
from tests.conftest import TEAM_ID, RunningBot

ADMIN, CREATOR, OWNER = "U0ALICE", "U0BOB", "U0CAROL"  # Alice is the workspace's admin
MEMBER, GUEST, APP = "U0MEL", "U0GUS", "U0APP"  # Gus is the stand-in's guest
PERSONAS = {
    Role.admin: ADMIN,
    Role.creator: CREATOR,
    Role.owner: OWNER,
    Role.member: MEMBER,
    Role.guest: GUEST,
    Role.bot: APP,
}


def add_personas(api: SlackWebApi) -> None:
    """Mel, a plain member, and an app (a workflow's bot user), next to the stand-in's people."""
    api.add_user(MEMBER, "mel", real_name="Mel Member", tz="Europe/London")
    api.add_user(APP, "workflow", real_name="Workflow app", tz="Europe/London", is_bot=True)


def dm(user_id: str) -> str:
    return "D" + user_id[1:]


def text_of(response: EventsResponse) -> str:
    """Everything a reply shows: an ack's text and blocks, or a pushed modal's."""
    body = response.body if isinstance(response.body, dict) else {"text": str(response.body)}
    return json.dumps(body, ensure_ascii=False)


@dataclass
class World:
    bot: RunningBot
    api: SlackWebApi
    vault: Emulator
    sandbox_id: str
    production_id: str

    @property
    def deps(self) -> Any:
        return self.bot.deps

    # --- what the personas do ---------------------------------------------------------------------
    def command(self, text: str, user_id: str) -> EventsResponse:
        response = self.bot.events.command(text, user_id=user_id)
        assert response.status == 200, response
        self.bot.settle()
        return response

    def submit_step(
        self, registration_id: str, step: Step, inputs: dict[str, Any], user_id: str
    ) -> EventsResponse:
        """Submit `step` of the registration as shown to `user_id` (an edit from the summary)."""
        snapshot = load(self.deps, TEAM_ID, registration_id, user_id)
        assert snapshot is not None
        view = step_view(snapshot, step, editing=True)
        response = self.bot.events.submit_view(view, inputs, user_id=user_id)
        assert response.status == 200, response
        self.bot.settle()
        return response

    def click_done(self, item_id: int, user_id: str) -> EventsResponse:
        response = self.bot.events.block_action(
            "reminder_done", str(item_id), user_id=user_id, channel_id=dm(user_id)
        )
        assert response.status == 200, response
        self.bot.settle()
        return response

    # --- what the database says -------------------------------------------------------------------
    def items(self, registration_id: str) -> dict[str, ChecklistItem]:
        with self.deps.db.session() as session:
            rows = session.scalars(
                select(ChecklistItem).where(ChecklistItem.registration_id == registration_id)
            ).all()
            return {row.item_key: row for row in rows}

    def registration(self, registration_id: str) -> Registration:
        with self.deps.db.session() as session:
            found = session.get(Registration, registration_id)
            assert found is not None
            return found

    def registrations(self, platform: str) -> list[Registration]:
        with self.deps.db.session() as session:
            return list(session.scalars(select(Registration).where(Registration.platform == platform)))

    def refs(self, registration_id: str) -> list[SecretRef]:
        with self.deps.db.session() as session:
            query = select(SecretRef).where(SecretRef.registration_id == registration_id)
            return list(session.scalars(query))

    def approvals(self, registration_id: str) -> list[CredentialApproval]:
        """The registration's credential versions submitted for approval (four eyes), oldest first."""
        with self.deps.db.session() as session:
            query = select(CredentialApproval).where(CredentialApproval.registration_id == registration_id)
            return list(session.scalars(query.order_by(CredentialApproval.submitted_at)))

    def click_approval(self, action_id: str, approval_id: str, user_id: str) -> EventsResponse:
        """Approve / Reject in the person's DM with the bot."""
        response = self.bot.events.block_action(
            action_id, approval_id, user_id=user_id, channel_id=dm(user_id)
        )
        assert response.status == 200, response
        self.bot.settle()
        return response

    def language_of(self, user_id: str) -> str | None:
        with self.deps.db.session() as session:
            query = select(SlackUser.language).where(
                SlackUser.team_id == TEAM_ID, SlackUser.user_id == user_id
            )
            return session.scalar(query)

    def refusals(self, user_id: str | None = None) -> list[AuditEvent]:
        with self.deps.db.session() as session:
            query = select(AuditEvent).where(AuditEvent.action == "access.refused")
            return [e for e in session.scalars(query) if user_id is None or e.actor == user_id]

    def ephemerals(self, user_id: str) -> str:
        calls = [c.params for c in self.api.calls_to("chat.postEphemeral") if c.params.get("user") == user_id]
        return json.dumps(calls, ensure_ascii=False)

    def secret_payloads(self) -> list[bytes]:
        """Every value the Secret Manager emulator holds."""
        return self.vault.payloads()


def build_world(bot: RunningBot, api: SlackWebApi, vault: Emulator) -> World:
    """The creator's Xero registrations, sandbox and production, at their summary; every item open
    and owned by the owner persona."""
    deps = bot.deps
    xero = deps.catalogue.get("xero")
    ids = [save.resume_or_create(deps, TEAM_ID, CREATOR, xero, env) for env in ("sandbox", "production")]
    with deps.db.session() as session:
        session.execute(
            update(ChecklistItem).where(ChecklistItem.registration_id.in_(ids)).values(owner_user_id=OWNER)
        )
        session.execute(update(Registration).where(Registration.id.in_(ids)).values(step=Step.summary.value))
    return World(bot, api, vault, *ids)


@pytest.fixture
def world(bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator) -> World:
    add_personas(slack_api)
    return build_world(bot, slack_api, secret_manager)
