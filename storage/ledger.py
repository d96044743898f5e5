"""The live records the compliance ledger is computed from, read in one transaction."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlmodel import col

from bot.domain.compliance import (
    AdvisorFact,
    ClubFact,
    FoundingFact,
    Memberships,
    OfficerFact,
    ReviewFact,
    Snapshot,
    StudentFact,
)
from bot.domain.policy import Policy
from bot.domain.values import (
    Category,
    ClubStatus,
    MeetingStatus,
    Political,
    ReviewResult,
    Role,
    StudentStatus,
)
from storage import activity_facts, people, reviews
from storage import unions as unions_store
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

CHUNK = 500  # ids per IN list


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


async def _rows(tx: Tx, stmt: Select[*tuple[Any, ...]]) -> list[Any]:
    """A select's rows as tuples (typed loosely: primary keys are never NULL here)."""
    return list((await tx.session.execute(stmt)).all())


async def snapshot(tx: Tx, today: date, policy: Policy | None = None) -> Snapshot:
    """Everything the ledger's rules look at, as plain values: per club and per advisor, and
    aggregates of the students and memberships (the few students a rule names, not all of them).

    With `policy`, ORG-2 learns only of the students above its limit; without, of every member
    (right for any policy, and slower on a large university)."""
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
    club_columns = select(
        col(ClubRow.id),
        col(ClubRow.name),
        col(ClubRow.category),
        col(ClubRow.status),
        col(ClubRow.founded),
        col(ClubRow.unit_id),
    ).order_by(col(ClubRow.name_key))
    clubs = [
        ClubFact(
            id=cid,
            name=name,
            category=Category(category),
            status=ClubStatus(status),
            founded=founded,
            unit_kind=unit_kind.get(cid),
            has_unit=unit_id is not None,
            advisor_pk=current[cid][0] if cid in current else None,
            advisor_since=current[cid][1] if cid in current else None,
            term_end=current[cid][2] if cid in current else None,
            advisor_ended=_day(last_end.get(cid)),
            last_meeting=meetings.get(cid),
            last_event=events.get(cid, (None, None))[0],
            status_since=events.get(cid, (None, None))[1],
        )
        for cid, name, category, status, founded, unit_id in await _rows(tx, club_columns)
    ]
    held_over = 0 if policy is None else policy.max_clubs_per_student
    memberships, students = await _memberships(tx, held_over)
    officers: list[OfficerFact] = []
    for cid, pk, position, since, election_id, *student in await _rows(tx, _OFFICERS):
        officers.append(OfficerFact(cid, pk, position, since.date(), election_id))
        students[pk] = _student(student)
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
    advisor_columns = select(
        col(AdvisorRow.id),
        col(AdvisorRow.staff_id),
        col(AdvisorRow.name),
        col(AdvisorRow.party_member),
    ).order_by(col(AdvisorRow.name))
    advisors = [
        AdvisorFact(
            id=pk,
            staff_id=staff_id,
            name=name,
            party_member=party_member,
            evaluation=evaluations.get(pk),
            dismissed=pk in dismissed,
            first_appointed=first.get(pk),
        )
        for pk, staff_id, name, party_member in await _rows(tx, advisor_columns)
    ]
    review_columns = select(
        col(ReviewRow.club_id),
        col(ReviewRow.year),
        col(ReviewRow.result),
        col(ReviewRow.decided_on),
        col(ReviewRow.recorded_by),
    )
    review_rows = [
        ReviewFact(cid, year, ReviewResult(result), decided_on, recorded_by)
        for cid, year, result, decided_on, recorded_by in await _rows(tx, review_columns)
    ]
    reregistered = {
        (cid, year)
        for cid, year in (
            await s.execute(
                select(col(ReregistrationRow.club_id), col(ReregistrationRow.academic_year))
            )
        ).all()
    }
    unions = await unions_store.union_data(tx)
    # Union post holders are named by SU-5 and the findings about them.
    students |= await _students(tx, {p.student_pk for p in unions.posts} - students.keys())
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
        unions=unions,
        activities=await activity_facts.ledger_data(tx, today),
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


_STUDENT = (
    col(StudentRow.id),
    col(StudentRow.student_id),
    col(StudentRow.name),
    col(StudentRow.status),
    col(StudentRow.rank_pct),
    col(StudentRow.political),
)
_ACTIVE = col(MembershipRow.slot).is_not(None)
# Current officers with the facts of the students in office (ORG-5, ORG-6, ORG-7).
_OFFICERS = (
    select(
        col(OfficerRow.club_id),
        col(OfficerRow.student_pk),
        col(OfficerRow.position),
        col(OfficerRow.since),
        col(OfficerRow.election_id),
        *_STUDENT,
    )
    .join(StudentRow, col(StudentRow.id) == col(OfficerRow.student_pk))
    .where(col(OfficerRow.until).is_(None))
)


def _student(row: Sequence[Any]) -> StudentFact:
    pk, sid, name, status, rank, political = row
    return StudentFact(pk, sid, name, status, rank, Political(political))


async def _memberships(tx: Tx, held_over: int) -> tuple[Memberships, dict[int, StudentFact]]:
    """The active memberships in three aggregates: per club and political status (with the
    latest join), how many students hold one, and the members who are not enrolled or hold
    more than `held_over`, with their facts."""
    per_club = (
        select(
            col(MembershipRow.club_id),
            col(StudentRow.political),
            func.count(),
            func.max(col(MembershipRow.joined_at)),
        )
        .join(StudentRow, col(StudentRow.id) == col(MembershipRow.student_pk))
        .where(_ACTIVE)
        .group_by(col(MembershipRow.club_id), col(StudentRow.political))
    )
    by_club: dict[int, Counter[Political]] = defaultdict(Counter)
    latest: dict[int, date] = {}
    for cid, political, n, joined in await _rows(tx, per_club):
        by_club[cid][Political(political)] += n
        if joined is not None and (cid not in latest or joined.date() > latest[cid]):
            latest[cid] = joined.date()
    held = (
        select(col(MembershipRow.student_pk), func.count().label("n"))
        .where(_ACTIVE)
        .group_by(col(MembershipRow.student_pk))
        .subquery()
    )
    members = (await tx.session.execute(select(func.count()).select_from(held))).scalar_one()
    named = (
        select(*_STUDENT, held.c.n)
        .join(held, held.c.student_pk == col(StudentRow.id))
        .where((held.c.n > held_over) | (col(StudentRow.status) != StudentStatus.ENROLLED.value))
    )
    students: dict[int, StudentFact] = {}
    counts: dict[int, int] = {}
    for *student, n in await _rows(tx, named):
        fact = _student(student)
        students[fact.id], counts[fact.id] = fact, int(n)
    return Memberships(int(members), dict(by_club), latest, counts, held_over), students


async def _students(tx: Tx, pks: set[int]) -> dict[int, StudentFact]:
    """These students' facts, a chunk of ids per statement."""
    found: dict[int, StudentFact] = {}
    ordered = sorted(pks)
    for i in range(0, len(ordered), CHUNK):
        stmt = select(*_STUDENT).where(col(StudentRow.id).in_(ordered[i : i + CHUNK]))
        found |= {row[0]: _student(row) for row in await _rows(tx, stmt)}
    return found


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
