"""Who may read the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.governance.policy import Action, decide
from bot.governance.roles import caller_of

if TYPE_CHECKING:
    from bot.deps import Deps


def may_see_audit(deps: Deps, team_id: str, user_id: str) -> bool:
    """Whether the person may read the workspace's audit trail: only the bot's admins may.

    The audit surfaces (the command and its export, the App Home's recent activity) ask this one
    function. The authorization policy (bot.governance.policy, `Action.read_audit`) replaces it:
    until it is wired in at those surfaces, this answers with the policy's own rule.
    """
    return decide(caller_of(deps, team_id, user_id), Action.read_audit).allowed
