"""Credential expiry: the date asked at the credentials step, what the summary, `status` and the App
Home say about it, and the reminders before it (EXPIRY_REMINDER_DAYS) through the follow-up sweep."""
