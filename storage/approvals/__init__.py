"""Four eyes for production credentials: the approval rows (`rows`), what a credentials step's save
records (`submissions`), the approvers and their reminders (`reminders`), and the decisions
(`decisions`: approve, reject, finish, expire). The bot uses them as `storage.approvals`."""

from storage.approvals.decisions import (
    Decided,
    Finished,
    Outcome,
    abandon,
    approve,
    expire_due,
    finish,
    reject,
    stale_applying,
)
from storage.approvals.reminders import (
    ClaimedRecipient,
    add_recipients,
    claim_due_recipients,
    mark_sent,
    release,
    still_claimed,
)
from storage.approvals.rows import (
    Approval,
    NewApproval,
    Recipient,
    pending_count,
    read,
    recipients,
    superseded_by,
    undecided,
    undecided_in,
)
from storage.approvals.submissions import record_submissions

__all__ = [
    "Approval",
    "ClaimedRecipient",
    "Decided",
    "Finished",
    "NewApproval",
    "Outcome",
    "Recipient",
    "abandon",
    "add_recipients",
    "approve",
    "claim_due_recipients",
    "expire_due",
    "finish",
    "mark_sent",
    "pending_count",
    "read",
    "recipients",
    "record_submissions",
    "reject",
    "release",
    "stale_applying",
    "still_claimed",
    "superseded_by",
    "undecided",
    "undecided_in",
]
