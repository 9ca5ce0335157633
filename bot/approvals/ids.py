"""The approval buttons' ids and value, shared by the views, the handler, the middleware and tests."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ActionId(StrEnum):
    """Approve / Reject, in the approvers' DM and in the admins' App Home."""

    approve = "approval_approve"
    reject = "approval_reject"


_APPROVAL_ID = re.compile(r"^[0-9a-f]{32}$")  # storage.models.new_id


class ApprovalButton(BaseModel):
    """A button's value: the approval it decides (its id, nothing else)."""

    model_config = ConfigDict(frozen=True, strict=True)

    approval_id: str = Field(pattern=_APPROVAL_ID.pattern)

    def dump(self) -> str:
        return self.approval_id

    @classmethod
    def load(cls, value: str | None) -> ApprovalButton | None:
        """The button `dump` wrote, or None for any other value."""
        try:
            return cls(approval_id=value or "")
        except ValidationError:
            return None


def block_id(approval_id: str) -> str:
    return f"approval:{approval_id}"


def actions_block_id(approval_id: str) -> str:
    return f"approval_actions:{approval_id}"
