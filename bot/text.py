"""Checks on text that people supply (names in a roster, club names)."""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates can make a name display as something else entirely.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def unsafe_character(text: str) -> str | None:
    """The first control, zero-width or bidi-override character in `text`, as U+XXXX, or None."""
    for ch in text:
        if ch in _BIDI_CONTROLS or ch in _ZERO_WIDTH or unicodedata.category(ch) in ("Cc", "Cf"):
            return f"U+{ord(ch):04X}"
    return None
