"""A production credential typed on the secure page waits for a second admin exactly as one typed in
the modal does (bot.approvals): the page stores through the wizard's own credentials submission."""

from __future__ import annotations

import json

import pytest
from google.cloud.secretmanager_v1.types import SecretVersion
from sqlalchemy import select

from core.settings import Settings
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.models import CredentialApproval
from tests.conftest import RunningBot
from tests.handlers.wizard_support import Wizard, texts
from tests.secure_page.support import Browser, ask_for_link, store_form, to_credentials


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Alice and Camille are the bot's admins: either may approve what the other stored."""
    return settings.model_copy(update={"ADMIN_USERS": ["U0ALICE", "U0CAMILLE"]})


def test_a_production_credential_through_the_page_waits_for_another_admin(
    page_bot: RunningBot, slack_api: SlackWebApi, browser: Browser, secret_manager: Emulator, db: Database
) -> None:
    alice = Wizard(page_bot, slack_api)
    to_credentials(alice, "start xero production", "xero-admins@acme.example")
    url = ask_for_link(alice)
    form = browser.get(url)
    done = browser.post(url, store_form(form, client_id="xero-id-1", client_secret="xero-secret-1"))
    assert done.status == 200 and "Waiting for approval" in done.text and "xero-secret-1" not in done.text
    page_bot.settle()
    with db.session() as session:
        (approval,) = session.scalars(select(CredentialApproval)).all()
    assert (approval.status, approval.submitted_by) == ("pending", "U0ALICE")
    assert alice.refs() == []  # stored, disabled, not the registration's credential yet
    (secret,) = secret_manager.secrets()
    states = {SecretVersion.State(v.state).name for v in secret_manager.versions(secret)}
    assert states == {"DISABLED"}
    assert "Waiting for approval" in texts(alice.current())  # the modal's summary says the same
    asked = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("channel") == "D0CAMILLE"]
    assert asked and "xero-secret-1" not in json.dumps([c.params for c in asked])
    requested = [e for e in alice.audit() if e.action == "approval.requested"]
    assert requested
