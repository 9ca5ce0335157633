"""A registration as the wizard shows it, and the changes made inside an open modal after the ack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.catalogue import Platform
from bot.registrations.checklist import checklist_for, item_title
from bot.wizard.answers import platform_answers
from bot.wizard.ids import BlockId, Metadata, Step
from bot.wizard.runtime import runtime
from bot.wizard.slack_calls import HashConflict, update_view
from bot.wizard.step_views import step_view
from bot.wizard.views import ItemView, Snapshot, StoredView, default_environment, gone_view, picker_view
from storage.repositories import TeamScope
from storage.vault.fingerprint import display
from storage.wizard_rows import read_rows

if TYPE_CHECKING:
    from bot.deps import Deps


def snapshot_of(
    registration: Any,
    items: Sequence[Any],
    references: Sequence[Any],
    *,
    platform: Platform,
    user_id: str,
    vault: Any,
) -> Snapshot:
    """The view model of a registration row, its item rows and its current secret references."""
    phases = {item.key: item.phase for item in checklist_for(platform, registration.environment)}
    views = tuple(
        ItemView(i.item_key, item_title(i.item_key, platform), phases.get(i.item_key), i.status,
                 i.owner_user_id, i.due_date)
        for i in items
    )  # fmt: skip
    stored = tuple(
        StoredView(ref.field, display(ref.fingerprint), ref.resource_name, ref.version)
        for ref in references
        if getattr(ref, "superseded_at", None) is None and ref.backend == vault.backend
    )
    return Snapshot(
        registration_id=registration.id,
        team_id=registration.team_id,
        platform=platform,
        environment=registration.environment,
        step=Step.saved(registration.step),
        status=registration.status,
        user_id=user_id,
        vault_label=vault.location_label,
        vault_development_only=vault.development_only,
        answers=dict(registration.answers or {}),
        items=views,
        stored=stored,
    )


def snapshot(
    deps: Deps, registration: Any, items: Sequence[Any], refs: Sequence[Any], user_id: str
) -> Snapshot | None:
    """The view model, or None for a registration that is gone, cancelled or off the catalogue."""
    if registration is None or registration.status == "cancelled":
        return None
    if registration.platform not in deps.catalogue:  # removed from the catalogue since
        return None
    platform = deps.catalogue.get(registration.platform)
    view = snapshot_of(registration, items, refs, platform=platform, user_id=user_id, vault=deps.vault)
    return replace(view, rows=(registration, items, refs))


def load(deps: Deps, team_id: str, registration_id: str, user_id: str) -> Snapshot | None:
    """The registration as the wizard shows it; None when gone, cancelled or of another workspace."""
    with deps.db.engine.connect() as connection:
        return snapshot(deps, *read_rows(connection, team_id, registration_id), user_id)


def active_step(deps: Deps, team_id: str, platform_id: str, environment: str) -> Step | None:
    """The saved step of the registration in progress for this platform and environment, if any."""
    with deps.db.session() as session:
        registration = TeamScope(session, team_id).active_registration(platform_id, environment)
        return None if registration is None else Step.saved(registration.step)


def view_at(snapshot: Snapshot | None, step: str | None = None) -> dict[str, Any]:
    """The modal at the registration's saved step, or at an earlier `step` to edit it."""
    if snapshot is None:
        return gone_view()
    wanted = Step(step) if step in Step.__members__ and step != Step.platform else snapshot.step
    return step_view(snapshot, wanted, editing=wanted.passed(snapshot.step))


# --- changes inside an open modal (after the ack) ---------------------------------------------------------


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
    resume = active_step(deps, team_id, platform.id, environment)
    return picker_view(deps.catalogue, platform=platform, environment=environment, resume_step=resume)


def edit_step(deps: Deps, *, team_id: str, user_id: str, view: dict[str, Any], step: str) -> None:
    """A summary's Edit button: show that step again (its Save returns to the summary)."""
    meta = Metadata.load(view.get("private_metadata"))
    snapshot = load(deps, team_id, meta.registration_id, user_id) if meta and meta.registration_id else None
    update_view(deps, team_id, view["id"], view_at(snapshot, step), view.get("hash"))
