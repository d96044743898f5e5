"""Bulk seeding for the benchmarks: clubs with officers, advisors and meeting history.

Rows go in with Core INSERTs in chunks (the CSV import checks every row one by one, which is
right for staff's files and too slow for 50,000 clubs); deadlines are then computed by the
same `refresh_all` the bot runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import insert

from bot.domain.calendar import add_months
from storage import migrate
from storage.db import Database
from storage.models import (
    AccountRow,
    AdvisorRow,
    AppointmentRow,
    ClubRow,
    GeneralMeetingRow,
    GuidanceUnitRow,
    OfficerRow,
    StudentRow,
)

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/clubbot_bench"
CHUNK = 2000
UNITS = 50
USER_BASE = 1_000_000


async def fresh_postgres() -> str:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute("DROP DATABASE IF EXISTS clubbot_bench WITH (FORCE)")
        await conn.execute("CREATE DATABASE clubbot_bench")
    finally:
        await conn.close()
    return PG_BENCH


async def bulk(db: Database, table: Any, rows: Sequence[dict[str, object]]) -> None:
    """Insert many rows, CHUNK per statement and transaction."""
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(table), list(rows[start : start + CHUNK]))


async def seed_units(db: Database, now: datetime) -> None:
    """UNITS guidance units, "Unit 0" to "Unit 49": club i belongs to unit i % UNITS."""
    await bulk(
        db,
        GuidanceUnitRow,
        [
            {"name": f"Unit {u}", "name_key": f"unit {u}", "kind": "department", "created_at": now}
            for u in range(UNITS)
        ],
    )


async def seed_clubs(
    db: Database,
    n: int,
    now: datetime,
    last_meeting: Callable[[int], date],
    officers_of: Callable[[int], Sequence[int]],
    students: int | None = None,
) -> None:
    """`n` active clubs, club i's last general meeting on `last_meeting(i)`, its officers the
    students `officers_of(i)` (each bound to Telegram user USER_BASE + student), and an advisor
    for every two clubs whose term ends on a day spread over the coming year."""
    await migrate.upgrade(db)
    students = students or n
    await seed_units(db, now)
    await bulk(
        db,
        StudentRow,
        [
            {
                "student_id": f"B{s}",
                "name": f"Student {s}",
                "college": "Eng",
                "class_name": "C1",
                "status": "enrolled",
                "disciplinary": False,
                "rank_pct": 10,
                "political": "none",
                "updated_at": now,
            }
            for s in range(students)
        ],
    )
    await bulk(
        db,
        AccountRow,
        [
            {
                "user_id": USER_BASE + s,
                "language": "en",
                "language_chosen": False,
                "student_pk": s + 1,
                "bound_at": now,
                "created_at": now,
            }
            for s in range(students)
        ],
    )
    advisors = (n + 1) // 2
    await bulk(
        db,
        AdvisorRow,
        [
            {
                "staff_id": f"T{a}",
                "name": f"Teacher {a}",
                "department": "CS",
                "party_member": True,
                "updated_at": now,
            }
            for a in range(advisors)
        ],
    )
    await bulk(
        db,
        ClubRow,
        [
            {
                "name": f"Club {i}",
                "name_key": f"club {i}",
                "category": "academic",
                "guidance_unit": f"Unit {i % UNITS}",
                "unit_id": i % UNITS + 1,
                "founded": date(2015, 9, 1),
                "status": "active",
                "created_at": now,
            }
            for i in range(n)
        ],
    )
    await bulk(
        db,
        OfficerRow,
        [
            {
                "club_id": i + 1,
                "student_pk": s + 1,
                "position": "president" if k == 0 else "vice_president",
                "since": now,
                "until": None,
            }
            for i in range(n)
            for k, s in enumerate(officers_of(i))
        ],
    )
    today = now.date()
    await bulk(
        db,
        AppointmentRow,
        [
            {
                "club_id": i + 1,
                "advisor_pk": i // 2 + 1,
                "starts_on": add_months(today, -6),
                # Spread over the year, never within the next 31 days: nothing of it is due.
                "term_end": date.fromordinal(today.toordinal() + 40 + (i * 7919) % 320),
                "ended_at": None,
                "end_reason": None,
            }
            for i in range(n)
        ],
    )
    await bulk(
        db,
        GeneralMeetingRow,
        [
            {
                "club_id": i + 1,
                "held_on": last_meeting(i),
                "status": "confirmed",
                "recorded_by": None,
                "recorded_at": now,
                "decided_by": None,
                "decided_at": None,
            }
            for i in range(n)
        ],
    )
