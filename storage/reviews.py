"""Annual reviews (REG-5), the windows staff set for them, and re-registration (ORG-2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import col

from bot.deadlines import Window
from bot.domain import ReviewResult
from storage.models import (
    ReregistrationRow,
    ReregistrationWindowRow,
    ReviewRow,
    ReviewWindowRow,
)
from storage.tx import Tx


async def record_result(
    tx: Tx,
    club_id: int,
    year: int,
    result: ReviewResult,
    decided_on: date,
    now: datetime,
    recorded_by: int | None,
) -> bool:
    """Record (or correct) a club's review result for a year; True when it is new."""
    stmt = select(ReviewRow).where(col(ReviewRow.club_id) == club_id, col(ReviewRow.year) == year)
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        tx.session.add(
            ReviewRow(
                club_id=club_id,
                year=year,
                result=result.value,
                decided_on=decided_on,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
        await tx.session.flush()
        return True
    row.result, row.decided_on = result.value, decided_on
    row.recorded_by, row.recorded_at = recorded_by, now
    return False


async def has_result(tx: Tx, club_id: int, year: int) -> bool:
    stmt = select(col(ReviewRow.id)).where(
        col(ReviewRow.club_id) == club_id, col(ReviewRow.year) == year
    )
    return (await tx.session.scalars(stmt)).first() is not None


async def set_review_window(
    tx: Tx, year: int, opens_on: date, closes_on: date, now: datetime
) -> None:
    row = await tx.session.get(ReviewWindowRow, year)
    if row is None:
        tx.session.add(
            ReviewWindowRow(year=year, opens_on=opens_on, closes_on=closes_on, set_at=now)
        )
    else:
        row.opens_on, row.closes_on, row.set_at = opens_on, closes_on, now
    await tx.session.flush()


async def set_reregistration_window(
    tx: Tx, academic_year: int, opens_on: date, closes_on: date, now: datetime
) -> None:
    row = await tx.session.get(ReregistrationWindowRow, academic_year)
    if row is None:
        tx.session.add(
            ReregistrationWindowRow(
                academic_year=academic_year, opens_on=opens_on, closes_on=closes_on, set_at=now
            )
        )
    else:
        row.opens_on, row.closes_on, row.set_at = opens_on, closes_on, now
    await tx.session.flush()


async def review_windows(tx: Tx) -> list[Window]:
    """Every review window, by year."""
    stmt = select(ReviewWindowRow).order_by(col(ReviewWindowRow.year))
    return [Window(r.year, r.opens_on, r.closes_on) for r in await tx.session.scalars(stmt)]


async def reregistration_windows(tx: Tx) -> list[Window]:
    """Every re-registration window, by academic year."""
    stmt = select(ReregistrationWindowRow).order_by(col(ReregistrationWindowRow.academic_year))
    return [
        Window(r.academic_year, r.opens_on, r.closes_on) for r in await tx.session.scalars(stmt)
    ]


async def reregister(
    tx: Tx, club_id: int, academic_year: int, now: datetime, recorded_by: int | None
) -> bool:
    """Record that the club's members re-registered for the year; False if already recorded."""
    stmt = (
        tx.insert(ReregistrationRow)
        .values(
            club_id=club_id, academic_year=academic_year, recorded_by=recorded_by, recorded_at=now
        )
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
