"""App Home: opening the tab publishes what is waiting on that person."""

from __future__ import annotations

import json

from bot.catalogue import load_catalogue
from bot.registrations.checklist import item_title
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.team_scope import TeamScope
from tests.conftest import TEAM_ID, RunningBot


def test_opening_the_home_tab_publishes_my_open_items(
    bot: RunningBot, db: Database, slack_api: SlackWebApi
) -> None:
    with db.session() as session:
        registration = TeamScope(session, TEAM_ID).add_registration(
            Registration(platform="xero", environment="sandbox", created_by="U0ALICE")
        )
        session.add_all(
            [
                ChecklistItem(
                    registration_id=registration.id,
                    team_id=TEAM_ID,
                    item_key="vault_approved",
                    owner_user_id="U0BOB",
                    position=0,
                ),
                ChecklistItem(
                    registration_id=registration.id,
                    team_id=TEAM_ID,
                    item_key="contact_owner",
                    owner_user_id="U0ALICE",
                    position=1,
                ),
            ]
        )
    response = bot.events.event(
        {"type": "app_home_opened", "user": "U0BOB", "tab": "home", "channel": "D0BOB"}
    )
    assert response.status == 200
    bot.settle()
    published = slack_api.wait_for("views.publish")[0]
    assert published.params["user_id"] == "U0BOB"
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    waiting = next(
        b["text"]["text"] for b in view["blocks"] if "Waiting on you" in b.get("text", {}).get("text", "")
    )
    xero = load_catalogue().get("xero")
    assert item_title("vault_approved", xero) in waiting
    assert item_title("contact_owner", xero) not in waiting  # Alice's item, not Bob's
    assert "Xero" in waiting
    assert slack_api.home("U0BOB") is not None


def test_the_messages_tab_publishes_nothing(bot: RunningBot, slack_api: SlackWebApi) -> None:
    response = bot.events.event({"type": "app_home_opened", "user": "U0BOB", "tab": "messages"})
    assert response.status == 200
    bot.settle()
    assert slack_api.calls_to("views.publish") == []
