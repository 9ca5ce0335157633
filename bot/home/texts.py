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
