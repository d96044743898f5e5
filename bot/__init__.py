"""clubbot: a Telegram assistant that runs a university's student clubs."""
