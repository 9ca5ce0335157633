"""SQLAlchemy 2 typed models. Every table carries team_id so one workspace never sees another's rows.

No column ever holds a secret value: secret_refs keep only where a value went and its keyed fingerprint.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.statuses import ApprovalStatus, ItemStatus, RegistrationStatus

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Partial-index predicates, spelled as in the migrations (a query must repeat them to use the index).
_IN_PROGRESS = f"status = '{RegistrationStatus.in_progress.value}'"
_DUE = f"status = '{ItemStatus.todo.value}' AND next_reminder_at IS NOT NULL"
_UNDECIDED = f"status IN ('{ApprovalStatus.pending.value}', '{ApprovalStatus.approving.value}')"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """A Slack workspace the bot has served: its Enterprise Grid organisation, when it has one
    (how an org-wide installation is found for it), and whether the app was uninstalled from it
    (storage.installations)."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Registration(Base):
    """One company's registration with one platform in one environment."""

    __tablename__ = "registrations"
    __table_args__ = (
        # At most one registration in progress per workspace, platform and environment.
        Index(
            "uq_registrations_active",
            "team_id",
            "platform",
            "environment",
            unique=True,
            sqlite_where=text(_IN_PROGRESS),
            postgresql_where=text(_IN_PROGRESS),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    platform: Mapped[str] = mapped_column(String(64))  # catalogue id, e.g. "quickbooks-online"
    environment: Mapped[str] = mapped_column(String(16))  # sandbox | production
    # A RegistrationStatus, derived from the items by storage.statuses.derive_registration_status.
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.in_progress.value)
    step: Mapped[str] = mapped_column(String(32), default="platform")  # the wizard step to resume at
    created_by: Mapped[str] = mapped_column(String(32))
    # Non-secret answers from the wizard (e.g. the registration mailbox). Never a credential.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="registration", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(Base):
    """One prerequisite or step of a registration, with its owner and reminder state."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("registration_id", "item_key"),
        # The sweep's claim reads only open items that are due: keep that cost proportional to
        # the number due, not the size of the table.
        Index(
            "ix_checklist_items_due",
            "next_reminder_at",
            sqlite_where=text(_DUE),
            postgresql_where=text(_DUE),
        ),
        # Free space per page lets PostgreSQL update a claimed row in place (migration 0002).
        {"postgresql_with": {"fillfactor": 90}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.todo.value)  # an ItemStatus
    owner_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    # Reminder state (follow-ups): all UTC.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A claim is a lease: a sweep that dies after claiming leaves it to expire, so the item is
    # picked up again by a later sweep instead of being lost or sent twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    completed_by: Mapped[str | None] = mapped_column(String(32))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="items")


class SecretRef(Base):
    """Where a credential went: resource name, version and keyed fingerprint — never the value.

    The unique (registration, field, fingerprint) row is also the idempotency record that stops a
    double submit from adding a second Secret Manager version for the same value.
    """

    __tablename__ = "secret_refs"
    __table_args__ = (UniqueConstraint("registration_id", "field", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(16))  # google | development
    resource_name: Mapped[str] = mapped_column(String(512))
    version: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CredentialApproval(Base):
    """One production credential version waiting for a second person (four eyes), and what became
    of it: approved (its reference became current), rejected, expired or superseded.

    Until approved, the version is disabled in the vault and the registration's current credential
    stays the field's secret_refs row; this row holds only where the version went and its keyed
    fingerprint — never the value. storage.approvals reads and writes it.
    """

    __tablename__ = "credential_approvals"
    __table_args__ = (
        Index("ix_credential_approvals_registration_id_field", "registration_id", "field"),
        # The sweep's expiry scan and the pending-approvals gauge read only undecided rows.
        Index(
            "ix_credential_approvals_undecided",
            "expires_at",
            sqlite_where=text(_UNDECIDED),
            postgresql_where=text(_UNDECIDED),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(64))  # the vault field (e.g. "credentials")
    fingerprint: Mapped[str] = mapped_column(String(64))  # keyed HMAC, as in secret_refs
    backend: Mapped[str] = mapped_column(String(16))
    resource_name: Mapped[str] = mapped_column(String(512))
    version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.pending.value)  # an ApprovalStatus
    required: Mapped[int] = mapped_column(Integer, default=1)  # PRODUCTION_APPROVALS when submitted
    approved_by: Mapped[list[str]] = mapped_column(JSON, default=list)  # Slack user ids, in order
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(32))  # the bot's id for an expiry
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by: Mapped[str | None] = mapped_column(String(32))  # the newer approval's id
    # While the last approval is applied (status approving): a lease, as for reminders, so a
    # process that dies half-way leaves it to the sweep to finish.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The expiry date submitted with the version and its owner: they take effect when it is approved.
    credential_expires_on: Mapped[date | None] = mapped_column(Date)
    credential_owner: Mapped[str | None] = mapped_column(String(32))


class CredentialExpiry(Base):
    """When a registration's current credential expires (the date asked at the credentials step;
    also the secret's `expires-at` annotation) and the state of its expiry reminders.

    One row per registration whose credential has a date. Setting it again (a new version, or a new
    date) resets the reminders: `next_reminder_at` = now, so the next sweep works out the next one
    (bot.expiry.schedule). Claimed by the sweep with a lease, as checklist items are.
    """

    __tablename__ = "credential_expiries"

    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    expires_on: Mapped[date] = mapped_column(Date)
    owner_user_id: Mapped[str] = mapped_column(String(32))  # reminded with the admins; reassignable
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_lead: Mapped[int | None] = mapped_column(Integer)  # the smallest lead (days) sent so far
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # escalated once
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ApprovalRecipient(Base):
    """One approver asked about one approval: their reminder state (claimed by the sweep like a
    checklist item) and the DMs they were sent, which every decision updates in place."""

    __tablename__ = "approval_recipients"
    __table_args__ = (UniqueConstraint("approval_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("credential_approvals.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    messages: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [channel, ts] of each DM


class SecureLink(Base):
    """A one-time link to the secure credentials page (bot.secure_page). Only the SHA-256 of its
    token is kept, never the token: the id is the token's public part, for the lookup.

    Bound to one workspace, Slack user, registration and the credential fields it was made for;
    valid until `expires_at`, used once (`used_at`). A submission claims it with a lease
    (`claimed_until`, `claim_token`: a conditional UPDATE, so one replica at a time); a failed
    store hands it back. `csrf_hash` is the form's current CSRF token; with Sign in with Slack,
    `sign_in_*` hold the OpenID Connect state and nonce while the person signs in, and
    `session_hash` the browser session that signed in. Hashes only: no column holds a secret.
    """

    __tablename__ = "secure_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))  # who the link was made for
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    field_keys: Mapped[list[str]] = mapped_column(JSON, default=list)  # the catalogue's, when made
    view_id: Mapped[str | None] = mapped_column(String(64))  # the modal to update once stored
    language: Mapped[str] = mapped_column(String(8))  # the page's: its creator's language then
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    csrf_hash: Mapped[str | None] = mapped_column(String(64))
    sign_in_state_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    sign_in_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    session_hash: Mapped[str | None] = mapped_column(String(64))
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodatCheck(Base):
    """What Codat last said about one registration's integration, and when the daily check asks next.

    One row per registration that was ever checked or became due (storage.codat_checks reads and
    writes them all). A row is due while `next_check_at` has passed, `not_before` (Codat's
    Retry-After) too, and no live lease holds it; `next_check_at` is None once Codat said enabled.
    """

    __tablename__ = "codat_checks"

    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    platform_key: Mapped[str | None] = mapped_column(String(64))  # the Codat key last checked
    outcome: Mapped[str | None] = mapped_column(String(24))  # bot.codat's IntegrationOutcome; None: never
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))  # a short reason, never the key
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by: Mapped[str | None] = mapped_column(String(32))  # a user id, or the bot for the daily job
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no call to Codat before this
    # The daily job's lease, as for reminders: a job that dies leaves it to expire.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """Who did what, when, where and through which surface: append-only, hash-chained per workspace
    (storage.audit is the one writer). Details never contain a secret value."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_team_time", "team_id", "created_at"),
        # One row per place in a workspace's chain: two writers can never fork it.
        UniqueConstraint("team_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the workspace
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    registration_id: Mapped[str | None] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(64))
    environment: Mapped[str | None] = mapped_column(String(16))
    surface: Mapped[str | None] = mapped_column(String(16))  # a storage.audit.Surface; None: not known
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))  # row_hash of the workspace's previous row
    row_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of this row's canonical content


