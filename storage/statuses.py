"""Registration and checklist item statuses, and the one rule that derives a registration's status.

Stored as their string values (the columns are plain strings, so existing rows and SQL filters keep
working); compared and passed around as these enums.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ItemStatus(StrEnum):
    todo = "todo"  # open: the only status that is reminded
    done = "done"
    not_applicable = "n/a"


class RegistrationStatus(StrEnum):
    in_progress = "in_progress"  # at most one per workspace, platform and environment
    completed = "completed"
    cancelled = "cancelled"  # by its creator or an admin: reminders stop, nothing is deleted


def derive_registration_status(
    current: RegistrationStatus | str,
    item_statuses: Iterable[ItemStatus | str],
    *,
    reached_summary: bool = True,
    another_in_progress: bool = False,
) -> RegistrationStatus:
    """The status a registration should have once its items are as given.

    - cancelled stays cancelled (only `start` makes a new registration);
    - no open item left (and the wizard reached its summary) → completed;
    - an item reopened on a completed registration → back in progress, unless another registration
      of the same platform and environment is in progress now (the unique index allows one).
    """
    current = RegistrationStatus(current)
    if current is RegistrationStatus.cancelled:
        return current
    open_items = any(ItemStatus(status) is ItemStatus.todo for status in item_statuses)
    if not open_items and reached_summary:
        return RegistrationStatus.completed
    if open_items and current is RegistrationStatus.completed and not another_in_progress:
        return RegistrationStatus.in_progress
    return current


class ApprovalStatus(StrEnum):
    """A production credential version waiting for a second person (storage.approvals)."""

    pending = "pending"  # disabled in the vault; waiting for approvals
    approving = "approving"  # the last approval is being applied (enable, then the reference): leased
    approved = "approved"  # enabled and the registration's current credential
    rejected = "rejected"  # stays disabled; the previous credential stays current
    expired = "expired"  # nobody decided within APPROVAL_EXPIRY_DAYS: treated as rejected
    superseded = "superseded"  # a newer submission of the same field replaced it while pending

    @property
    def open(self) -> bool:
        """Still waiting for a decision (an `approving` one is being applied right now)."""
        return self in (ApprovalStatus.pending, ApprovalStatus.approving)
