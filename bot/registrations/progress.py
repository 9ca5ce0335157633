"""Registration progress as the commands and views show it (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.catalogue import Catalogue, Platform
from bot.registrations.checklist import item_title
from storage.db import Database
from storage.repositories import TeamScope


@dataclass(frozen=True)
class ItemProgress:
    key: str
    title: str
    status: str
    owner: str | None
    due_date: date | None


@dataclass(frozen=True)
class Progress:
    registration_id: str
    platform: Platform
    environment: str
    status: str
    items: tuple[ItemProgress, ...]
    stored_fields: tuple[str, ...]

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.status != "todo")

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def next_item(self) -> ItemProgress | None:
        return next((item for item in self.items if item.status == "todo"), None)


def workspace_progress(
    db: Database, catalogue: Catalogue, team_id: str, platform_id: str | None = None
) -> list[Progress]:
    """This workspace's registrations (optionally one platform's), oldest first."""
    with db.session() as session:
        scope = TeamScope(session, team_id)
        registrations = (
            scope.registrations_for_platform(platform_id) if platform_id else scope.registrations()
        )
        result = []
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
            fields = tuple(
                sorted({ref.field for ref in scope.secret_refs(registration.id) if ref.superseded_at is None})
            )
            result.append(
                Progress(
                    registration_id=registration.id,
                    platform=platform,
                    environment=registration.environment,
                    status=registration.status,
                    items=items,
                    stored_fields=fields,
                )
            )
        return result
