"""ACT-10: activity reports (a draft while written, filed once) and their photos, and the
per-activity attendance figures the ledger rows ACT-2 and ACT-10 are computed from.

Plain values out, never rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from bot.domain.activities import ActivityState
from storage.models import (
    ActivityCheckinRow,
    ActivityReportPhotoRow,
    ActivityReportRow,
    ActivityRow,
    table_of,
)
from storage.tx import Tx

DRAFT = "draft"
FILED = "filed"

_a = table_of(ActivityRow)
_r = table_of(ActivityReportRow)
_photo = table_of(ActivityReportPhotoRow)
_ci = table_of(ActivityCheckinRow)


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    activity_id: int
    state: str
    summary: str | None
    spending: int | None  # fen
    participants: int | None
    photos: int
    filed_at: datetime | None


async def report_of(tx: Tx, activity_id: int) -> Report | None:
    """The activity's report, draft or filed, with its number of photos (one statement)."""
    photos = (
        select(func.count())
        .select_from(_photo)
        .where(_photo.c.report_id == _r.c.id)
        .scalar_subquery()
    )
    stmt = select(*_r.c, photos.label("photos")).where(_r.c.activity_id == activity_id)
    row = (await tx.session.execute(stmt)).first()
    if row is None:
        return None
    return Report(
        row.id,
        row.activity_id,
        row.state,
        row.summary,
        row.spending,
        row.participants,
        int(row.photos),
        row.filed_at,
    )


async def draft(tx: Tx, activity_id: int, now: datetime) -> Report:
    """The activity's report, a new draft if it has none (of two made at once, one stays)."""
    await tx.session.execute(
        tx.insert(ActivityReportRow)
        .values(activity_id=activity_id, state=DRAFT, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )
    found = await report_of(tx, activity_id)
    assert found is not None
    return found


async def change(tx: Tx, report_id: int, now: datetime, **values: object) -> bool:
    """Set answers of a draft; False if it was filed meanwhile."""
    stmt = (
        update(_r)
        .where(_r.c.id == report_id, _r.c.state == DRAFT)
        .values(updated_at=now, **values)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def add_photo(tx: Tx, report_id: int, file_id: str, sha256: str, size: int) -> None:
    await tx.session.execute(
        insert(_photo).values(report_id=report_id, file_id=file_id, sha256=sha256, size=size)
    )


async def file(tx: Tx, report_id: int, participants: int, by: int, now: datetime) -> bool:
    """File the draft with the participants counted now; False if it was filed already."""
    return await change(
        tx,
        report_id,
        now,
        state=FILED,
        participants=participants,
        filed_at=now,
        filed_by=by,
    )


async def unfiled_of_clubs(
    tx: Tx, club_ids: Iterable[int], ended_by: datetime | None = None
) -> list[tuple[int, int, datetime]]:
    """(club id, activity id, end) of the approved activities of these clubs whose report is
    not filed, earliest end first; only those ended by `ended_by` when given (one statement)."""
    ids = sorted(set(club_ids))
    if not ids:
        return []
    filed = select(_r.c.activity_id).where(_r.c.state == FILED)
    stmt = (
        select(_a.c.club_id, _a.c.id, _a.c.ends_at)
        .where(
            _a.c.club_id.in_(ids),
            _a.c.state == ActivityState.APPROVED.value,
            _a.c.ends_at.is_not(None),
            _a.c.id.not_in(filed),
        )
        .order_by(_a.c.ends_at, _a.c.id)
    )
    if ended_by is not None:
        stmt = stmt.where(_a.c.ends_at <= ended_by)
    return [(r.club_id, r.id, r.ends_at) for r in await tx.session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class Attendance:
    """One approved activity as ACT-2 and ACT-10 count it."""

    activity_id: int
    club_id: int
    starts_at: datetime
    ends_at: datetime
    checkins: int
    report_filed: bool
    report_overdue: bool  # not filed, and its deadline (`report_due`) has passed


async def attendance(
    tx: Tx,
    now: datetime,
    report_days: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Attendance]:
    """Every approved activity (starting in [since, until) when given) with its check-in
    count and whether its report is filed, or overdue `report_days` days after its end; in
    one statement, whatever the number of activities. The ledger rows ACT-2 (activities with
    at least P participants) and ACT-10 (reports overdue) are built on it."""
    counts = (
        select(_ci.c.activity_id, func.count().label("n"))
        .group_by(_ci.c.activity_id)
        .subquery("counts")
    )
    stmt = (
        select(
            _a.c.id,
            _a.c.club_id,
            _a.c.starts_at,
            _a.c.ends_at,
            func.coalesce(counts.c.n, 0).label("checkins"),
            _r.c.state.label("report"),
        )
        .outerjoin(counts, counts.c.activity_id == _a.c.id)
        .outerjoin(_r, _r.c.activity_id == _a.c.id)
        .where(_a.c.state == ActivityState.APPROVED.value, _a.c.ends_at.is_not(None))
        .order_by(_a.c.starts_at, _a.c.id)
    )
    if since is not None:
        stmt = stmt.where(_a.c.starts_at >= since)
    if until is not None:
        stmt = stmt.where(_a.c.starts_at < until)
    found = []
    for row in await tx.session.execute(stmt):
        filed = row.report == FILED
        due = row.ends_at + timedelta(days=report_days)
        found.append(
            Attendance(
                row.id,
                row.club_id,
                row.starts_at,
                row.ends_at,
                int(row.checkins),
                filed,
                not filed and now > due,
            )
        )
    return found
