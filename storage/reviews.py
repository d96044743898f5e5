"""Annual reviews (REG-5), the windows staff set for them, and re-registration (ORG-2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from bot.domain.deadlines import Window
from bot.domain.values import ReviewResult
from storage.models import (
    ReregistrationRow,
    ReregistrationWindowRow,
    ReviewAppealRow,
    ReviewRow,
    ReviewSubmissionRow,
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
    comment: str | None = None,
) -> Result | None:
    """Record (or correct) a club's review result for a year; the result it replaced, if any."""
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
                comment=comment,
            )
        )
        await tx.session.flush()
        return None
    replaced = _result(row)
    row.result, row.decided_on = result.value, decided_on
    row.recorded_by, row.recorded_at, row.comment = recorded_by, now, comment
    return replaced


async def has_result(tx: Tx, club_id: int, year: int) -> bool:
    stmt = select(col(ReviewRow.id)).where(
        col(ReviewRow.club_id) == club_id, col(ReviewRow.year) == year
    )
    return (await tx.session.scalars(stmt)).first() is not None


async def years_with_result(tx: Tx, club_ids: list[int]) -> set[tuple[int, int]]:
    """(club id, year) of every review result these clubs have."""
    found: set[tuple[int, int]] = set()
    for i in range(0, len(club_ids), 500):
        stmt = select(col(ReviewRow.club_id), col(ReviewRow.year)).where(
            col(ReviewRow.club_id).in_(club_ids[i : i + 500])
        )
        found.update((club_id, year) for club_id, year in (await tx.session.execute(stmt)).all())
    return found


async def add_results(
    tx: Tx, results: list[tuple[int, ReviewResult, date]], now: datetime
) -> None:
    """Insert results nobody recorded in the chat (club id, result, decided on; a file's), each
    for the year it was decided in, which has none yet."""
    if not results:
        return
    values = [
        {
            "club_id": club_id,
            "year": decided_on.year,
            "result": result.value,
            "decided_on": decided_on,
            "recorded_by": None,
            "recorded_at": now,
            "comment": None,
        }
        for club_id, result, decided_on in results
    ]
    # One `executemany`: the session's flush would insert them one by one to learn their ids.
    await tx.session.execute(insert(ReviewRow).execution_options(render_nulls=True), values)


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


# --- the annual review round and appeals ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    year: int
    result: ReviewResult
    decided_on: date
    comment: str | None


@dataclass(frozen=True, slots=True)
class Submission:
    club_id: int
    year: int
    activities: str
    member_count: int
    finances: str
    advisor_comment: str
    submitted_at: datetime


async def latest_result(tx: Tx, club_id: int) -> Result | None:
    stmt = (
        select(ReviewRow)
        .where(col(ReviewRow.club_id) == club_id)
        .order_by(col(ReviewRow.year).desc())
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _result(row)


async def latest_results_by_club(tx: Tx) -> dict[int, Result]:
    """Every club's latest review result, by club id: one statement for all clubs."""
    stmt = select(ReviewRow).order_by(col(ReviewRow.club_id), col(ReviewRow.year).desc())
    found: dict[int, Result] = {}
    for row in await tx.session.scalars(stmt):
        found.setdefault(row.club_id, _result(row))
    return found


def _result(row: ReviewRow) -> Result:
    return Result(row.year, ReviewResult(row.result), row.decided_on, row.comment)


async def open_round(tx: Tx, today: date) -> Window | None:
    """The latest review window open today, if any."""
    stmt = (
        select(ReviewWindowRow)
        .where(col(ReviewWindowRow.opens_on) <= today)
        .where(col(ReviewWindowRow.closes_on) >= today)
        .order_by(col(ReviewWindowRow.year).desc())
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else Window(row.year, row.opens_on, row.closes_on)


async def submit(
    tx: Tx,
    club_id: int,
    year: int,
    activities: str,
    member_count: int,
    finances: str,
    advisor_comment: str,
    by: int,
    now: datetime,
) -> bool:
    """Store the club's review form for the year (replacing an earlier one); True when new."""
    stmt = select(ReviewSubmissionRow).where(
        col(ReviewSubmissionRow.club_id) == club_id, col(ReviewSubmissionRow.year) == year
    )
    row = (await tx.session.scalars(stmt)).first()
    values: dict[str, Any] = {
        "activities": activities,
        "member_count": member_count,
        "finances": finances,
        "advisor_comment": advisor_comment,
        "submitted_by": by,
        "submitted_at": now,
    }
    if row is None:
        tx.session.add(ReviewSubmissionRow(club_id=club_id, year=year, **values))
        await tx.session.flush()
        return True
    for name, value in values.items():
        setattr(row, name, value)
    return False


async def submission(tx: Tx, club_id: int, year: int) -> Submission | None:
    stmt = select(ReviewSubmissionRow).where(
        col(ReviewSubmissionRow.club_id) == club_id, col(ReviewSubmissionRow.year) == year
    )
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        return None
    return Submission(
        row.club_id,
        row.year,
        row.activities,
        row.member_count,
        row.finances,
        row.advisor_comment,
        row.submitted_at,
    )


async def awaiting_verdict(tx: Tx, year: int) -> list[int]:
    """Clubs that submitted the year's form and have no result, or appealed a failed one."""
    decided = select(col(ReviewRow.club_id)).where(col(ReviewRow.year) == year)
    submitted = select(col(ReviewSubmissionRow.club_id)).where(
        col(ReviewSubmissionRow.year) == year, col(ReviewSubmissionRow.club_id).not_in(decided)
    )
    appealed = (
        select(col(ReviewAppealRow.club_id))
        .join(
            ReviewRow,
            (col(ReviewRow.club_id) == col(ReviewAppealRow.club_id))
            & (col(ReviewRow.year) == col(ReviewAppealRow.year)),
        )
        .where(col(ReviewAppealRow.year) == year)
        .where(col(ReviewRow.result) == ReviewResult.FAIL.value)
        .where(col(ReviewAppealRow.at) > col(ReviewRow.recorded_at))
    )
    ids = set(await tx.session.scalars(submitted)) | set(await tx.session.scalars(appealed))
    return sorted(ids)


async def latest_appeal(tx: Tx, club_id: int, year: int) -> str | None:
    """The text of the club's latest appeal of the year's review, if it appealed."""
    stmt = (
        select(col(ReviewAppealRow.text))
        .where(col(ReviewAppealRow.club_id) == club_id, col(ReviewAppealRow.year) == year)
        .order_by(col(ReviewAppealRow.at).desc())
        .limit(1)
    )
    found: str | None = (await tx.session.scalars(stmt)).first()
    return found


async def appeal(tx: Tx, club_id: int, year: int, text: str, by: int, now: datetime) -> None:
    tx.session.add(ReviewAppealRow(club_id=club_id, year=year, text=text, by=by, at=now))
    await tx.session.flush()
