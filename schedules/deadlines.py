"""The deadline side of the clock: recompute deadlines, and queue the steps that fell due."""

from __future__ import annotations

from datetime import datetime

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import reminders
from bot.services.reminders import RefreshReport, ScanReport
from storage import deadlines as deadlines_store
from storage.db import Database
from storage.tx import Tx

SCAN_BATCH = 500
# Small transactions: on SQLite each one holds the write lock that updates also wait for.
REFRESH_CHUNK = 250


async def scan_due(db: Database, policy: Policy, cal: Calendar, now: datetime) -> ScanReport:
    """Queue every reminder and escalation due at `now`, a batch per transaction."""
    total = ScanReport()
    while True:
        async with db.transaction() as session:
            report = await reminders.scan(Tx(session, db), policy, cal, now, SCAN_BATCH)
        total.deadlines += report.deadlines
        total.messages += report.messages
        if report.deadlines < SCAN_BATCH:
            return total


async def refresh_all(db: Database, policy: Policy, cal: Calendar, now: datetime) -> RefreshReport:
    """Recompute every club's deadlines (after a policy change, and daily as a safety net)."""
    async with db.transaction() as session:
        ids = await deadlines_store.club_ids(Tx(session, db))
    total = RefreshReport()
    for start in range(0, len(ids), REFRESH_CHUNK):
        async with db.transaction() as session:
            report = await reminders.refresh(
                Tx(session, db), policy, cal, now, ids[start : start + REFRESH_CHUNK]
            )
        total.opened += report.opened
        total.closed += report.closed
        total.rescheduled += report.rescheduled
    return total
