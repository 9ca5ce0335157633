"""Queries, always scoped to one workspace. Handlers never build SQL: they call these via bot/ services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.models import AuditEvent, ChecklistItem, Registration, SecretRef, Workspace, utcnow


class TeamScope:
    """Every query below filters by this team_id; there is no unscoped read path."""

    def __init__(self, session: Session, team_id: str) -> None:
        if not team_id:
            raise ValueError("team_id is required")
        self.session = session
        self.team_id = team_id

    # --- workspaces -------------------------------------------------------
    def ensure_workspace(self, name: str | None = None) -> Workspace:
        workspace = self.session.scalar(select(Workspace).where(Workspace.team_id == self.team_id))
        if workspace is not None:
            return workspace
        workspace = Workspace(team_id=self.team_id, name=name)
        try:
            with self.session.begin_nested():
                self.session.add(workspace)
        except IntegrityError:  # created concurrently by another request
            workspace = self.session.scalars(select(Workspace).where(Workspace.team_id == self.team_id)).one()
        return workspace

    # --- registrations ----------------------------------------------------
    def registrations(self, *, include_closed: bool = False) -> Sequence[Registration]:
        query = (
            select(Registration)
            .where(Registration.team_id == self.team_id)
            .options(selectinload(Registration.items))
            .order_by(Registration.created_at)
        )
        if not include_closed:
            query = query.where(Registration.status != "cancelled")
        return self.session.scalars(query).all()

    def registration(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        query = select(Registration).where(
            Registration.id == registration_id, Registration.team_id == self.team_id
        )
        if for_update:
            query = query.with_for_update()
        return self.session.scalar(query.options(selectinload(Registration.items)))

    def active_registration(self, platform: str, environment: str) -> Registration | None:
        return self.session.scalar(
            select(Registration)
            .where(
                Registration.team_id == self.team_id,
                Registration.platform == platform,
                Registration.environment == environment,
                Registration.status == "in_progress",
            )
            .options(selectinload(Registration.items))
        )

    def registrations_for_platform(self, platform: str) -> Sequence[Registration]:
        return self.session.scalars(
            select(Registration)
            .where(Registration.team_id == self.team_id, Registration.platform == platform)
            .options(selectinload(Registration.items))
            .order_by(Registration.created_at)
        ).all()

    def add_registration(self, registration: Registration) -> Registration:
        registration.team_id = self.team_id
        self.session.add(registration)
        self.session.flush()
        return registration

    # --- checklist --------------------------------------------------------
    def item(self, item_id: int) -> ChecklistItem | None:
        return self.session.scalar(
            select(ChecklistItem).where(ChecklistItem.id == item_id, ChecklistItem.team_id == self.team_id)
        )

    def open_items_owned_by(self, user_id: str) -> Sequence[ChecklistItem]:
        return self.session.scalars(
            select(ChecklistItem)
            .join(Registration)
            .where(
                ChecklistItem.team_id == self.team_id,
                ChecklistItem.owner_user_id == user_id,
                ChecklistItem.status == "todo",
                Registration.status == "in_progress",
            )
            .order_by(ChecklistItem.next_reminder_at, ChecklistItem.id)
        ).all()

    # --- secret references --------------------------------------------------
    def secret_refs(self, registration_id: str) -> Sequence[SecretRef]:
        return self.session.scalars(
            select(SecretRef)
            .where(SecretRef.team_id == self.team_id, SecretRef.registration_id == registration_id)
            .order_by(SecretRef.created_at, SecretRef.id)
        ).all()

    # --- audit --------------------------------------------------------------
    def audit(self, actor: str, action: str, subject: str, **details: Any) -> AuditEvent:
        """Record who did what. Callers pass ids and names only, never a credential value."""
        event = AuditEvent(team_id=self.team_id, actor=actor, action=action, subject=subject, details=details)
        self.session.add(event)
        return event

    def audit_events(self, since: datetime | None = None) -> Sequence[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.team_id == self.team_id)
        if since is not None:
            query = query.where(AuditEvent.created_at >= since)
        return self.session.scalars(query.order_by(AuditEvent.created_at, AuditEvent.id)).all()


__all__ = ["TeamScope", "utcnow"]
