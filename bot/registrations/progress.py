"""Registration progress as the commands and views show it (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.catalogue import Catalogue, Platform
from bot.registrations.checklist import ENABLED_IN_CODAT, item_title
from storage import approvals, codat_checks, credential_expiries
from storage.approvals import Approval
from storage.codat_checks import CheckState
from storage.db import Database
from storage.repositories import Registrations
from storage.statuses import ItemStatus, RegistrationStatus


@dataclass(frozen=True)
class ItemProgress:
    key: str
    title: str
    status: ItemStatus
    owner: str | None
    due_date: date | None


@dataclass(frozen=True)
class Progress:
    registration_id: str
    platform: Platform
    environment: str
    status: RegistrationStatus
    created_by: str
    items: tuple[ItemProgress, ...]
    stored_fields: tuple[str, ...]
    codat: CheckState | None = None  # Codat's last answer about it (storage.codat_checks)
    pending: tuple[Approval, ...] = ()  # credential versions waiting for approval (storage.approvals)
    expires_on: date | None = None  # when the current credential expires (bot.expiry), if known
    today: date | None = None  # the bot's clock's date, for "in N days"

    @property
    def has_codat_item(self) -> bool:
        return any(item.key == ENABLED_IN_CODAT for item in self.items)

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.status != ItemStatus.todo)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def next_item(self) -> ItemProgress | None:
        return next((item for item in self.items if item.status == ItemStatus.todo), None)


def workspace_progress(
    db: Database,
    catalogue: Catalogue,
    team_id: str,
    platform_id: str | None = None,
    *,
    today: date | None = None,
) -> list[Progress]:
    """This workspace's registrations (optionally one platform's), oldest first, cancelled ones too;
    `today` (the bot's clock) is what expiry dates count from."""
    result = []
    registrations = Registrations(db, team_id).overview(platform_id)
    checks = codat_checks.states(db, team_id, [registration.id for registration in registrations])
    expiries = credential_expiries.of_registrations(
        db, team_id, [r.id for r in registrations if r.stored_fields]
    )
    waiting: dict[str, list[Approval]] = {}
    production = [r.id for r in registrations if r.environment == "production"]
    for approval in approvals.undecided(db, team_id, production) if production else ():
        waiting.setdefault(approval.registration_id, []).append(approval)
    for registration in registrations:
        try:
            platform = catalogue.get(registration.platform)
        except KeyError:  # a platform removed from the catalogue: skip rather than fail
            continue
        items = tuple(
            ItemProgress(
                key=item.item_key,
                title=item_title(item.item_key, platform),
                status=item.status,
                owner=item.owner_user_id,
                due_date=item.due_date,
            )
            for item in registration.items
        )
        result.append(
            Progress(
                registration_id=registration.id,
                platform=platform,
                environment=registration.environment,
                status=registration.status,
                created_by=registration.created_by,
                items=items,
                stored_fields=registration.stored_fields,
                codat=checks.get(registration.id),
                pending=tuple(waiting.get(registration.id, ())),
                expires_on=expiry.expires_on if (expiry := expiries.get(registration.id)) else None,
                today=today,
            )
        )
    return result
