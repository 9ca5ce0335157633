"""Texts of the App Home tab."""

HEADER = "codat-register"
INTRO = (
    "Register each platform you connect through Codat, step by step; credentials go straight to the vault."
)
START_HINT = "Type `/codat-register start` anywhere to register a platform, or `/codat-register help`."
YOUR_ITEMS = "*Waiting on you*"
NO_ITEMS = "Nothing is waiting on you. 🎉"
ITEM_LINE = "◻️ {title} — *{platform}* · {environment}{due}"
ITEM_DUE = " · due {date}"
REGISTRATIONS = "*This workspace*"
NO_REGISTRATIONS = "No registrations yet."
VAULT = "Credentials are stored in: {location}"
# The answer to a direct message (the Messages tab is open: reminders arrive there).
DM_POINTER = (
    "👋 I don't read messages here: I work through `/codat-register`. Try `/codat-register help` "
    "for everything I can do, `/codat-register start` to register a platform, or "
    "`/codat-register remind` for what is waiting on you. Your reminders keep arriving here."
)
