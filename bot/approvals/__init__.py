"""Four eyes for production credentials: a production credential stored or replaced by anyone waits,
disabled in the vault, until another admin approves it (PRODUCTION_APPROVALS of them; 0 turns this
off). Approvers are asked by DM (Approve / Reject), reminded in their working hours by the
follow-up sweep, and the approval expires after APPROVAL_EXPIRY_DAYS (treated as rejected).

- `rules`: when a credential needs approval, how many, for how long;
- `submissions`: what a credentials step's save records for the versions it stored pending;
- `approvers`: who is asked (the bot's admins but the submitter);
- `requests`: after the save, the DMs to the approvers (and the submitter, when nobody can approve);
- `decisions`: Approve / Reject, from a DM or the App Home;
- `sweep`: reminders and expiry, run by the reminder sweep;
- `views`, `texts`, `ids`: what they look like.
"""
