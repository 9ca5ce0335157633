"""Who is asked to approve: the bot's admins (bot.governance.roles' rule), but never the submitter,
guests, apps or people who left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.governance.roles import Account, account_of, is_bot_admin

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.slack.gateway import Person


def approvers_for(deps: Deps, team_id: str, submitter: str) -> list[Person]:
    """The admins who may approve `submitter`'s credential: ADMIN_USERS and the members of
    ADMIN_USERGROUP, or (with neither set) the workspace's own admins and owners — each checked
    as the policy checks a caller — minus the submitter. Slack is asked (users.info, cached)."""
    settings = deps.settings
    if settings.ADMIN_USERS or settings.ADMIN_USERGROUP:
        candidates = list(settings.ADMIN_USERS)
        if settings.ADMIN_USERGROUP:
            candidates += sorted(deps.slack.usergroup_members(team_id, settings.ADMIN_USERGROUP))
    else:
        candidates = deps.slack.workspace_admins(team_id)
    people = []
    for user_id in dict.fromkeys(candidates):
        if user_id == submitter:
            continue
        person = deps.slack.person(team_id, user_id)
        if person is None or account_of(person) is not Account.member:  # left, a guest or an app
            continue
        if is_bot_admin(deps, team_id, user_id, person):
            people.append(person)
    return people
