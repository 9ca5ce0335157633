"""A refusal: its text, which says who can do it, and its audit event.

`ask()` is the helper flows call outside a write transaction: decide, and record a refusal. Inside
a guarded write (an `allowed(row)` callback) flows call `policy.decide()` and `record()` the
refusal after the transaction, so no audit write waits on the write lock it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.governance import texts as t
from bot.governance.policy import RULES, Action, Decision, Reason, Target, decide
from bot.governance.roles import Account, Caller, Role
from storage.audit import Record, Surface
from storage.audit import record as append_record

if TYPE_CHECKING:
    from bot.deps import Deps

REFUSED_EVENT = "access.refused"


def refusal_text(decision: Decision) -> str:
    """ "Sorry — you can't cancel the *Xero · sandbox* registration. Ask the creator, <@U…>, or an
    admin.\""""
    target = decision.target
    name = (target.platform_name or target.platform) if target is not None else None
    if target is not None and name:
        label = f"*{name}* · {target.environment}" if target.environment else f"*{name}*"
        what = t.WHAT[decision.action.value].format(registration=label)
    else:
        what = t.WHAT_ANY[decision.action.value]
    return t.REFUSED.format(what=what, who=_who(decision))


def _who(decision: Decision) -> str:
    caller, target = decision.caller, decision.target
    if caller.account is Account.unknown:
        return str(t.WHO_UNKNOWN)
    if not caller.is_member:
        return str(t.WHO_GUEST)
    if decision.reason is Reason.own_submission:
        return str(t.WHO_OTHER_ADMIN)
    permitted = RULES[decision.action]
    if target is None:  # at the edge only admin-only actions are refused to members
        return str(t.WHO_ADMIN)
    creator = target.created_by if Role.creator in permitted and target.created_by != caller.user_id else None
    owners = sorted(target.owners - {caller.user_id, creator}) if Role.owner in permitted else []
    mentions = ", ".join(f"<@{owner}>" for owner in owners)
    if creator and owners:
        return t.WHO_CREATOR_OWNERS(len(owners), creator=creator, owners=mentions)
    if creator:
        return str(t.WHO_CREATOR.format(creator=creator))
    if owners:
        return t.WHO_OWNERS(len(owners), owners=mentions)
    return str(t.WHO_ADMIN)


def record(deps: Deps, decision: Decision, surface: Surface | None) -> None:
    """The audit event of a refusal: who asked for what, through which surface (never a value)."""
    caller, target = decision.caller, decision.target or Target()
    details = {
        "action": decision.action.value,
        "reason": decision.reason.value,
        "roles": sorted(role.value for role in decision.roles),
    }
    event = Record(
        caller.user_id,
        REFUSED_EVENT,
        target.registration_id or decision.action.value,
        registration_id=target.registration_id,
        platform=target.platform,
        environment=target.environment,
        surface=surface,
        details=details,
    )
    append_record(deps.db, caller.team_id, event)


def ask(deps: Deps, caller: Caller, action: Action, target: Target | None, surface: Surface) -> Decision:
    """`policy.decide()`, with a refusal recorded in the audit trail."""
    decision = decide(caller, action, target)
    if not decision.allowed:
        record(deps, decision, surface)
    return decision
