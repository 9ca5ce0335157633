"""Credential expiry fixtures: the real bot over signed HTTP on a frozen clock, with Alice (London)
and Camille (Paris, French) as its admins and Bob (New York) as a plain member who starts
registrations; the Secret Manager emulator read back through the real Google client; and a desk —
the four-eyes desk (tests/approvals) plus what expiry needs: the wizard to Business Central's or
Amazon's credentials step, the `credential_expiries` row, the secret's annotations, the reminder
DMs and their buttons, and sweeps (one, or two at once on the same database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.expiry.ids import ActionId, actions_block_id
from bot.reminders.sweep import SweepResult, run_sweep
from core.clock import Clock
from core.settings import Settings
from simulators.secret_manager import Emulator, client_for
from simulators.slack.events_client import EventsResponse
from simulators.slack.web_api import ApiCall, SlackWebApi
from storage.models import CredentialExpiry
from storage.vault.secret_ids import secret_id
from tests.approvals.conftest import Desk, blocks_of, dm
from tests.conftest import TEAM_ID, RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, updated
from tests.secure_page.conftest import make_bot  # noqa: F401  (the bot with PUBLIC_URL: test_secure_page)
from tests.support.sweepers import sweep_at_once

ALICE, BOB, CAMILLE, CAROL, GUS, MEL = "U0ALICE", "U0BOB", "U0CAMILLE", "U0CAROL", "U0GUS", "U0MEL"
ADMINS = (ALICE, CAMILLE)
BC, AMAZON = "dynamics-365-business-central", "amazon-seller-central"
PROJECT = "test-project"
# Wednesday 10 June 2026, 10:00 UTC: 11:00 in London, 12:00 in Paris, 06:00 in New York.
WEDNESDAY_10_UTC = datetime(2026, 6, 10, 10, tzinfo=UTC)
TODAY = WEDNESDAY_10_UTC.date()
# Friday 10 July 2026: its 30-, 7- and 1-day leads fall on weekdays (10 June, 3 July, 9 July).
EXPIRES = date(2026, 7, 10)
BC_VALUES = {"credential_client_id": "bc-client-id-1", "credential_client_secret": "bc-secret-1"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Alice and Camille are the bot's admins; no DM pacing (tested on its own)."""
    return settings.model_copy(
        update={
            "ADMIN_USERS": list(ADMINS),
            "REMINDER_SENDS_PER_MINUTE": 0,
            "REMINDER_CHANNEL_INTERVAL_SECONDS": 0.0,
        }
    )


def secret_name(platform: str = BC, environment: str = "sandbox") -> str:
    """The emulator's resource name of a platform's secret (every field stored as one JSON)."""
    sid = secret_id(team_id=TEAM_ID, platform=platform, environment=environment, field="credentials")
    return f"projects/{PROJECT}/secrets/{sid}"


@dataclass
class ExpiryDesk(Desk):
    # --- the wizard ---------------------------------------------------------------------------------
    def to_credentials(
        self, user: str, command: str = "start bc", mailbox: str = "bc-admins@acme.example"
    ) -> dict[str, Any]:
        """`user` runs the wizard to step 4; the credentials modal."""
        wizard = self.wizard(user)
        wizard.start(command)
        wizard.submit(PREREQS_DONE)
        updated(wizard.submit({"mailbox": mailbox}))
        view = wizard.current()
        assert view["title"]["text"] == "4/5 Credentials", view["title"]
        return view

    def store_bc(
        self,
        user: str = BOB,
        values: dict[str, str] | None = None,
        *,
        expires_on: date | None = EXPIRES,
        environment: str = "sandbox",
    ) -> dict[str, Any]:
        """`user` stores a Business Central credential expiring on `expires_on`; the summary."""
        self.to_credentials(user, f"start bc {environment}")
        inputs = {**(values or BC_VALUES), "secret_expiry": expires_on.isoformat() if expires_on else None}
        return updated(self.wizard(user).submit(inputs))

    def registration_id(self) -> str:
        (registration,) = self.wizard(ALICE).registrations()
        return registration.id

    # --- what the database and Secret Manager say ------------------------------------------------------
    def row(self, registration_id: str | None = None) -> CredentialExpiry | None:
        with self.bot.deps.db.session() as session:
            query = select(CredentialExpiry).where(CredentialExpiry.team_id == TEAM_ID)
            if registration_id is not None:
                query = query.where(CredentialExpiry.registration_id == registration_id)
            rows = list(session.scalars(query))
        assert len(rows) <= 1, rows
        return rows[0] if rows else None

    def expiry(self, registration_id: str | None = None) -> CredentialExpiry:
        row = self.row(registration_id)
        assert row is not None, "no credential_expiries row"
        return row

    def annotations(self, name: str | None = None) -> dict[str, str]:
        """The secret's annotations, read with the real client over gRPC from the emulator."""
        assert self.vault.address
        client = client_for(self.vault.address)
        try:
            return dict(client.get_secret(name=name or secret_name(), timeout=5).annotations)
        finally:
            client.transport.close()

    def version_count(self, name: str | None = None) -> int:
        wanted = name or secret_name()
        return len(self.vault.versions(wanted)) if wanted in self.vault.secrets() else 0

    # --- reminders ------------------------------------------------------------------------------------
    def reminders(self, user: str) -> list[ApiCall]:
        """Expiry reminders Slack accepted in the app's DM with `user` (not the checklist's digests)."""
        return [
            call
            for call in self.api.calls_to("chat.postMessage")
            if call.params.get("channel") == dm(user)
            and call.response.get("ok")
            and any(str(b.get("block_id", "")).startswith("expiry_actions:") for b in blocks_of(call))
        ]

    def reminder_message(self, user: str) -> dict[str, Any]:
        """The last expiry reminder in `user`'s DM, as the stand-in holds it."""
        ts = self.reminders(user)[-1].response["ts"]
        return self.message(user, ts)

    def press(
        self,
        action: ActionId,
        user: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
    ) -> EventsResponse:
        """`user` presses a reminder's button (`value` as the button carries it), over signed HTTP."""
        response = self.bot.events.block_action(
            action,
            value,
            user_id=user,
            channel_id=channel_id or dm(user),
            block_id=actions_block_id(value),
            **({"message": message} if message is not None else {}),
        )
        assert response.status == 200, response
        assert response.body == "", response.body  # acked at once, answered after
        self.bot.settle()
        return response

    def sweep(self) -> SweepResult:
        result = run_sweep(self.bot.deps)
        self.bot.settle()
        return result

    def sweep_twice_at_once(self) -> list[SweepResult]:
        """Two sweepers (each its own engine, as two replicas) on the same database, started together."""
        return sweep_at_once(self.bot.deps)


@pytest.fixture
def desk(bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator, clock: Clock) -> ExpiryDesk:
    clock.set(WEDNESDAY_10_UTC)
    slack_api.add_user(MEL, "mel", real_name="Mel Member", tz="Europe/London")
    return ExpiryDesk(bot, slack_api, secret_manager, clock)
