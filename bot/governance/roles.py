"""Who is asking: the person's account (a member, a guest, an app) and whether they are one of the
bot's admins, from the users.info facts the Slack gateway caches and the ADMIN_* settings.

- The bot's **admins** are the user ids in `ADMIN_USERS` and the members of the Slack user group
  `ADMIN_USERGROUP` (usergroups.users.list, cached by the gateway for a few minutes). With neither
  set, the workspace's own admins and owners (users.info `is_admin` / `is_owner`) are.
- **Guests** (`is_restricted` / `is_ultra_restricted`) and **apps** (`is_bot`) keep their account's
  limits whatever else is true of them: a guest listed in ADMIN_USERS is still a guest.
- A person Slack could not tell us about yet (users.info failed on their first request) is
  `unknown`, with a guest's rights, until Slack answers.

Whether someone is an admin is only worked out when a decision needs it (it may ask Slack for the
user group's members), and then once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.slack.gateway import Person

# users.info on a person's first request (nothing cached yet); past it they are `unknown`.
FACTS_TIMEOUT_SECONDS = 1.0
# usergroups.users.list when the cached members are missing or older than the gateway's TTL.
USERGROUP_TIMEOUT_SECONDS = 1.0


class Role(StrEnum):
    """The columns of the policy's table. A person holds several at once (an admin who created the
    registration is admin, creator and member); guests and apps hold only their own."""

    admin = "admin"
    creator = "creator"  # started the registration
    owner = "owner"  # owns every item at stake (an unassigned item counts as its creator's)
    member = "member"
    guest = "guest"
    bot = "bot"


class Account(StrEnum):
    member = "member"
    guest = "guest"  # a multi- or single-channel guest
    bot = "bot"  # an app or workflow, Slackbot included
    unknown = "unknown"  # Slack could not say (yet): a guest's rights


@dataclass(frozen=True)
class Caller:
    """The person behind a request, in one workspace."""

    team_id: str
    user_id: str
    account: Account
    # Asked at most once, and only when a decision needs to know (see `is_admin`).
    admin_check: Callable[[], bool] = field(default=lambda: False, repr=False, compare=False)

    @classmethod
    def of(
        cls, team_id: str, user_id: str, account: Account = Account.member, *, admin: bool = False
    ) -> Caller:
        """A caller whose account and admin status are already known (tests)."""
        return cls(team_id, user_id, account, lambda: admin)

    @property
    def is_member(self) -> bool:
        return self.account is Account.member

    @cached_property
    def is_admin(self) -> bool:
        """Whether this person is one of the bot's admins (never for a guest, an app or unknown)."""
        return self.is_member and self.admin_check()


def account_of(person: Person | None) -> Account:
    """A member, a guest or an app, from users.info facts (None: Slack has not told us)."""
    if person is None or person.deleted:
        return Account.unknown
    if person.is_bot:
        return Account.bot
    if person.is_guest:
        return Account.guest
    return Account.member


def is_bot_admin(deps: Deps, team_id: str, user_id: str, person: Person | None) -> bool:
    """The ADMIN_USERS / ADMIN_USERGROUP rule, else the workspace's own admins and owners."""
    settings = deps.settings
    if not settings.ADMIN_USERS and not settings.ADMIN_USERGROUP:
        return person is not None and (person.is_admin or person.is_owner)
    if user_id in settings.ADMIN_USERS:
        return True
    if settings.ADMIN_USERGROUP:
        members = deps.slack.usergroup_members(
            team_id, settings.ADMIN_USERGROUP, timeout=USERGROUP_TIMEOUT_SECONDS
        )
        return user_id in members
    return False


def bot_admins(deps: Deps, team_id: str) -> list[Person]:
    """The bot's admins in the workspace, by the rule above: ADMIN_USERS and the members of
    ADMIN_USERGROUP, or (with neither set) the workspace's own admins and owners — each checked
    as the policy checks a caller, so guests, apps and people who left are not among them."""
    settings = deps.settings
    if settings.ADMIN_USERS or settings.ADMIN_USERGROUP:
        candidates = list(settings.ADMIN_USERS)
        if settings.ADMIN_USERGROUP:
            candidates += sorted(deps.slack.usergroup_members(team_id, settings.ADMIN_USERGROUP))
    else:
        candidates = deps.slack.workspace_admins(team_id)
    people = []
    for user_id in dict.fromkeys(candidates):
        person = deps.slack.person(team_id, user_id)
        if person is None or account_of(person) is not Account.member:  # left, a guest or an app
            continue
        if is_bot_admin(deps, team_id, user_id, person):
            people.append(person)
    return people


def caller_of(deps: Deps, team_id: str, user_id: str) -> Caller:
    """The person behind a request. Cached facts answer at once (stale ones are refreshed after the
    ack); on a person's very first request users.info is asked, within FACTS_TIMEOUT_SECONDS."""
    person = deps.slack.cached_person(team_id, user_id)
    if person is None:
        person = deps.slack.person(team_id, user_id, timeout=FACTS_TIMEOUT_SECONDS)
    else:
        deps.slack.known_person(team_id, user_id, refresh=deps.background.submit)
    return Caller(team_id, user_id, account_of(person), lambda: is_bot_admin(deps, team_id, user_id, person))