class AuditHead(Base):
    """The end of a workspace's audit chain: the row every writer locks before appending (so two
    writers take turns), and the anchor that shows when the last rows were deleted."""

    __tablename__ = "audit_heads"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SlackUser(Base):
    """Cached users.info facts (time zone, locale, email, roles, whether the person left), refreshed
    daily by the Slack gateway, plus the person's own language choice (never overwritten by a refresh)."""

    __tablename__ = "slack_users"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    tz: Mapped[str | None] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(default=False)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str | None] = mapped_column(String(320))
    names: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str | None] = mapped_column(String(16))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_owner: Mapped[bool] = mapped_column(default=False)
    is_restricted: Mapped[bool] = mapped_column(default=False)
    is_ultra_restricted: Mapped[bool] = mapped_column(default=False)
    is_bot: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8))  # set by `language fr|en`; None: auto


# Slack's OAuth stores, in slack_sdk's own table definitions (storage.installations reads and
# writes them through slack_sdk's SQLAlchemy stores): attached to this metadata so that the
# migrations own them (0010, never `create_tables()`) and `alembic check` compares them too.
_Store, _States = SQLAlchemyInstallationStore, SQLAlchemyOAuthStateStore
SLACK_INSTALLATIONS = _Store.build_installations_table(Base.metadata, _Store.default_installations_table_name)
SLACK_BOTS = _Store.build_bots_table(Base.metadata, _Store.default_bots_table_name)
SLACK_OAUTH_STATES = _States.build_oauth_states_table(Base.metadata, _States.default_table_name)
