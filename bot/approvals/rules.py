"""When a credential needs a second person, how many, and for how long (from the settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.settings import Settings

PRODUCTION = "production"


@dataclass(frozen=True)
class ApprovalRules:
    """PRODUCTION_APPROVALS and APPROVAL_EXPIRY_DAYS, as a save applies them."""

    required: int  # approvers besides the submitter; 0: approvals are off
    expiry: timedelta

    @classmethod
    def of(cls, settings: Settings) -> ApprovalRules:
        return cls(settings.PRODUCTION_APPROVALS, timedelta(days=settings.APPROVAL_EXPIRY_DAYS))

    @property
    def on(self) -> bool:
        return self.required > 0


def needed(settings: Settings, environment: str) -> bool:
    """Whether a credential stored for `environment` waits for approval: production only, unless
    PRODUCTION_APPROVALS=0 (sandbox credentials never do)."""
    return environment == PRODUCTION and settings.PRODUCTION_APPROVALS > 0


def applies(environment: str) -> bool:
    """Whether approvals are a question at all for this environment (the summary says they are off)."""
    return environment == PRODUCTION
