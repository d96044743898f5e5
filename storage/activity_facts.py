"""What the annual review and the ledger read of the activity records (ACT-1 to ACT-12): a
club's approved activities of a year, and the facts the ACT rows of the ledger count, as
aggregates in a few statements whatever the number of clubs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from bot.domain.activities import ActivityKind, ActivityState
from storage.models import ActivityRow
from storage.tx import Tx

# Activities of a year listed at most in the review form (the counts count them all).
LIMIT = 40


@dataclass(frozen=True, slots=True)
class YearActivity:
    title: str
    kind: ActivityKind
    starts_at: datetime
    held: bool  # its end has passed


async def year_activities(
    tx: Tx, club_id: int, starts: datetime, ends: datetime, now: datetime
) -> list[YearActivity]:
    """The club's approved activities starting from `starts` to before `ends`, oldest first
    (one statement)."""
    stmt = (
        select(
            col(ActivityRow.title),
            col(ActivityRow.kind),
            col(ActivityRow.starts_at),
            col(ActivityRow.ends_at),
        )
        .where(col(ActivityRow.club_id) == club_id)
        .where(col(ActivityRow.state) == ActivityState.APPROVED.value)
        .where(col(ActivityRow.starts_at) >= starts)
        .where(col(ActivityRow.starts_at) < ends)
        .order_by(col(ActivityRow.starts_at), col(ActivityRow.id))
    )
    return [
        YearActivity(title or "—", ActivityKind(kind), start, end is not None and end <= now)
        for title, kind, start, end in await tx.session.execute(stmt)
        if kind is not None and start is not None
    ]
