"""Which language a person reads: their choice (`language fr|en|auto`), else their Slack locale,
else DEFAULT_LANGUAGE."""
