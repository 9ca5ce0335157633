"""`TeamScope(session, team_id)`: the ORM repository of one workspace — every query filters by its
team_id. The wizard's resume and the tests use it; the hot paths use Core statements instead
(storage.repositories, storage.wizard_rows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.audit import Record, Surface, append
from storage.models import AuditEvent, ChecklistItem, Registration, SecretRef, Workspace
from storage.statuses import RegistrationStatus


class TeamScope:
    """The ORM repository of one workspace: every query below filters by this team_id."""

    def __init__(self, session: Session, team_id: str) -> None:
        if not team_id:
            raise ValueError("team_id is required")
        self.session = session
        self.team_id = team_id

    # --- workspaces -------------------------------------------------------
    def ensure_workspace(self) -> Workspace:
        workspace = self.session.scalar(select(Workspace).where(Workspace.team_id == self.team_id))
        if workspace is not None:
            return workspace
        workspace = Workspace(team_id=self.team_id)
        try:
            with self.session.begin_nested():
                self.session.add(workspace)
        except IntegrityError:  # created concurrently by another request
            workspace = self.session.scalars(select(Workspace).where(Workspace.team_id == self.team_id)).one()
        return workspace

    # --- registrations ----------------------------------------------------
    def registrations(self) -> Sequence[Registration]:
        """Every registration of the workspace, oldest first."""
        return self.session.scalars(
            select(Registration)
            .where(Registration.team_id == self.team_id)
            .options(selectinload(Registration.items))
            .order_by(Registration.created_at)
        ).all()

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
                Registration.status == RegistrationStatus.in_progress.value,
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

    # --- secret references --------------------------------------------------
    def secret_refs(self, registration_id: str) -> Sequence[SecretRef]:
        return self.session.scalars(
            select(SecretRef)
            .where(SecretRef.team_id == self.team_id, SecretRef.registration_id == registration_id)
            .order_by(SecretRef.created_at, SecretRef.id)
        ).all()

    # --- audit --------------------------------------------------------------
    def audit(
        self,
        actor: str,
        action: str,
        subject: str,
        *,
        registration_id: str | None = None,
        platform: str | None = None,
        environment: str | None = None,
        surface: Surface | None = None,
        **details: Any,
    ) -> None:
        """Append to the workspace's audit chain (storage.audit) in this session's transaction.
        Callers pass ids and names only, never a credential value."""
        record = Record(
            actor,
            action,
            subject,
            registration_id=registration_id,
            platform=platform,
            environment=environment,
            surface=surface,
            details=details,
        )
        append(self.session, self.team_id, record)

    def audit_events(self) -> Sequence[AuditEvent]:
        """The workspace's audit trail, in chain order (oldest first)."""
        return self.session.scalars(
            select(AuditEvent).where(AuditEvent.team_id == self.team_id).order_by(AuditEvent.sequence)
        ).all()
