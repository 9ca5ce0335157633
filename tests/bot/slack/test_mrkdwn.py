"""mrkdwn escaping: a word someone typed comes back as literal text, never as a mention, a link or
the end of a code span — through every command that echoes it, over signed HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.slack.mrkdwn import BACKTICK_LOOKALIKE, echo, escape
from storage.db import Database
from storage.models import ChecklistItem, Registration
from storage.team_scope import TeamScope
from tests.conftest import TEAM_ID, RunningBot

USER = "U0ALICE"
HOSTILE = "x` <!channel> <https://evil|click> `x"
# Every control sequence Slack would act on: <!channel>, <!here>, <@U…>, <#C…>, <https://…|…>.
CONTROL = re.compile(r"<[!@#]?[^<>\s][^<>]*>")


def test_escape_neutralises_control_characters_and_backticks() -> None:
    assert escape("a & b <c> `d`") == f"a &amp; b &lt;c&gt; {BACKTICK_LOOKALIKE}d{BACKTICK_LOOKALIKE}"
    assert escape("&amp;") == "&amp;amp;"  # escaping is not idempotent by design: what was typed shows
    assert escape("qbo") == "qbo"


def test_echo_cuts_before_escaping() -> None:
    assert echo("<" * 50) == "&lt;" * 40  # never half an entity
    assert echo("short") == "short"


def texts_of(body: dict[str, Any]) -> list[str]:
    """The ack's fallback text and every mrkdwn text in its blocks."""
    found = [body.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("blocks") or [])
    return found


def outside_code(text: str) -> str:
    """`text` with its code spans (and code blocks) removed, as Slack pairs backticks."""
    return re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.DOTALL)


def assert_inert(body: dict[str, Any]) -> None:
    for text in texts_of(body):
        assert "<!channel>" not in text, text
        assert "<https://evil" not in text, text
        assert not CONTROL.findall(outside_code(text).replace("<@" + USER + ">", "")), text
        assert text.count("`") % 2 == 0, f"an unpaired backtick leaves a code span open: {text}"


def _seed(db: Database) -> None:
    """A Xero registration in progress with one open item, so `done xero <word>` reads the word."""
    with db.session() as session:
        registration = TeamScope(session, TEAM_ID).add_registration(
            Registration(platform="xero", environment="sandbox", created_by=USER, step="prerequisites")
        )
        session.add(
            ChecklistItem(
                registration_id=registration.id,
                team_id=TEAM_ID,
                item_key="vault_approved",
                position=0,
                status="todo",
                owner_user_id=USER,
            )
        )


@pytest.mark.parametrize(
    "text",
    [
        f"info {HOSTILE}",
        f"status {HOSTILE}",
        f"start {HOSTILE}",
        f"start xero {HOSTILE}",  # the environment word
        f"done {HOSTILE} step",
        f"done xero {HOSTILE}",  # the step word
        f"snooze xero {HOSTILE}",  # the "when" word
        f"snooze {HOSTILE} 1d",
        f"list {HOSTILE}",
        HOSTILE,  # the subcommand itself
        "info <!here>",
        "info a&b<@U0BOB>",
    ],
)
def test_every_echoed_word_stays_literal(bot: RunningBot, db: Database, text: str) -> None:
    _seed(db)
    response = bot.events.command(text, user_id=USER)
    assert response.status == 200
    assert isinstance(response.body, dict), response.body
    assert_inert(response.body)
    shown = json.dumps(response.body, ensure_ascii=False)
    assert "&lt;" in shown or BACKTICK_LOOKALIKE in shown  # the word is shown escaped, not dropped
