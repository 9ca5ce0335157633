"""The policy at the edge: one Bolt middleware, run before any listener, that works out who is
asking and asks bot.governance.policy about what the request is — a command's subcommand, a button,
a modal submission — before its registration is known. A refusal is answered here, politely, and
recorded in the audit trail; what passes is asked again by the flow, with the registration (cancel,
done/snooze, the wizard's steps and Edit buttons).

- a command: an ephemeral answer in the ack;
- a button: an empty ack, then an ephemeral message in the conversation, or a small modal pushed
  over the wizard (or opened over the App Home);
- a modal submission: a small modal pushed over it (closing it goes back; nothing was saved).

Actions open to everyone (help, list, info, language) pass without asking who the person is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.approvals.ids import ActionId as ApprovalAction
from bot.deps import Deps
from bot.expiry.ids import ActionId as ExpiryAction
from bot.governance import refusals
from bot.governance.policy import ROLES, RULES, Action, Decision, decide
from bot.governance.roles import caller_of
from bot.governance.views import refusal_message, refusal_modal
from bot.reminders.views import ActionId as ReminderAction
from bot.slack.gateway import SlackCallError
from bot.wizard.ids import ActionId as WizardAction
from bot.wizard.ids import CallbackId, Metadata, Step
from core.i18n import set_language
from handlers.language import person_language
from handlers.payloads import CONTEXT_KEY, BlockActions, SlashCommand, ViewSubmission
from storage.audit import Surface

# The subcommand's first word → what it asks. A word that is no subcommand gets the help (open to
# all); a subcommand missing here needs a member (guests and apps only get help, list and info).
COMMAND_ACTIONS: dict[str, Action] = {
    "help": Action.read_catalogue,
    "list": Action.read_catalogue,
    "info": Action.read_catalogue,
    "language": Action.choose_language,
    "langue": Action.choose_language,
    "status": Action.view_registrations,
    "remind": Action.view_registrations,
    "verify": Action.view_registrations,  # asks Codat, read-like: any member (bot.codat)
    "": Action.start_registration,
    "start": Action.start_registration,
    "done": Action.done_or_snooze,
    "snooze": Action.done_or_snooze,
    "cancel": Action.cancel_registration,
    "audit": Action.read_audit,
}
MEMBERS_ONLY = Action.view_registrations

BUTTON_ACTIONS: dict[str, Action] = {
    ReminderAction.done: Action.done_or_snooze,
    ReminderAction.snooze_day: Action.done_or_snooze,
    ReminderAction.snooze_week: Action.done_or_snooze,
    ReminderAction.open_checklist: Action.view_registrations,
    WizardAction.platform_select: Action.start_registration,
    ApprovalAction.approve: Action.approve,
    ApprovalAction.reject: Action.approve,  # deciding either way is the four-eyes step
    ExpiryAction.rotate: Action.edit_step,  # opens the credentials step (its save asks about storing)
    ExpiryAction.snooze: Action.done_or_snooze,
}


def open_to_all(action: Action) -> bool:
    """Whether every role may (then the edge need not know who is asking)."""
    return RULES[action] == frozenset(ROLES)


def command_action(word: str, subcommands: Collection[str]) -> Action:
    if word in COMMAND_ACTIONS:
        return COMMAND_ACTIONS[word]
    return MEMBERS_ONLY if word in subcommands else Action.read_catalogue


def button_action(action_id: str) -> Action:
    if action_id.startswith(f"{WizardAction.edit_step}_"):
        return Action.edit_step
    return BUTTON_ACTIONS.get(action_id, MEMBERS_ONLY)


def submission_action(submission: ViewSubmission) -> Action:
    """The wizard's step 1 starts (or resumes) a registration; its other steps change one."""
    if submission.view.callback_id != CallbackId.wizard:
        return MEMBERS_ONLY
    meta = Metadata.load(submission.view.private_metadata)
    return Action.start_registration if meta is None or meta.step is Step.platform else Action.edit_step


def button_surface(click: BlockActions) -> Surface:
    if click.view is not None:
        return Surface.app_home if click.view.type == "home" else Surface.modal
    return Surface.button


def _asked(payload: Any, subcommands: Collection[str]) -> tuple[str, str, Action, Surface] | None:
    """(team, user, action, surface) of a request a person made, or None."""
    if isinstance(payload, SlashCommand):
        words = payload.text.split()
        word = words[0].lower() if words else ""
        return payload.team_id, payload.user_id, command_action(word, subcommands), Surface.command
    if isinstance(payload, BlockActions):
        action = button_action(payload.action.action_id)
        return payload.team_id, payload.user.id, action, button_surface(payload)
    if isinstance(payload, ViewSubmission):
        return payload.team_id, payload.user.id, submission_action(payload), Surface.modal
    # Events (the App Home asks the policy itself), view_closed: nothing to ask here.
    return None


def middleware(deps: Deps, subcommands: Collection[str]) -> Callable[..., Any]:
    """The global middleware (registered right after handlers.payloads', before the language's)."""

    def authorize(context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:
        asked = _asked(context.get(CONTEXT_KEY), subcommands)
        if asked is None:
            return next()
        team_id, user_id, action, surface = asked
        if open_to_all(action):
            return next()
        # Resolved once here; the flows that ask again find it in the gateway's caches.
        decision = decide(caller_of(deps, team_id, user_id), action)
        if decision.allowed:
            return next()
        set_language(person_language(deps, team_id, user_id)[0])  # the refusal in their language
        refusals.record(deps, decision, surface)
        return refuse(deps, context.get(CONTEXT_KEY), decision)

    return authorize


def refuse(deps: Deps, payload: Any, decision: Decision) -> BoltResponse:
    """The polite answer to a refused request, in the ack (a button's is told after it)."""
    if isinstance(payload, SlashCommand):
        return BoltResponse(status=200, body={"response_type": "ephemeral", **refusal_message(decision)})
    if isinstance(payload, ViewSubmission):
        return BoltResponse(status=200, body={"response_action": "push", "view": refusal_modal(decision)})
    if isinstance(payload, BlockActions):
        deps.background.submit(tell_refused_click, deps, payload, decision)
    return BoltResponse(status=200, body="")


def tell_refused_click(deps: Deps, click: BlockActions, decision: Decision) -> None:
    """After a button's ack: a modal over the wizard or the App Home, else an ephemeral message."""
    team_id, user_id = click.team_id, click.user.id
    with suppress(SlackCallError):  # logged by the gateway; nothing else to tell them through
        if click.view is not None and click.trigger_id:
            view = refusal_modal(decision)
            if click.view.type == "home":
                deps.slack.open_view(team_id, click.trigger_id, view)
            else:
                deps.slack.push_view(team_id, click.trigger_id, view)
        elif click.channel_id:
            reply = refusal_message(decision)
            deps.slack.post_ephemeral(team_id, click.channel_id, user_id, reply["text"], reply["blocks"])
