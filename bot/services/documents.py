"""Documents users send (charters, vouchers, an activity's participant list and safety plan):
accepted by the extension and MIME type the policy allows, within a size, with their SHA-256.
Refused whole otherwise, so nothing is half-stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.chat.replies import Document
from bot.domain.values import DomainError

# The MIME types a file of each extension may arrive with (Telegram passes the sender's).
MIME = {
    "pdf": ("application/pdf",),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "doc": ("application/msword",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    "xls": ("application/vnd.ms-excel",),
    "odt": ("application/vnd.oasis.opendocument.text",),
    "txt": ("text/plain",),
    "md": ("text/markdown", "text/plain"),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
}
# A MIME type any extension may carry: senders that do not know the type say this.
UNKNOWN = "application/octet-stream"
NAME_MAX = 200
MIME_MAX = 100


@dataclass(frozen=True, slots=True)
class Accepted:
    file_name: str
    mime_type: str
    size: int
    sha256: str
    content: bytes


def megabytes(size: int) -> str:
    """A size in bytes as people read it."""
    return f"{size / 1_000_000:.1f} MB"


def extension(document: Document, types: tuple[str, ...]) -> str | None:
    """The allowed type this document is, judged by its extension and its MIME type."""
    name = document.file_name or ""
    found = name.rpartition(".")[2].lower() if "." in name else ""
    if found not in types:
        return None
    mime = document.mime_type.lower()
    return found if not mime or mime == UNKNOWN or mime in MIME.get(found, ()) else None


def accept(
    document: Document,
    types: tuple[str, ...],
    max_bytes: int,
    wrong_type: type[DomainError],
    too_large: type[DomainError],
    default_stem: str = "document",
) -> Accepted:
    """The document with its SHA-256, or `wrong_type(types=…)` / `too_large(limit=…)` raised.
    The adapter downloads only files within the limit; a file it did not download is too
    large."""
    kind = extension(document, types)
    content = document.content
    if kind is None or content == b"":
        raise wrong_type(types=", ".join(types))
    if content is None or len(content) > max_bytes or document.size > len(content):
        raise too_large(limit=megabytes(max_bytes))
    return Accepted(
        file_name=(document.file_name or f"{default_stem}.{kind}")[:NAME_MAX],
        mime_type=(document.mime_type or UNKNOWN)[:MIME_MAX],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
