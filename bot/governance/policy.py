"""The one authorization policy: may this person do this to this registration (and its items)?

`TABLE` is the whole rule set, role × action → allowed; `decide()` applies it. Every surface asks:
the edge (handlers.authorization) before a listener runs, with no registration yet; then the flow
that reads the registration asks again with it (`Target`), inside the guarded write where there is
one. Nothing else decides who may do what.

A person holds every role that fits (bot.governance.roles): an admin who started a registration is
admin, creator and member of it. Guests and apps hold only `guest` / `bot`. The `owner` role is
held when the person owns every item at stake: the item clicked, or every item a step's save
changes. Before the registration is known (`target=None`) a member may still turn out to be its
creator or an owner, so only the account is checked then.

One rule sits beside the table, for the approvals: nobody approves their own submission, admin or
not (`Target.submitted_by`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.governance.roles import Account, Caller, Role


class Action(StrEnum):
    """What the policy is asked about. The first three only read (or change one's own settings)."""

    read_catalogue = "read_catalogue"  # help, list, info
    choose_language = "choose_language"  # language: one's own preference
    view_registrations = "view_registrations"  # status, remind, the App Home, opening a checklist
    start_registration = "start_registration"  # start (or resume) the wizard
    edit_step = "edit_step"  # save a step, or open one from the summary's Edit buttons
    reassign_owners = "reassign_owners"  # a step's save that gives its items another owner
    store_sandbox_credentials = "store_sandbox_credentials"
    store_production_credentials = "store_production_credentials"
    done_or_snooze = "done_or_snooze"  # Done / Snooze buttons, `done`, `snooze`
    cancel_registration = "cancel_registration"  # `cancel <platform> [sandbox|production]`
    read_audit = "read_audit"  # `audit`
    approve = "approve"  # approve or reject a pending production credential


ROLES = (Role.admin, Role.creator, Role.owner, Role.member, Role.guest, Role.bot)
Y, N = True, False

# The rules. README > Governance shows the same table; tests/governance walks every cell over HTTP.
TABLE: Mapping[Action, tuple[bool, ...]] = {
    #                                      admin creator owner member guest bot
    Action.read_catalogue:                 (Y,    Y,      Y,    Y,     Y,    Y),
    Action.choose_language:                (Y,    Y,      Y,    Y,     Y,    Y),
    Action.view_registrations:             (Y,    Y,      Y,    Y,     N,    N),
    Action.start_registration:             (Y,    Y,      Y,    Y,     N,    N),
    Action.edit_step:                      (Y,    Y,      Y,    N,     N,    N),
    Action.reassign_owners:                (Y,    Y,      Y,    N,     N,    N),
    Action.store_sandbox_credentials:      (Y,    Y,      N,    N,     N,    N),
    Action.store_production_credentials:   (Y,    Y,      N,    N,     N,    N),
    Action.done_or_snooze:                 (Y,    Y,      Y,    N,     N,    N),
    Action.cancel_registration:            (Y,    Y,      N,    N,     N,    N),
    Action.read_audit:                     (Y,    N,      N,    N,     N,    N),
    Action.approve:                        (Y,    N,      N,    N,     N,    N),
}  # fmt: skip

RULES: Mapping[Action, frozenset[Role]] = {
    action: frozenset(role for role, allowed in zip(ROLES, row, strict=True) if allowed)
    for action, row in TABLE.items()
}
READ_ONLY = frozenset({Action.read_catalogue, Action.choose_language, Action.view_registrations})


def allowed(role: Role, action: Action) -> bool:
    """One cell of the table."""
    return role in RULES[action]


def credentials_action(environment: str) -> Action:
    """Storing or replacing credentials of a registration in `environment`."""
    return (
        Action.store_production_credentials
        if environment == "production"
        else Action.store_sandbox_credentials
    )


@dataclass(frozen=True)
class Target:
    """What an action is about: a registration and the owners of the items at stake (an unassigned
    item counts as its creator's). Ids and names only."""

    registration_id: str | None = None
    created_by: str | None = None
    platform: str | None = None  # catalogue id
    platform_name: str | None = None  # as people read it
    environment: str | None = None
    owners: frozenset[str] = field(default_factory=frozenset)
    submitted_by: str | None = None  # approvals: whoever stored the credential waiting for approval

    @classmethod
    def of(
        cls,
        *,
        registration_id: str,
        created_by: str,
        platform: str,
        environment: str,
        platform_name: str | None = None,
        owners: Iterable[str | None] = (),
        submitted_by: str | None = None,
    ) -> Target:
        """A registration's target; `owners` as stored (None: unassigned, the creator's)."""
        return cls(
            registration_id=registration_id,
            created_by=created_by,
            platform=platform,
            platform_name=platform_name or platform,
            environment=environment,
            owners=frozenset(owner or created_by for owner in owners),
            submitted_by=submitted_by,
        )


class Reason(StrEnum):
    allowed = "allowed"
    role = "role"  # none of the roles the person holds here may
    own_submission = "own_submission"  # approvals: the submitter never approves their own


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed or not, and what it was about (for the refusal's text and the
    audit event: bot.governance.refusals)."""

    action: Action
    caller: Caller
    target: Target | None
    roles: frozenset[Role]  # what the person holds here (admin only when it had to be asked)
    reason: Reason

    @property
    def allowed(self) -> bool:
        return self.reason is Reason.allowed


def roles_of(caller: Caller, target: Target | None) -> frozenset[Role]:
    """The roles a caller holds for `target`, admin left out (it is asked only when needed)."""
    if caller.account is Account.bot:
        return frozenset({Role.bot})
    if not caller.is_member:
        return frozenset({Role.guest})
    roles = {Role.member}
    if target is None:
        # Before the registration is read, a member may still be its creator or an owner.
        roles |= {Role.creator, Role.owner}
    else:
        if target.created_by == caller.user_id:
            roles.add(Role.creator)
        if target.owners and target.owners <= {caller.user_id}:
            roles.add(Role.owner)
    return frozenset(roles)


def decide(caller: Caller, action: Action, target: Target | None = None) -> Decision:
    """May `caller` do `action` to `target` (None: before the registration is known)?"""
    permitted = RULES[action]
    roles = roles_of(caller, target)
    if action is Action.approve and target is not None and target.submitted_by == caller.user_id:
        return Decision(action, caller, target, roles | _admin(caller), Reason.own_submission)
    if roles & permitted:
        return Decision(action, caller, target, roles, Reason.allowed)
    if Role.admin in permitted and caller.is_admin:
        return Decision(action, caller, target, roles | {Role.admin}, Reason.allowed)
    return Decision(action, caller, target, roles | _admin(caller), Reason.role)


def _admin(caller: Caller) -> frozenset[Role]:
    return frozenset({Role.admin}) if caller.is_admin else frozenset()


class NotAllowed(Exception):
    """Raised inside a guarded write whose re-check under lock refused: nothing is written."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"{decision.action} refused")
        self.decision = decision


__all__ = [
    "READ_ONLY",
    "ROLES",
    "RULES",
    "TABLE",
    "Action",
    "Decision",
    "NotAllowed",
    "Reason",
    "Target",
    "allowed",
    "credentials_action",
    "decide",
]
