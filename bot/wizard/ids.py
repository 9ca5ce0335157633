"""Block, action and callback ids shared by view builders, handlers and tests.

Ids are stable: Slack keeps what a person typed across view updates only while an input's
block_id and action_id stay the same, and tests build submissions from them. Each step has its
own owner/due-date ids so that a date picked on one step never carries over into the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CallbackId(StrEnum):
    wizard = "codat_register_wizard"


class Step(StrEnum):
    """The wizard's steps, in order; `registrations.step` stores the value."""

    platform = "platform"
    prerequisites = "prerequisites"
    registration = "registration"
    credentials = "credentials"
    summary = "summary"

    @classmethod
    def saved(cls, value: str) -> Step:
        """The step a registration stands at (a registration is created past step 1)."""
        step = cls(value) if value in cls.__members__ else cls.prerequisites
        return cls.prerequisites if step is cls.platform else step

    @property
    def number(self) -> int:
        return list(Step).index(self) + 1

    def after(self) -> Step:
        steps = list(Step)
        return steps[min(steps.index(self) + 1, len(steps) - 1)]

    def passed(self, current: Step) -> bool:
        """Whether `self` lies before `current` (the registration has moved on from it)."""
        return self.number < current.number


# Steps that own checklist items, by the checklist phase they cover.
EDITABLE_STEPS: tuple[Step, ...] = (Step.prerequisites, Step.registration, Step.credentials)


class BlockId(StrEnum):
    # step 1
    platform = "platform"
    environment = "environment"
    platform_summary = "platform_summary"
    # step 2
    agreements = "agreements"
    agreements_details = "agreements_details"
    relationship_owner = "relationship_owner"
    contacted = "contacted"
    vault_status = "vault_status"
    vault_where = "vault_where"
    # step 3
    mailbox = "mailbox"
    redirect_uri = "redirect_uri"
    registration_checks = "registration_checks"
    # step 4: one input per catalogue field, see credential_block()
    credentials_intro = "credentials_intro"
    credential_checks = "credentials_checks"
    credential_expiry = "secret_expiry"  # when the secret expires (a date picker)
    # step 5
    stored = "stored"
    remaining = "remaining"
    next_action = "next_action"
    edit = "edit"
    # every surface
    notice = "notice"


def credential_block(field_key: str) -> str:
    """The input block of one credential field (catalogue keys are [a-z0-9_]{1,40})."""
    return f"credential_{field_key}"


def owner_block(step: Step) -> str:
    return f"{step.value}_owner"


def due_block(step: Step) -> str:
    return f"{step.value}_due"


class ActionId(StrEnum):
    platform_select = "platform_select"
    environment = "environment_choice"
    agreements = "agreements_choice"
    agreements_details = "agreements_details_text"
    relationship_owner = "relationship_owner_user"
    contacted = "contacted_check"
    vault_status = "vault_status_choice"
    vault_where = "vault_where_text"
    mailbox = "mailbox_email"
    registration_checks = "registration_checks_check"
    credential = "credential_value"
    credential_checks = "credential_checks_check"
    credential_expiry = "secret_expiry_date"
    owner = "owner_user"
    due = "due_date"
    edit_step = "edit_step"


@dataclass(frozen=True)
class Metadata:
    """The opaque private_metadata: registration id, step and whether a finished step is edited."""

    step: Step
    registration_id: str | None = None
    editing: bool = False

    def dump(self) -> str:
        data: dict[str, Any] = {"s": self.step.value}
        if self.registration_id:
            data["r"] = self.registration_id
        if self.editing:
            data["e"] = 1
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> Metadata | None:
        """The metadata `dump` wrote, or None for anything else (not JSON, another shape, nested)."""
        try:
            data = _MetadataJson.model_validate_json(raw or "")
        except ValidationError:
            return None
        return cls(data.s, data.r, data.e)


class _MetadataJson(BaseModel):
    """private_metadata as `Metadata.dump` writes it; pydantic's JSON parser also refuses deep nesting."""

    model_config = ConfigDict(frozen=True)

    s: Step
    r: str | None = Field(default=None, max_length=100)
    e: bool = False
