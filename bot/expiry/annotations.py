"""The secret's `expires-at` annotation (and rotation schedule) kept in step with the date the bot
holds: a new version carries the date in its own store; a date changed on the credential already
stored, or a version approved later, updates the secret after the answer (UpdateSecret, best effort:
the bot's own table is what the reminders read, so a refusal only costs the annotation)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from storage.vault.base import StoredSecret

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.wizard.snapshot import Snapshot


def after_save(
    deps: Deps, before: Snapshot, saved: Snapshot, stored: Sequence[StoredSecret], actor: str
) -> None:
    """After a credentials step's save: when the date of the credential already stored changed
    (no new current version carried it), update each of its secrets, after the ack."""
    if saved.expires_on == before.expires_on or any(s.created and not s.pending for s in stored):
        return
    if any(s.created and s.pending for s in stored):
        return  # the date applies once that version is approved (annotate_approved)
    fields = sorted({ref.field for ref in saved.stored})
    if fields:
        deps.background.submit(
            annotate,
            deps,
            team_id=saved.team_id,
            registration_id=saved.registration_id,
            platform=saved.platform.id,
            environment=saved.environment,
            fields=fields,
            actor=actor,
            expires_on=saved.expires_on,
        )


def annotate(
    deps: Deps,
    *,
    team_id: str,
    registration_id: str,
    platform: str,
    environment: str,
    fields: Sequence[str],
    actor: str,
    expires_on: date | None,
) -> None:
    """Write the date on each field's secret (the vault logs what it could not)."""
    for field in fields:
        deps.vault.set_expiry(
            team_id=team_id,
            registration_id=registration_id,
            platform=platform,
            environment=environment,
            field=field,
            actor=actor,
            expires_on=expires_on,
        )
