"""What the annual review and the ledger read of the activity records (ACT-1 to ACT-12): a
club's approved activities of a year, and the facts the ACT rows of the ledger count, as
aggregates in a few statements whatever the number of clubs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlmodel import col

from bot.domain.activities import ActivityKind, ActivityState, DocumentKind
from bot.domain.activity_facts import AccountFact, ActivityData, ActivityFact, MoneyFact
from bot.domain.activity_rules import PROPOSED
from bot.domain.finance import LineCategory, LineKind
from storage import activities as activities_store
from storage.activity_reports import FILED
from storage.models import (
    ActivityCheckinRow,
    ActivityDecisionRow,
    ActivityDocumentRow,
    ActivityReportRow,
    ActivityRow,
    ActivitySpeakerRow,
    ClubAccountRow,
    ClubProfileRow,
    FinanceLineRow,
    FinanceStatementRow,
    OfficerRow,
)
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


# --- the ledger's facts (ACT-1 to ACT-12) --------------------------------------------------------

# Activities older than this are not the ledger's business any more (a year and a margin).
LEDGER_DAYS = 400


def _since(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=LEDGER_DAYS), time(), UTC)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


async def ledger_data(tx: Tx, today: date) -> ActivityData:
    """What the ACT rules read, in five statements whatever the number of clubs: activities
    past their draft (with whether a speaker comes from outside and when the current level was
    asked), live accounts (with when their officer left), money sums per club, the statements
    sent, the working-day calendar."""
    s = tx.session
    outside = (
        select(col(ActivitySpeakerRow.id))
        .where(col(ActivitySpeakerRow.activity_id) == col(ActivityRow.id))
        .where(col(ActivitySpeakerRow.outside).is_(True))
        .exists()
    )
    asked = (
        select(func.max(col(ActivityDecisionRow.decided_at)))
        .where(col(ActivityDecisionRow.activity_id) == col(ActivityRow.id))
        .where(col(ActivityDecisionRow.version) == col(ActivityRow.version))
        .scalar_subquery()
    )
    present = (
        select(func.count())
        .select_from(ActivityCheckinRow)
        .where(col(ActivityCheckinRow.activity_id) == col(ActivityRow.id))
        .scalar_subquery()
    )
    filed = (
        select(col(ActivityReportRow.id))
        .where(col(ActivityReportRow.activity_id) == col(ActivityRow.id))
        .where(col(ActivityReportRow.state) == FILED)
        .exists()
    )
    safety_plan, participants = (
        select(col(ActivityDocumentRow.activity_id))
        .where(col(ActivityDocumentRow.activity_id) == col(ActivityRow.id))
        .where(col(ActivityDocumentRow.kind) == kind.value)
        .exists()
        for kind in (DocumentKind.SAFETY_PLAN, DocumentKind.PARTICIPANTS)
    )
    stmt = (
        select(
            col(ActivityRow.id),
            col(ActivityRow.club_id),
            col(ActivityRow.title),
            col(ActivityRow.kind),
            col(ActivityRow.state),
            col(ActivityRow.expected),
            col(ActivityRow.submitted_at),
            asked,
            col(ActivityRow.starts_at),
            outside,
            col(ActivityRow.ends_at),
            present,
            filed,
            safety_plan,
            participants,
            col(ActivityRow.sponsor).is_not(None),
        )
        .where(col(ActivityRow.state).in_([state.value for state in PROPOSED]))
        .where(col(ActivityRow.kind).is_not(None))
        .where(col(ActivityRow.starts_at) >= _since(today))
        .order_by(col(ActivityRow.id))
    )
    activities = [
        ActivityFact(
            id=r[0] or 0,
            club_id=r[1],
            title=r[2] or "—",
            kind=ActivityKind(str(r[3])),
            state=ActivityState(r[4]),
            expected=r[5] or 0,
            submitted_on=_day(r[6]),
            waiting_since=_day(max((t for t in (r[6], r[7]) if t is not None), default=None)),
            starts_on=r[8].date(),
            outside_speaker=bool(r[9]),
            ends_on=_day(r[10]),
            checkins=int(r[11] or 0),
            report_filed=bool(r[12]),
            safety_plan=bool(r[13]),
            participant_list=bool(r[14]),
            sponsored=bool(r[15]),
        )
        for r in (await s.execute(stmt)).all()
        if r[8] is not None
    ]
    in_office = (
        select(col(OfficerRow.id))
        .where(col(OfficerRow.club_id) == col(ClubAccountRow.club_id))
        .where(col(OfficerRow.student_pk) == col(ClubAccountRow.responsible_pk))
        .where(col(OfficerRow.until).is_(None))
        .exists()
    )
    left = (
        select(func.max(col(OfficerRow.until)))
        .where(col(OfficerRow.club_id) == col(ClubAccountRow.club_id))
        .where(col(OfficerRow.student_pk) == col(ClubAccountRow.responsible_pk))
        .scalar_subquery()
    )
    accounts = [
        AccountFact(club_id, handle, opened_on, recorded_at.date(), None if held else _day(gone))
        for club_id, handle, opened_on, recorded_at, held, gone in (
            await s.execute(
                select(
                    col(ClubAccountRow.club_id),
                    col(ClubAccountRow.handle),
                    col(ClubAccountRow.opened_on),
                    col(ClubAccountRow.recorded_at),
                    in_office,
                    left,
                )
                .where(col(ClubAccountRow.removed_at).is_(None))
                .order_by(col(ClubAccountRow.id))
            )
        ).all()
    ]
    bare = (col(FinanceLineRow.kind) == LineKind.EXPENSE.value) & col(
        FinanceLineRow.voucher_sha256
    ).is_(None)
    sponsored = col(FinanceLineRow.category) == LineCategory.SPONSORSHIP.value
    dues = col(FinanceLineRow.category) == LineCategory.DUES.value
    chartered = (
        select(col(ClubProfileRow.club_id))
        .where(col(ClubProfileRow.club_id) == col(FinanceLineRow.club_id))
        .where(col(ClubProfileRow.dues) != "")
        .exists()
    )
    sums = select(
        col(FinanceLineRow.club_id),
        func.count(col(FinanceLineRow.id)),
        func.sum(case((bare, 1), else_=0)),
        func.min(case((bare, col(FinanceLineRow.on_date)))),
        func.sum(case((sponsored, 1), else_=0)),
        func.min(case((sponsored, col(FinanceLineRow.on_date)))),
        func.sum(case((dues, 1), else_=0)),
        func.min(case((dues, col(FinanceLineRow.on_date)))),
        chartered,
    ).group_by(col(FinanceLineRow.club_id))
    sent: dict[int, set[str]] = {}
    for club_id, semester in (
        await s.execute(
            select(col(FinanceStatementRow.club_id), col(FinanceStatementRow.semester))
        )
    ).all():
        sent.setdefault(club_id, set()).add(semester)
    money: dict[int, MoneyFact] = {
        club_id: MoneyFact(club_id, statements=frozenset(semesters))
        for club_id, semesters in sent.items()
    }
    for (
        club_id,
        lines,
        bare_n,
        first_bare,
        sponsor_n,
        first_sponsor,
        dues_n,
        first_dues,
        charter,
    ) in (await s.execute(sums)).all():
        money[club_id] = MoneyFact(
            club_id,
            lines,
            int(bare_n or 0),
            first_bare,
            int(sponsor_n or 0),
            first_sponsor,
            frozenset(sent.get(club_id, set())),
            int(dues_n or 0),
            first_dues,
            bool(charter),
        )
    return ActivityData(activities, accounts, money, await activities_store.work_calendar(tx))
