"""The only package that imports a Telegram framework: one adapter per framework."""
