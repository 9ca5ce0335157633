"""Who is asked to approve: the bot's admins (bot.governance.roles), never the submitter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.governance.roles import bot_admins

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.slack.gateway import Person


def approvers_for(deps: Deps, team_id: str, submitter: str) -> list[Person]:
    """The admins who may approve `submitter`'s credential (Slack is asked: users.info, cached)."""
    return [person for person in bot_admins(deps, team_id) if person.user_id != submitter]
