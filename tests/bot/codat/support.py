"""Registrations for the Codat tests, written through the real models: every item done but
"Enabled in Codat", with (or without) a stored credential reference."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.catalogue import load_catalogue
from bot.registrations.checklist import ENABLED_IN_CODAT, checklist_for
from storage.db import Database
from storage.models import AuditEvent, ChecklistItem, CodatCheck, Registration, SecretRef
from storage.statuses import ItemStatus, RegistrationStatus
from storage.team_scope import TeamScope
from tests.conftest import TEAM_ID

ALICE = "U0ALICE"


@dataclass
class Seed:
    db: Database
    team_id: str = TEAM_ID

    def registration(
        self,
        platform: str = "xero",
        environment: str = "production",
        *,
        stored: bool = True,
        codat_item: ItemStatus | None = ItemStatus.todo,
        status: RegistrationStatus = RegistrationStatus.in_progress,
        created_by: str = ALICE,
    ) -> str:
        """A registration at its summary whose items are all done but the Codat one (`codat_item`,
        None: left out, as for a registration made before the item existed)."""
        definitions = checklist_for(load_catalogue().get(platform), environment)
        with self.db.session() as session:
            registration = TeamScope(session, self.team_id).add_registration(
                Registration(
                    platform=platform,
                    environment=environment,
                    created_by=created_by,
                    status=status,
                    step="summary",
                )
            )
            for position, definition in enumerate(definitions):
                if definition.key == ENABLED_IN_CODAT:
                    if codat_item is None:
                        continue
                    item_status = codat_item
                else:
                    item_status = ItemStatus.done
                session.add(
                    ChecklistItem(
                        registration_id=registration.id,
                        team_id=self.team_id,
                        item_key=definition.key,
                        position=position,
                        status=item_status,
                        owner_user_id=created_by,
                    )
                )
            if stored:
                session.add(
                    SecretRef(
                        registration_id=registration.id,
                        team_id=self.team_id,
                        field="credentials",
                        backend="google",
                        resource_name=f"projects/test-project/secrets/s-{registration.id}/versions/1",
                        version="1",
                        fingerprint="0" * 32,
                        created_by=created_by,
                    )
                )
            return registration.id

    def item(self, registration_id: str, key: str = ENABLED_IN_CODAT) -> ChecklistItem:
        with self.db.session() as session:
            return session.scalars(
                select(ChecklistItem).where(
                    ChecklistItem.registration_id == registration_id, ChecklistItem.item_key == key
                )
            ).one()

    def status(self, registration_id: str) -> str:
        with self.db.session() as session:
            registration = TeamScope(session, self.team_id).registration(registration_id)
            assert registration is not None
            return registration.status

    def check(self, registration_id: str) -> CodatCheck | None:
        with self.db.session() as session:
            return session.get(CodatCheck, registration_id)

    def audit(self) -> list[AuditEvent]:
        with self.db.session() as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.team_id, AuditEvent.sequence)))
