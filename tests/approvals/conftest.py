"""Four-eyes fixtures: two admins (Alice in London, Camille in Paris, who reads French) named in
ADMIN_USERS, the real bot served over HTTP on a frozen clock, the Secret Manager emulator and the
Slack stand-in — and a desk to drive it from: the wizard as any person, the approvers' DMs, the
buttons, and what the database and the emulator say."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud.secretmanager_v1.types import SecretVersion
from sqlalchemy import select

from core.clock import Clock
from core.settings import Settings
from simulators.secret_manager import Emulator
from simulators.slack.events_client import EventsResponse
from simulators.slack.web_api import ApiCall, SlackWebApi
from storage.models import ApprovalRecipient, AuditEvent, CredentialApproval, SecretRef
from tests.conftest import TEAM_ID, RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, Wizard, updated

ALICE, BOB, CAMILLE, CAROL = "U0ALICE", "U0BOB", "U0CAMILLE", "U0CAROL"
ADMINS = (ALICE, CAMILLE)
# Wednesday 10 June 2026, 10:00 UTC: working hours in London (11:00) and Paris (12:00).
WEDNESDAY_10_UTC = datetime(2026, 6, 10, 10, tzinfo=UTC)
FIRST = {"credential_client_id": "xero-id-1", "credential_client_secret": "xero-secret-1"}
SECOND = {"credential_client_id": "xero-id-2", "credential_client_secret": "xero-secret-2"}
State = SecretVersion.State


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with Alice and Camille as the bot's admins and no DM pacing."""
    return settings.model_copy(
        update={
            "ADMIN_USERS": list(ADMINS),
            "REMINDER_SENDS_PER_MINUTE": 0,
            "REMINDER_CHANNEL_INTERVAL_SECONDS": 0.0,
        }
    )


@dataclass
class Desk:
    bot: RunningBot
    api: SlackWebApi
    vault: Emulator
    clock: Clock

    # --- the wizard ---------------------------------------------------------------------------------
    def wizard(self, user: str) -> Wizard:
        return Wizard(self.bot, self.api, user=user)

    def store(self, user: str, values: dict[str, str], *, environment: str = "production") -> dict[str, Any]:
        """`user` runs the Xero wizard to its summary, storing `values`; the summary view."""
        wizard = self.wizard(user)
        wizard.start(f"start xero {environment}")
        wizard.submit(PREREQS_DONE)
        updated(wizard.submit({"mailbox": "xero-admins@acme.example"}))
        return updated(wizard.submit(values))

    def replace(self, user: str, values: dict[str, str]) -> dict[str, Any]:
        """From the summary, Edit credentials and store `values`; the summary view again."""
        wizard = self.wizard(user)
        wizard.click("edit_step_credentials")
        return updated(wizard.submit(values))

    # --- the approvers' DMs and buttons ---------------------------------------------------------------
    def cards(self, user: str) -> list[ApiCall]:
        """The approval cards posted to `user` (accepted chat.postMessage calls)."""
        return [
            call
            for call in self.api.calls_to("chat.postMessage")
            if call.params.get("channel") == dm(user)
            and call.response.get("ok")
            and "approval:" in text_of(call)
        ]

    def message(self, user: str, ts: str) -> dict[str, Any]:
        """The DM as it is now in the stand-in (after any chat.update)."""
        return next(m for m in self.api.messages(dm(user)) if m["ts"] == ts)

    def click(self, action_id: str, approval_id: str, user: str, **fields: Any) -> EventsResponse:
        fields.setdefault("channel_id", dm(user))
        response = self.bot.events.block_action(action_id, approval_id, user_id=user, **fields)
        assert response.status == 200, response
        self.bot.settle()
        return response

    def approve(self, approval_id: str, user: str) -> EventsResponse:
        return self.click("approval_approve", approval_id, user)

    def reject(self, approval_id: str, user: str) -> EventsResponse:
        return self.click("approval_reject", approval_id, user)

    def ephemerals(self, user: str) -> str:
        calls = [c.params for c in self.api.calls_to("chat.postEphemeral") if c.params.get("user") == user]
        return json.dumps(calls, ensure_ascii=False)

    def dms_text(self, user: str) -> str:
        return json.dumps(self.api.messages(dm(user)), ensure_ascii=False)

    # --- what the database and Secret Manager say ------------------------------------------------------
    def approvals(self) -> list[CredentialApproval]:
        with self.bot.deps.db.session() as session:
            return list(session.scalars(select(CredentialApproval).order_by(CredentialApproval.submitted_at)))

    def approval(self) -> CredentialApproval:
        (approval,) = [
            a for a in self.approvals() if a.status in ("pending", "approving")
        ] or self.approvals()[-1:]
        return approval

    def recipients(self) -> list[ApprovalRecipient]:
        with self.bot.deps.db.session() as session:
            return list(session.scalars(select(ApprovalRecipient).order_by(ApprovalRecipient.id)))

    def refs(self) -> list[SecretRef]:
        with self.bot.deps.db.session() as session:
            return list(session.scalars(select(SecretRef).order_by(SecretRef.id)))

    def current(self) -> SecretRef:
        (ref,) = [ref for ref in self.refs() if ref.superseded_at is None]
        return ref

    def audit(self, action: str | None = None) -> list[AuditEvent]:
        with self.bot.deps.db.session() as session:
            query = select(AuditEvent).where(AuditEvent.team_id == TEAM_ID).order_by(AuditEvent.sequence)
            return [e for e in session.scalars(query) if action is None or e.action == action]

    def states(self) -> dict[str, str]:
        """Version number → state, of the one secret in the emulator."""
        (secret,) = self.vault.secrets()
        return {v.name.rsplit("/", 1)[1]: State(v.state).name for v in self.vault.versions(secret)}


def dm(user_id: str) -> str:
    return "D" + user_id[1:]


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def text_of(call: ApiCall) -> str:
    return json.dumps(blocks_of(call), ensure_ascii=False) + str(call.params.get("text") or "")


def view_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


@pytest.fixture
def desk(bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator, clock: Clock) -> Desk:
    clock.set(WEDNESDAY_10_UTC)
    return Desk(bot, slack_api, secret_manager, clock)
