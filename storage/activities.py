"""Activities (ACT-1 to ACT-12): the working-day calendar, proposals, decisions and sign-ups.

Plain values out, never rows. The invariants that concurrency could break are the database's:
one decision per level and version (a unique index, and state changes conditional on the state
and version read), one live sign-up per student, one sign-up per place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import col

from bot.domain.activities import DayKind, WorkCalendar
from storage.imports import Upserted
from storage.models import WorkDayRow
from storage.tx import Tx

# --- the working-day calendar --------------------------------------------------------------------


async def work_calendar(tx: Tx) -> WorkCalendar:
    """The staff-kept list of holidays and make-up working days (a few dozen rows a year)."""
    rows = await tx.session.execute(select(col(WorkDayRow.day), col(WorkDayRow.kind)))
    return WorkCalendar.of((day, DayKind(kind)) for day, kind in rows)


async def upsert_days(tx: Tx, now: datetime, wanted: Mapping[date, DayKind]) -> Upserted:
    """Days by date: a day listed again takes its new kind."""
    done = Upserted()
    stmt = select(WorkDayRow).where(col(WorkDayRow.day).in_(list(wanted)))
    existing = {row.day: row for row in await tx.session.scalars(stmt)}
    for day, kind in wanted.items():
        row = existing.get(day)
        if row is None:
            tx.session.add(WorkDayRow(day=day, kind=kind.value, imported_at=now))
            done.created += 1
        elif row.kind != kind.value:
            row.kind, row.imported_at = kind.value, now
            done.updated += 1
        else:
            done.unchanged += 1
    await tx.session.flush()
    return done
