"""Governance: who may do what, and the record of what was done.

- `roles`: who is asking (a member, a guest, an app; one of the bot's admins?).
- `policy`: the one table of rules (role × action) and `decide()`, which every surface asks.
- `refusals`: a refusal's text (who can do it) and its audit event; `views`: how it is shown.
- `audit*`: the audit trail's command and export.
"""
