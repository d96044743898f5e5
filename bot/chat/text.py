"""Checks on text that people supply (names in a roster, club names)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Bidirectional overrides and isolates can make a name display as something else entirely.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def unsafe_character(text: str) -> str | None:
    """The first control, zero-width or bidi-override character in `text`, as U+XXXX, or None."""
    for ch in text:
        if ch in _BIDI_CONTROLS or ch in _ZERO_WIDTH or unicodedata.category(ch) in ("Cc", "Cf"):
            return f"U+{ord(ch):04X}"
    return None


# Letters that render as nothing: Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Line breaks and tabs are the only control characters free text may hold.
_LAYOUT = frozenset("\n\r\t")


def hostile_text(text: str) -> str | None:
    """Why typed free text (a purpose, a reason, an objection …) is refused, or None: an
    invisible, direction-changing or control character (as U+XXXX), or "blank" when characters
    that render as nothing make it look empty. Plain empty text is each flow's to answer."""
    found = unsafe_character("".join(ch for ch in text if ch not in _LAYOUT))
    if found is not None:
        return found
    if not text.strip():
        return None
    shown = [
        ch
        for ch in text
        if not ch.isspace()
        and ch not in _BLANK_LETTERS
        and unicodedata.category(ch) not in ("Mn", "Me", "Cf")
    ]
    return None if shown else "blank"


# Cyrillic and Greek letters that look like a basic Latin letter once case-folded (from Unicode's
# confusables list, UTS #39, limited to lookalikes of a-z): "Сhеss" must not pass for a new name
# next to "Chess".
_LATIN_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "һ": "h", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z", "ϲ": "c", "ϳ": "j",
    }
)  # fmt: skip
_LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def skeleton(key: str) -> str:
    """A case-folded name with look-alike letters replaced by the Latin letters they imitate:
    two names with the same skeleton read the same."""
    return key.translate(_LATIN_LOOKALIKES)


def mixed_script_word(text: str) -> str | None:
    """The first word that mixes Latin, Cyrillic or Greek letters (the way look-alike names are
    made), or None. Latin next to Chinese is ordinary and passes."""
    for word in text.split():
        scripts = {
            script
            for ch in word
            if ch.isalpha()
            for script in _LOOKALIKE_SCRIPTS
            if unicodedata.name(ch, "").startswith(script)
        }
        if len(scripts) > 1:
            return word
    return None


# Ids and counts from people or from button data fit in 12 digits; a longer number is garbage
# (and past 2^63 a database cannot even compare it).
MAX_DIGITS = 12


def number(raw: str, max_digits: int = MAX_DIGITS) -> int | None:
    """A non-negative whole number written in ASCII digits, or None. (`str.isdigit` also accepts
    "²" and "٢", which `int` refuses or reads as another number.)"""
    if not raw or len(raw) > max_digits or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


def prefixed_number(choice: str, prefix: str) -> int | None:
    """The number of a button choice such as "k42" (prefix "k"), or None."""
    return number(choice[len(prefix) :]) if choice.startswith(prefix) else None


def parse_day(text: str | None) -> date | None:
    """A date typed as YYYY-MM-DD, or None."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


# The full stops a typed reason may end with, which a message that adds its own would double.
_FULL_STOPS = "。.．!！"


def without_full_stop(text: str) -> str:
    """Typed text to put before a message's own full stop ("原因：暂停整改。", not "。。")."""
    return text.rstrip().rstrip(_FULL_STOPS).rstrip() or text


# Han characters (and the CJK marks around them): a name written in them is a Chinese one.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007]")


def telegram_name(first: str | None, last: str | None) -> str:
    """A Telegram account's name as its script writes it: "First Last", but a Chinese name
    family name first and without a space (first "晓华", last "陈": 陈晓华)."""
    first, last = (first or "").strip(), (last or "").strip()
    if _HAN.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)
