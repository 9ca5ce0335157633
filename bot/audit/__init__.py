"""The audit trail as admins read it: `/codat-register audit [platform] [since YYYY-MM-DD]` (a
summary in Slack, the whole trail as a CSV file in their DM) and the App Home's recent activity.

- `access`: who may read it (`may_see_audit`); `query`: the command's words, parsed;
- `trail`: the summary, the export and the recent activity, from storage.audit_trail;
- `csv_export`: the CSV file; `views` and `texts`: what people read.

Writing the trail is storage's (storage.audit, the one writer); checking it is storage.audit_verify.
"""
