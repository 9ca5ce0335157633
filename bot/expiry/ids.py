"""The expiry reminder's buttons: ids and value, shared by the views, the handler and tests."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ActionId(StrEnum):
    rotate = "expiry_rotate"  # opens the credentials step of the registration
    snooze = "expiry_snooze"  # no reminder for a week


class ExpiryButton(BaseModel):
    """A button's value: the registration whose credential expires (its id, nothing else)."""

    model_config = ConfigDict(frozen=True, strict=True)

    registration_id: str = Field(pattern=r"^[0-9a-f]{32}$")  # storage.models.new_id

    def dump(self) -> str:
        return self.registration_id

    @classmethod
    def load(cls, value: str | None) -> ExpiryButton | None:
        """The button `dump` wrote, or None for any other value."""
        try:
            return cls(registration_id=value or "")
        except ValidationError:
            return None


def actions_block_id(registration_id: str) -> str:
    return f"expiry_actions:{registration_id}"
