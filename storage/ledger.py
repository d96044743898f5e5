"""The live records the compliance ledger is computed from, read in one transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, literal_column, select
from sqlmodel import col

from bot.domain.compliance import (
    AdvisorFact,
    ClubFact,
    FoundingFact,
    OfficerFact,
    ReviewFact,
    Snapshot,
    StudentFact,
)
from bot.domain.values import (
    Category,
    ClubStatus,
    MeetingStatus,
    Political,
    ReviewResult,
    Role,
    StudentStatus,
)
from storage import people, reviews
from storage.models import (
    AdvisorDismissalRow,
    AdvisorEvaluationRow,
    AdvisorRow,
    ApplicationRow,
    AppointmentRow,
    CharterFileRow,
    ClubEventRow,
    ClubRow,
    DeadlineRow,
    GeneralMeetingRow,
    GuidanceUnitRow,
    MembershipRow,
    OfficerRow,
    ReregistrationRow,
    ReviewRow,
    ScreenedNameRow,
    SignatureRow,
    StudentRow,
)
from storage.tx import Tx


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


async def snapshot(tx: Tx, today: date) -> Snapshot:
    """Everything the ledger's rules look at, as plain values."""
    s = tx.session
    units = select(col(ClubRow.id), col(GuidanceUnitRow.kind)).join(
        GuidanceUnitRow, col(GuidanceUnitRow.id) == col(ClubRow.unit_id)
    )
    unit_kind: dict[int, str | None] = {
        int(cid): kind for cid, kind in (await s.execute(units)).all() if cid is not None
    }
    current = {
        cid: (adv, start, end)
        for cid, adv, start, end in (
            await s.execute(
                select(
                    col(AppointmentRow.club_id),
                    col(AppointmentRow.advisor_pk),
                    col(AppointmentRow.starts_on),
                    col(AppointmentRow.term_end),
                ).where(col(AppointmentRow.ended_at).is_(None))
            )
        ).all()
    }
    last_end = dict(
        (
            await s.execute(
                select(col(AppointmentRow.club_id), func.max(col(AppointmentRow.ended_at)))
                .where(col(AppointmentRow.ended_at).is_not(None))
                .group_by(col(AppointmentRow.club_id))
            )
        ).all()
    )
    meetings = dict(
        (
            await s.execute(
                select(col(GeneralMeetingRow.club_id), func.max(col(GeneralMeetingRow.held_on)))
                .where(col(GeneralMeetingRow.status) == MeetingStatus.CONFIRMED.value)
                .group_by(col(GeneralMeetingRow.club_id))
            )
        ).all()
    )
    events: dict[int, tuple[str, date]] = {}
    for cid, action, at in (
        await s.execute(
            select(
                col(ClubEventRow.club_id), col(ClubEventRow.action), col(ClubEventRow.at)
            ).order_by(col(ClubEventRow.at), col(ClubEventRow.id))
        )
    ).all():
        events[cid] = (action, at.date())
    clubs = [
        ClubFact(
            id=row.id,
            name=row.name,
            category=Category(row.category),
            status=ClubStatus(row.status),
            founded=row.founded,
            unit_kind=unit_kind.get(row.id),
            has_unit=row.unit_id is not None,
            advisor_pk=current[row.id][0] if row.id in current else None,
            advisor_since=current[row.id][1] if row.id in current else None,
            term_end=current[row.id][2] if row.id in current else None,
            advisor_ended=_day(last_end.get(row.id)),
            last_meeting=meetings.get(row.id),
            last_event=events.get(row.id, (None, None))[0],
            status_since=events.get(row.id, (None, None))[1],
        )
        for row in await s.scalars(select(ClubRow).order_by(col(ClubRow.name_key)))
        if row.id is not None
    ]
    students = {
        row.id: StudentFact(
            row.id, row.student_id, row.name, row.status, row.rank_pct, Political(row.political)
        )
        for row in await s.scalars(select(StudentRow))
        if row.id is not None
    }
    memberships = [
        (pk, cid, _day(joined))
        for pk, cid, joined in (
            await s.execute(
                select(
                    col(MembershipRow.student_pk),
                    col(MembershipRow.club_id),
                    col(MembershipRow.joined_at),
                ).where(col(MembershipRow.slot).is_not(None))
            )
        ).all()
    ]
    officers = [
        OfficerFact(cid, pk, position, since.date(), election_id)
        for cid, pk, position, since, election_id in (
            await s.execute(
                select(
                    col(OfficerRow.club_id),
                    col(OfficerRow.student_pk),
                    col(OfficerRow.position),
                    col(OfficerRow.since),
                    col(OfficerRow.election_id),
                ).where(col(OfficerRow.until).is_(None))
            )
        ).all()
    ]
    evaluations: dict[int, tuple[int, bool, date]] = {}
    for pk, year, passed, at in (
        await s.execute(
            select(
                col(AdvisorEvaluationRow.advisor_pk),
                col(AdvisorEvaluationRow.year),
                col(AdvisorEvaluationRow.passed),
                col(AdvisorEvaluationRow.at),
            ).order_by(col(AdvisorEvaluationRow.year))
        )
    ).all():
        evaluations[pk] = (year, passed, at.date())
    dismissed = set(await s.scalars(select(col(AdvisorDismissalRow.advisor_pk))))
    first = dict(
        (
            await s.execute(
                select(
                    col(AppointmentRow.advisor_pk), func.min(col(AppointmentRow.starts_on))
                ).group_by(col(AppointmentRow.advisor_pk))
            )
        ).all()
    )
    advisors = [
        AdvisorFact(
            id=row.id,
            staff_id=row.staff_id,
            name=row.name,
            party_member=row.party_member,
            evaluation=evaluations.get(row.id),
            dismissed=row.id in dismissed,
            first_appointed=first.get(row.id),
        )
        for row in await s.scalars(select(AdvisorRow).order_by(col(AdvisorRow.name)))
        if row.id is not None
    ]
    review_rows = [
        ReviewFact(r.club_id, r.year, ReviewResult(r.result), r.decided_on, r.recorded_by)
        for r in await s.scalars(select(ReviewRow))
    ]
    reregistered = {
        (cid, year)
        for cid, year in (
            await s.execute(
                select(col(ReregistrationRow.club_id), col(ReregistrationRow.academic_year))
            )
        ).all()
    }
    return Snapshot(
        today=today,
        clubs=clubs,
        students=students,
        memberships=memberships,
        officers=officers,
        advisors=advisors,
        reviews=review_rows,
        review_windows=await reviews.review_windows(tx),
        reregistration_windows=await reviews.reregistration_windows(tx),
        reregistered=reregistered,
        reviewers=frozenset(uid for uid, _ in await people.holders(tx, Role.REVIEWER)),
        foundings=await _foundings(tx),
        screened=tuple(
            (term, key)
            for term, key in (
                await s.execute(
                    select(col(ScreenedNameRow.term), col(ScreenedNameRow.term_key)).where(
                        col(ScreenedNameRow.retired_at).is_(None)
                    )
                )
            ).all()
        ),
    )


