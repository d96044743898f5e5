"""The callback-data codec: `v1:<kind>:<arg>…`, at most 64 bytes, parsed in one place.

Callback data comes back from the client and can be forged, so decoding only checks shape;
every handler re-checks on the server that the action is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.text import number

VERSION = "v1"
MAX_BYTES = 64
_PART = re.compile(r"[A-Za-z0-9_\-]{1,40}")


class BadCallback(ValueError):
    """Data that this version of the bot did not produce."""


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        """Argument `index` as a non-negative int, or BadCallback."""
        try:
            value = self.args[index]
        except IndexError:
            raise BadCallback(f"missing argument {index}") from None
        found = number(value)
        if found is None:
            raise BadCallback(f"argument {index} is not a number")
        return found


def encode(kind: str, *args: str | int) -> str:
    """Build callback data; raises ValueError if it would not be valid."""
    parts = [VERSION, kind, *(str(arg) for arg in args)]
    if not all(_PART.fullmatch(part) for part in parts):
        raise ValueError(f"callback part outside [A-Za-z0-9_-]: {parts!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback:
    """Parse callback data, or raise BadCallback (an old version, or forged)."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadCallback("empty or too long")
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION:
        raise BadCallback("unknown version")
    if not all(_PART.fullmatch(part) for part in parts[1:]):
        raise BadCallback("malformed part")
    return Callback(parts[1], tuple(parts[2:]))
