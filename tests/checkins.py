"""Approved activities of the chess club (tests/activities.py) written straight into the
database, for check-in, reports and records."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.activities import ActivityAudience, ActivityKind, ActivityState
from storage import activities, clubs
from storage.db import Database
from storage.tx import Tx
from tests.activities import OFFICER


async def approved(
    db: Database,
    now: datetime,
    title: str,
    *,
    in_hours: float = 2,
    capacity: int | None = None,
    audience: ActivityAudience = ActivityAudience.MEMBERS,
) -> int:
    """An approved activity of the chess club starting in `in_hours` hours, two hours long."""
    async with db.transaction() as session:
        tx = Tx(session, db)
        chess = await clubs.club_by_key(tx, "chess club")
        assert chess is not None
        act_id = await activities.new_draft(tx, chess.id, OFFICER, now)
        start = now + timedelta(hours=in_hours)
        await activities.change(
            tx,
            act_id,
            now,
            title=title,
            kind=ActivityKind.REGULAR.value,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Hall",
            expected=30,
            capacity=capacity,
            capacity_set=True,
            audience=audience.value,
            description="-",
        )
        assert await activities.move(
            tx, act_id, ActivityState.DRAFT, 1, now, ActivityState.APPROVED
        )
    return act_id
