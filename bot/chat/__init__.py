"""Neutral chat I/O: incoming and outgoing values, the callback codec, messages, text checks."""
