"""After the ack: open the modal (the picker, or a registration at its step), and change an open
modal in place (the picker's platform summary, a summary's Edit button). Run in deps.background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.governance import refusals
from bot.governance.roles import caller_of
from bot.governance.views import refusal_modal
from bot.wizard import access
from bot.wizard.answers import platform_answers
from bot.wizard.ids import BlockId, Metadata, Step
from bot.wizard.runtime import runtime
from bot.wizard.save import resume_or_create
from bot.wizard.slack_calls import HashConflict, open_view, prefetch_profile, push_view, update_view
from bot.wizard.snapshot import default_environment, load
from bot.wizard.step_views import view_at
from bot.wizard.views import loading_view, picker_view
from storage.audit import Surface
from storage.wizard_rows import WizardRows

if TYPE_CHECKING:
    from bot.deps import Deps


def open_wizard(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    trigger_id: str | None,
    channel_id: str | None = None,
    platform_id: str | None = None,
    environment: str | None = None,
) -> None:
    """The picker; or, with a platform, "Loading…" at once, then the registration at its saved step."""
    if platform_id is None:
        view = picker_view(deps.catalogue, environment=environment)
        open_view(deps, team_id, trigger_id, view, user_id=user_id, channel_id=channel_id)
    elif opened := open_view(
        deps, team_id, trigger_id, loading_view(), user_id=user_id, channel_id=channel_id
    ):
        platform = deps.catalogue.get(platform_id)
        environment = environment or default_environment(platform)
        registration_id = resume_or_create(deps, team_id, user_id, platform, environment, Surface.command)
        snapshot = load(deps, team_id, registration_id, user_id)
        update_view(deps, team_id, opened["id"], view_at(snapshot), opened.get("hash"))
    prefetch_profile(deps, team_id, user_id)


def open_registration(
    deps: Deps, *, team_id: str, user_id: str, trigger_id: str, registration_id: str, step: str | None = None
) -> bool:
    """Open the wizard at a saved registration's step (or at an earlier `step`, to edit it).

    Call it after the ack (in deps.background): it opens "Loading…" with the trigger, then updates.
    False when Slack would not open it (e.g. an expired trigger).
    """
    if opened := open_view(deps, team_id, trigger_id, loading_view(), user_id=user_id, channel_id=None):
        snapshot = load(deps, team_id, registration_id, user_id)
        update_view(deps, team_id, opened["id"], view_at(snapshot, step), opened.get("hash"))
        prefetch_profile(deps, team_id, user_id)
        return True
    return False


def platform_selected(
    deps: Deps, *, team_id: str, view: dict[str, Any], platform_id: str, action_ts: str
) -> None:
    """Show the chosen platform's summary in place: views.update with the view's hash."""
    selections = runtime(deps).selections
    if not view.get("id") or not selections.record(view["id"], action_ts, platform_id):
        return  # a newer selection is on its way
    rendered = _picker(deps, team_id, view, platform_id)
    try:
        update_view(deps, team_id, view["id"], rendered, view.get("hash"), raise_conflict=True)
    except HashConflict:  # the view changed meanwhile: render the latest selection over it
        latest = selections.latest(view["id"]) or platform_id
        update_view(deps, team_id, view["id"], _picker(deps, team_id, view, latest), None)


def _picker(deps: Deps, team_id: str, view: dict[str, Any], platform_id: str) -> dict[str, Any]:
    if platform_id not in deps.catalogue:
        return picker_view(deps.catalogue)
    platform = deps.catalogue.get(platform_id)
    # Keep an environment the person picked themselves; otherwise the platform's default.
    chosen = platform_answers((view.get("state") or {}).get("values") or {}).environment
    rendered = None
    for block in view.get("blocks") or []:
        if block.get("block_id") == BlockId.environment:
            rendered = ((block.get("element") or {}).get("initial_option") or {}).get("value")
    environment = chosen if chosen and chosen != rendered else default_environment(platform)
    saved = WizardRows(deps.db).active_step(team_id, platform.id, environment)
    resume = None if saved is None else Step.saved(saved)
    return picker_view(deps.catalogue, platform=platform, environment=environment, resume_step=resume)


def edit_step(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    view: dict[str, Any],
    step: str,
    trigger_id: str | None = None,
) -> None:
    """A summary's Edit button: show that step again (its Save returns to the summary), if the
    policy lets the person change it; else say who can, in a small modal over the summary."""
    meta = Metadata.load(view.get("private_metadata"))
    snapshot = load(deps, team_id, meta.registration_id, user_id) if meta and meta.registration_id else None
    if snapshot is not None and step in Step.__members__:
        decision = access.may_edit(caller_of(deps, team_id, user_id), snapshot, Step(step))
        if not decision.allowed:
            refusals.record(deps, decision, Surface.modal)
            push_view(deps, team_id, trigger_id, refusal_modal(decision))
            return
    update_view(deps, team_id, view["id"], view_at(snapshot, step), view.get("hash"))
