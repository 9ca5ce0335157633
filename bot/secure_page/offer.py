"""The credentials step's "Enter on a secure page" button: a new link, shown in the modal in place.

Run after the ack (deps.background). The policy is asked first (storing this registration's
credentials: bot.wizard.access.may_store); a refusal is a small modal over the step and an audit
event. The link is bound to the workspace, the person, the registration and the catalogue's
credential fields at this moment, and to the modal's view id (which the page updates once the
credentials are stored); it keeps the person's language for the page.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.governance import refusals
from bot.governance.roles import caller_of
from bot.governance.views import refusal_modal
from bot.secure_page.ids import PATH_PREFIX
from bot.secure_page.links import until
from bot.secure_page.tokens import new_link_token
from bot.secure_page.views import LinkOffer
from bot.wizard import access
from bot.wizard.ids import Metadata, Step
from bot.wizard.slack_calls import HashConflict, push_view, update_view
from bot.wizard.snapshot import load
from bot.wizard.step_views import credentials_view
from bot.wizard.views import gone_view
from core.i18n import current_language
from core.logs import in_flight_secrets
from core.settings import SecretIntake
from storage.audit import Record, Surface
from storage.secure_links import NewLink, SecureLinks

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.secure_page")


def offer_link(
    deps: Deps, *, team_id: str, user_id: str, view: dict[str, Any], trigger_id: str | None
) -> None:
    """Make a link for the credentials step open in `view`, and show it there (views.update)."""
    meta = Metadata.load(view.get("private_metadata"))
    if deps.settings.secret_intake is SecretIntake.modal or meta is None or meta.registration_id is None:
        return  # no button is ever shown then: a stale or forged click
    if meta.step is not Step.credentials:
        return
    snapshot = load(deps, team_id, meta.registration_id, user_id)
    if snapshot is None:
        update_view(deps, team_id, view["id"], gone_view(), view.get("hash"))
        return
    decision = access.may_store(caller_of(deps, team_id, user_id), snapshot)
    if not decision.allowed:
        refusals.record(deps, decision, Surface.modal)
        push_view(deps, team_id, trigger_id, refusal_modal(decision))
        return
    settings, now = deps.settings, deps.clock.now()
    minutes = settings.SECURE_LINK_MINUTES
    token = new_link_token()
    link = NewLink(
        id=token.link_id,
        token_hash=token.hash,
        team_id=team_id,
        user_id=user_id,
        registration_id=snapshot.registration_id,
        field_keys=tuple(f.key for f in snapshot.platform.credential_fields),
        view_id=view.get("id"),
        language=current_language(),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    details = {"link": link.id, "fields": list(link.field_keys), "minutes": minutes}
    created = Record(
        user_id,
        "secure_link.created",
        link.id,
        registration_id=snapshot.registration_id,
        platform=snapshot.platform.id,
        environment=snapshot.environment,
        surface=Surface.modal,
        details={**details, "sign_in_with_slack": settings.sign_in_with_slack},
    )
    SecureLinks(deps.db).create(link, created)
    logger.info("secure page: link %s made for registration %s", link.id, snapshot.registration_id)
    shown = LinkOffer(
        url=f"{settings.PUBLIC_URL}{PATH_PREFIX}{token.value}",
        minutes=minutes,
        until=until(deps, team_id, user_id, link.expires_at),
        sign_in=settings.sign_in_with_slack,
    )
    rendered = credentials_view(snapshot, editing=meta.editing, secure_link=shown)
    with in_flight_secrets.track(token.value):
        try:
            update_view(deps, team_id, view["id"], rendered, view.get("hash"), raise_conflict=True)
        except HashConflict:  # the modal changed meanwhile: the newest one gets the link
            update_view(deps, team_id, view["id"], rendered, None)
