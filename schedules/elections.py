"""The election side of the clock: close nominations, open and close voting, remind, publish."""

from __future__ import annotations

from datetime import datetime

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import elections
from storage.db import Database
from storage.tx import Tx

BATCH = 50


async def advance_due(db: Database, policy: Policy, cal: Calendar, now: datetime) -> int:
    """Take every election step due at `now`, a batch per transaction; how many were taken."""
    total = 0
    while True:
        async with db.transaction() as session:
            taken = await elections.advance(Tx(session, db), policy, cal, now, BATCH)
        total += taken
        if taken < BATCH:
            return total
