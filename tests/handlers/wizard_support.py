"""Drive the registration wizard as a person in Slack would: signed requests to the served app,
views captured at the Web API stand-in, submissions built from those views by block id."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from simulators.slack.events_client import EventsResponse, SlackEventsClient
from simulators.slack.web_api import SlackWebApi
from storage.models import AuditEvent, ChecklistItem, Registration, SecretRef
from tests.conftest import SIGNING_SECRET, TEAM_ID, RunningBot

USER = "U0ALICE"  # alice@acme.example, "Alice Archer"


@dataclass
class Wizard:
    bot: RunningBot
    api: SlackWebApi
    user: str = USER

    def __post_init__(self) -> None:
        # With the stand-in attached, trigger ids are real and acks are applied to the modal stack
        # (an invalid view in a response_action="update" fails the test, as Slack would).
        self.events = SlackEventsClient(self.bot.url + "/slack/events", SIGNING_SECRET, web_api=self.api)

    # --- Slack side ---------------------------------------------------------------------------
    def command(self, text: str) -> EventsResponse:
        response = self.events.command(text, user_id=self.user)
        assert response.status == 200, response
        return response

    def start(self, text: str = "start") -> dict[str, Any]:
        """Run the command; return the modal the person sees once the after-ack work is done."""
        response = self.command(text)
        assert response.body == "", f"expected an empty ack, got {response.body!r}"
        self.api.wait_for("views.open")
        self.bot.settle()
        return self.current()

    def current(self) -> dict[str, Any]:
        view = self.api.views_for(self.user)["current"]
        assert view is not None, "no modal is open"
        return view

    def submit(self, inputs: dict[str, Any], view: dict[str, Any] | None = None) -> EventsResponse:
        view = view or self.current()
        response = self.events.submit_view(view, inputs, user_id=self.user)
        assert response.status == 200, response
        self.bot.settle()
        return response

    def timed_submit(self, inputs: dict[str, Any]) -> tuple[EventsResponse, float]:
        view = self.current()
        started = time.monotonic()
        response = self.events.submit_view(view, inputs, user_id=self.user)
        elapsed = time.monotonic() - started
        self.bot.settle()
        return response, elapsed

    def click(self, action_id: str, **fields: Any) -> EventsResponse:
        response = self.events.block_action(action_id, user_id=self.user, view=self.current(), **fields)
        assert response.status == 200, response
        self.bot.settle()
        return response

    def close(self) -> None:
        self.events.close_view(self.current(), user_id=self.user)

    # --- database side ------------------------------------------------------------------------
    def registrations(self) -> list[Registration]:
        with self.bot.deps.db.session() as session:
            rows = session.scalars(select(Registration).where(Registration.team_id == TEAM_ID)).all()
            for row in rows:
                _ = list(row.items)
            return list(rows)

    def registration(self) -> Registration:
        rows = self.registrations()
        assert len(rows) == 1, rows
        return rows[0]

    def items(self) -> dict[str, ChecklistItem]:
        with self.bot.deps.db.session() as session:
            rows = session.scalars(select(ChecklistItem).where(ChecklistItem.team_id == TEAM_ID)).all()
            return {row.item_key: row for row in rows}

    def refs(self) -> list[SecretRef]:
        with self.bot.deps.db.session() as session:
            return list(session.scalars(select(SecretRef).order_by(SecretRef.id)).all())

    def audit(self) -> list[AuditEvent]:
        with self.bot.deps.db.session() as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all())


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view["private_metadata"])


def block_ids(view: dict[str, Any]) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def errors(response: EventsResponse) -> dict[str, str]:
    assert isinstance(response.body, dict), response.body
    assert response.body.get("response_action") == "errors", response.body
    return response.body["errors"]


def updated(response: EventsResponse) -> dict[str, Any]:
    assert isinstance(response.body, dict), response.body
    assert response.body.get("response_action") == "update", response.body
    return response.body["view"]


PREREQS_DONE = {"agreements": "no", "vault_status": "approved", "contacted": ["contacted"]}
