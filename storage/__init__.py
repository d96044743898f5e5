"""Persistence: SQLModel tables, the database handle and repositories returning plain values."""
