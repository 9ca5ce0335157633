"""The read model: a registration as the wizard shows it, built from storage.wizard_rows' rows.

A Snapshot holds no secret, only references to stored values. Also here: the domain rules the
steps and their views share (`default_environment`, `mailbox_applies`, what to pre-fill).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.catalogue import CredentialField, Platform
from bot.registrations.checklist import Phase, checklist_for, item_title
from bot.wizard.credentials import JSON_FIELD
from bot.wizard.ids import Step
from core.settings import SecretIntake
from storage.approvals import Approval
from storage.statuses import ItemStatus, RegistrationStatus
from storage.vault.fingerprint import display
from storage.wizard_rows import WizardRead, WizardRows

if TYPE_CHECKING:
    from bot.deps import Deps
    from storage.vault import Vault

# The checklist phase whose items each step asks about.
STEP_PHASES = {
    Step.prerequisites: Phase.prerequisites,
    Step.registration: Phase.registration,
    Step.credentials: Phase.credentials,
}


@dataclass(frozen=True)
class ItemView:
    key: str
    title: str
    phase: Phase | None  # None: an item the checklist no longer defines
    status: ItemStatus
    owner: str | None
    due: date | None


@dataclass(frozen=True)
class StoredView:
    field: str
    fingerprint: str  # the short form shown to people
    resource_name: str
    version: str


@dataclass(frozen=True)
class PendingView:
    """A credential version waiting for approval (disabled in the vault; not the current one)."""

    approval_id: str
    field: str
    fingerprint: str  # the short form shown to people
    resource_name: str
    version: str
    submitted_by: str
    submitted_at: datetime
    approvals: int  # given so far
    required: int


@dataclass(frozen=True)
class Snapshot:
    """A registration as the wizard shows it. Holds no secret: only references to stored values."""

    registration_id: str
    team_id: str
    platform: Platform
    environment: str
    step: Step  # where the registration stands
    status: RegistrationStatus
    user_id: str  # who is looking (default owner)
    vault_label: str
    vault_development_only: bool
    answers: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[ItemView, ...] = ()
    stored: tuple[StoredView, ...] = ()
    read: WizardRead | None = field(default=None, repr=False, compare=False)  # what a save starts from
    created_by: str = ""  # who started the registration (the policy's creator)
    # Where credentials are typed (settings.secret_intake): the modal, the secure page, or both.
    secret_intake: SecretIntake = SecretIntake.modal
    # Four eyes (bot.approvals): versions waiting for approval, and PRODUCTION_APPROVALS for a
    # production registration (0: approvals are off; None: sandbox, where none are asked).
    pending: tuple[PendingView, ...] = ()
    approvals_required: int | None = None
    # When the current credential expires (bot.expiry), if a date was given; and today's date
    # (the bot's clock, UTC) for what views count from.
    expires_on: date | None = None
    today: date | None = None

    def items_of(self, phase: Phase) -> list[ItemView]:
        return [item for item in self.items if item.phase is phase]

    def keys_of(self, phase: Phase) -> tuple[str, ...]:
        return tuple(item.key for item in self.items if item.phase is phase)

    def item(self, key: str) -> ItemView | None:
        return next((item for item in self.items if item.key == key), None)

    def done(self, key: str) -> bool:
        item = self.item(key)
        return item is not None and item.status == ItemStatus.done

    @property
    def open_items(self) -> list[ItemView]:
        return [item for item in self.items if item.status == ItemStatus.todo]

    @property
    def stored_fields(self) -> frozenset[str]:
        return frozenset(ref.field for ref in self.stored)

    def fingerprint_for(self, credential: CredentialField) -> str | None:
        """The fingerprint already stored for this field (the shared JSON payload's, or its own)."""
        key = JSON_FIELD if self.platform.store_as_json else credential.key
        return next((ref.fingerprint for ref in self.stored if ref.field == key), None)

    def assignment_defaults(self, step: Step) -> tuple[str, date | None]:
        """The owner and due date to pre-fill: saved answers, else the open items', else the viewer."""
        saved = self.answers.get("assignments", {}).get(step.value, {})
        open_items = [i for i in self.items_of(STEP_PHASES[step]) if i.status == ItemStatus.todo]
        owner = saved.get("owner") or next((i.owner for i in open_items if i.owner), None) or self.user_id
        raw_due = saved.get("due")
        due = date.fromisoformat(raw_due) if raw_due else next((i.due for i in open_items if i.due), None)
        return owner, due


def default_environment(platform: Platform | None) -> str:
    """Sandbox when the platform offers one (or none is chosen yet), else production."""
    return "sandbox" if platform is None or platform.has_sandbox else "production"


def mailbox_applies(snapshot: Snapshot) -> bool:
    """The mailbox question is asked when someone registers with the platform (or may have to)."""
    return snapshot.item("register_generic_mailbox") is not None


def snapshot_of(
    read: WizardRead,
    *,
    platform: Platform,
    user_id: str,
    vault: Vault,
    secret_intake: SecretIntake = SecretIntake.modal,
    approvals_required: int | None = None,
    today: date | None = None,
) -> Snapshot:
    """The read model of a registration's rows (references of another vault backend left out)."""
    registration = read.registration
    phases = {item.key: item.phase for item in checklist_for(platform, registration.environment)}
    items = tuple(
        ItemView(i.item_key, item_title(i.item_key, platform), phases.get(i.item_key), i.status,
                 i.owner_user_id, i.due_date)
        for i in read.items
    )  # fmt: skip
    stored = tuple(
        StoredView(ref.field, display(ref.fingerprint), ref.resource_name, ref.version)
        for ref in read.refs
        if ref.backend == vault.backend
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
        answers=dict(registration.answers),
        items=items,
        stored=stored,
        read=read,
        created_by=registration.created_by,
        secret_intake=secret_intake,
        pending=tuple(_pending_view(a) for a in read.pending if a.backend == vault.backend),
        approvals_required=approvals_required if registration.environment == "production" else None,
        expires_on=read.expiry.expires_on if read.expiry is not None else None,
        today=today,
    )


def _pending_view(approval: Approval) -> PendingView:
    return PendingView(
        approval_id=approval.id,
        field=approval.field,
        fingerprint=approval.short_fingerprint,
        resource_name=approval.resource_name,
        version=approval.version,
        submitted_by=approval.submitted_by,
        submitted_at=approval.submitted_at,
        approvals=len(approval.approved_by),
        required=approval.required,
    )


def from_read(deps: Deps, read: WizardRead | None, user_id: str) -> Snapshot | None:
    """The read model, or None for a registration that is gone, cancelled or off the catalogue."""
    if read is None or read.registration.status == RegistrationStatus.cancelled:
        return None
    if read.registration.platform not in deps.catalogue:  # removed from the catalogue since
        return None
    platform = deps.catalogue.get(read.registration.platform)
    intake = deps.settings.secret_intake
    return snapshot_of(
        read,
        platform=platform,
        user_id=user_id,
        vault=deps.vault,
        secret_intake=intake,
        approvals_required=deps.settings.PRODUCTION_APPROVALS,
        today=deps.clock.now().date(),
    )


def load(deps: Deps, team_id: str, registration_id: str, user_id: str) -> Snapshot | None:
    """The registration as the wizard shows it; None when gone, cancelled or of another workspace."""
    return from_read(deps, WizardRows(deps.db).read(team_id, registration_id), user_id)