async def _foundings(tx: Tx) -> dict[int, FoundingFact]:
    """The applications clubs were founded through: signatures standing, charter on record.
    Signatures are frozen once an application is decided, so they are the sponsors it had."""
    signed = (
        select(col(SignatureRow.application_id), func.count().label("n"))
        .where(col(SignatureRow.withdrawn_at).is_(None))
        .group_by(col(SignatureRow.application_id))
        .subquery()
    )
    stmt = (
        select(
            col(ApplicationRow.club_id),
            col(ApplicationRow.id),
            func.coalesce(signed.c.n, literal_column("0")),
            col(ApplicationRow.charter_text).is_not(None)
            | col(CharterFileRow.sha256).is_not(None),
            col(ApplicationRow.updated_at),
        )
        .outerjoin(signed, signed.c.application_id == col(ApplicationRow.id))
        .outerjoin(CharterFileRow, col(CharterFileRow.application_id) == col(ApplicationRow.id))
        .where(col(ApplicationRow.club_id).is_not(None))
    )
    return {
        int(club_id): FoundingFact(int(club_id), int(app_id), int(n), bool(charter), at.date())
        for club_id, app_id, n, charter, at in (await tx.session.execute(stmt)).all()
    }


async def membership_spread(tx: Tx) -> dict[int, int]:
    """How many enrolled students hold 0, 1, 2 … active memberships."""
    held = (
        select(col(MembershipRow.student_pk), func.count().label("n"))
        .where(col(MembershipRow.slot).is_not(None))
        .group_by(col(MembershipRow.student_pk))
        .subquery()
    )
    # One literal, not two bind parameters: PostgreSQL must see the same expression twice.
    n = func.coalesce(held.c.n, literal_column("0"))
    stmt = (
        select(n, func.count())
        .select_from(StudentRow)
        .outerjoin(held, held.c.student_pk == col(StudentRow.id))
        .where(col(StudentRow.status) == StudentStatus.ENROLLED.value)
        .group_by(n)
    )
    return {int(n): int(count) for n, count in (await tx.session.execute(stmt)).all()}


async def deadline_outcomes(
    tx: Tx, first_day: date, last_day: date
) -> list[tuple[date, datetime | None]]:
    """Deadlines due in these days: (due on, when closed or None while open)."""
    stmt = (
        select(col(DeadlineRow.due_on), col(DeadlineRow.closed_at))
        .where(col(DeadlineRow.due_on) >= first_day)
        .where(col(DeadlineRow.due_on) <= last_day)
    )
    return [(due, closed) for due, closed in (await tx.session.execute(stmt)).all()]
