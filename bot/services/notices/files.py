"""How a file is named to people: its size in their words."""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.domain.values import Language


def size_words(lang: Language, size: int) -> str:
    """A file's size as people read it: 812 bytes, 35.2 KB, 4.1 MB."""
    if size < 1024:
        return tr(lang, "size.bytes", n=size)
    if size < 1024 * 1024:
        return tr(lang, "size.kb", n=f"{size / 1024:.1f}")
    return tr(lang, "size.mb", n=f"{size / 1024 / 1024:.1f}")
