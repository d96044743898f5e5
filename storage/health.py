"""What a health check and a metrics scrape read: the outbox's backlog."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlmodel import col

from storage.models import OutboxRow
from storage.outbox import PENDING
from storage.tx import Tx


class Backlog(NamedTuple):
    """Messages waiting in the outbox: how many, and since when the oldest due one waits."""

    depth: int
    oldest_due: datetime | None


async def backlog(tx: Tx, now: datetime) -> Backlog:
    """The pending messages, and the due time of the oldest one already due (None if none)."""
    depth = select(func.count()).where(col(OutboxRow.status) == PENDING)
    oldest = (
        select(func.min(col(OutboxRow.due_at)))
        .where(col(OutboxRow.status) == PENDING)
        .where(col(OutboxRow.due_at) <= now)
    )
    count = (await tx.session.execute(depth.select_from(OutboxRow))).scalar_one()
    found = (await tx.session.execute(oldest)).scalar_one()
    return Backlog(int(count), found if isinstance(found, datetime) else None)
