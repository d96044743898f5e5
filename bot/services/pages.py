"""The pages of a paged answer, kept for its page buttons (see `bot/flows/pages.py`)."""

from __future__ import annotations

from datetime import datetime

from storage import pages as store
from storage.tx import Tx


async def keep(
    tx: Tx,
    token: str,
    user_id: int,
    view: str,
    arg: int,
    built: tuple[str, list[str]],
    now: datetime,
) -> None:
    """Keep what a request built (its header and lines) under `token`, for its buttons."""
    header, lines = built
    await store.keep(tx, token, user_id, view, arg, header, lines, now)
