"""What waits for one person's decision (/todo): one statement per kind of to-do, whatever the
number of rows, each returning plain values that carry what the to-do's message shows.

Who decides what is the services' rule (bot/services/todo.py passes the states and the
person); here it is only read, in the same terms the services check it when the button is
pressed (the current appointment, the unit's representatives, the election's phase).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.domain.elections import CandidateStatus, Phase
from bot.domain.values import MeetingStatus
from storage.models import (
    ApplicationRow,
    AppointmentRow,
    CandidateRow,
    ClubRow,
    ElectionPositionRow,
    ElectionRow,
    GeneralMeetingRow,
    GuidanceUnitRow,
    ObjectionRow,
    SignatureRow,
    StudentRow,
    UnitRepRow,
)
from storage.tx import Tx

# Rows of one kind shown at most: /todo says how many more there are.
LIMIT = 50


@dataclass(frozen=True, slots=True)
class WaitingApplication:
    """An application waiting for a decision, with what its request message shows."""

    id: int
    state: str
    name: str
    category: str | None
    purpose: str | None
    unit: str | None
    sponsor: str | None
    outcome: str | None
    founders: int  # founding members (ORG-3), for a founding meeting to confirm


@dataclass(frozen=True, slots=True)
class WaitingNomination:
    """A nomination the nominee has not answered yet."""

    candidate_id: int
    election_id: int
    club: str
    position: str
    by: str


@dataclass(frozen=True, slots=True)
class WaitingElection:
    """An election whose candidate list or result waits for this person."""

    id: int
    club: str


@dataclass(frozen=True, slots=True)
class ListedCandidate:
    """A candidate on a list waiting for review."""

    candidate_id: int
    election_id: int
    position: str
    name: str
    student_id: str


@dataclass(frozen=True, slots=True)
class WaitingMeeting:
    """A general meeting the officers recorded, waiting for confirmation."""

    id: int
    club: str
    held_on: date


@dataclass(frozen=True, slots=True)
class WaitingObjection:
    """A member's objection to an election that nobody has answered yet."""

    id: int
    election_id: int
    club: str
    phase: str
    name: str
    student_id: str
    text: str


def _applications() -> Any:
    sponsor = aliased(StudentRow)
    founders = (
        select(func.count())
        .select_from(SignatureRow)
        .where(
            col(SignatureRow.application_id) == col(ApplicationRow.id),
            col(SignatureRow.withdrawn_at).is_(None),
            col(SignatureRow.founder).is_(True),
        )
        .scalar_subquery()
    )
    return (
        select(
            col(ApplicationRow.id),
            col(ApplicationRow.state),
            col(ApplicationRow.name),
            col(ApplicationRow.category),
            col(ApplicationRow.purpose),
            col(GuidanceUnitRow.name).label("unit"),
            col(sponsor.name).label("sponsor"),
            col(ApplicationRow.outcome),
            founders.label("founders"),
        )
        .outerjoin(GuidanceUnitRow, col(GuidanceUnitRow.id) == col(ApplicationRow.unit_id))
        .outerjoin(sponsor, col(sponsor.id) == col(ApplicationRow.sponsor_pk))
        .order_by(col(ApplicationRow.id))
        .limit(LIMIT)
    )


async def _rows(tx: Tx, stmt: Any) -> list[Any]:
    return list((await tx.session.execute(stmt)).all())


async def _waiting(tx: Tx, stmt: Any) -> list[WaitingApplication]:
    return [WaitingApplication(*row) for row in await _rows(tx, stmt)]


async def advisor_applications(
    tx: Tx, advisor_pk: int, asking: str, confirming: str
) -> list[WaitingApplication]:
    """The applications naming this advisor that wait for them: not accepted yet while in
    `asking`, or a founding meeting to confirm in `confirming`."""
    stmt = _applications().where(
        col(ApplicationRow.advisor_pk) == advisor_pk,
        or_(
            and_(
                col(ApplicationRow.state) == asking,
                col(ApplicationRow.advisor_accepted).is_(False),
            ),
            col(ApplicationRow.state) == confirming,
        ),
    )
    return await _waiting(tx, stmt)


async def unit_applications(tx: Tx, user_id: int, state: str) -> list[WaitingApplication]:
    """The applications in `state` whose guidance unit this user represents."""
    stmt = (
        _applications()
        .join(UnitRepRow, col(UnitRepRow.unit_id) == col(ApplicationRow.unit_id))
        .where(col(UnitRepRow.user_id) == user_id, col(ApplicationRow.state) == state)
    )
    return await _waiting(tx, stmt)


async def applications_in(tx: Tx, state: str) -> list[WaitingApplication]:
    """Every application in `state` (the review committee's)."""
    return await _waiting(tx, _applications().where(col(ApplicationRow.state) == state))


async def nominations(tx: Tx, student_pk: int) -> list[WaitingNomination]:
    """The nominations of this student still to accept or decline, while nominations run."""
    nominator = aliased(StudentRow)
    stmt = (
        select(
            col(CandidateRow.id),
            col(CandidateRow.election_id),
            col(ClubRow.name),
            col(ApplicationRow.name),
            col(ElectionPositionRow.title),
            col(nominator.name),
        )
        .join(ElectionRow, col(ElectionRow.id) == col(CandidateRow.election_id))
        .join(ElectionPositionRow, col(ElectionPositionRow.id) == col(CandidateRow.position_id))
        .join(nominator, col(nominator.id) == col(CandidateRow.nominated_by))
        .outerjoin(ClubRow, col(ClubRow.id) == col(ElectionRow.club_id))
        .outerjoin(ApplicationRow, col(ApplicationRow.id) == col(ElectionRow.application_id))
        .where(
            col(CandidateRow.student_pk) == student_pk,
            col(CandidateRow.status) == CandidateStatus.NOMINATED.value,
            col(ElectionRow.phase) == Phase.NOMINATION.value,
        )
        .order_by(col(CandidateRow.id))
        .limit(LIMIT)
    )
    return [
        WaitingNomination(cid, eid, club or founding or "?", title, by)
        for cid, eid, club, founding, title, by in await _rows(tx, stmt)
    ]


def _advised_clubs(advisor_pk: int | None) -> Any:
    """The clubs this advisor advises now (their current appointments)."""
    return select(col(AppointmentRow.club_id)).where(
        col(AppointmentRow.advisor_pk) == advisor_pk, col(AppointmentRow.ended_at).is_(None)
    )


def _represented_units(user_id: int) -> Any:
    return select(col(UnitRepRow.unit_id)).where(col(UnitRepRow.user_id) == user_id)


def _without_advisor() -> Any:
    """The election's club has no current advisor (staff stand in)."""
    current = select(col(AppointmentRow.club_id)).where(col(AppointmentRow.ended_at).is_(None))
    return col(ElectionRow.club_id).not_in(current)


def _without_rep() -> Any:
    """The election's club's unit has no representative (staff stand in)."""
    represented = select(col(UnitRepRow.unit_id))
    return or_(col(ClubRow.unit_id).is_(None), col(ClubRow.unit_id).not_in(represented))


async def lists_to_review(tx: Tx, advisor_pk: int | None, staff: bool) -> list[WaitingElection]:
    """Elections whose candidate list waits for review: of a club this advisor advises, a
    founding meeting of an application naming them, or (staff) a club without an advisor."""
    mine: list[Any] = []
    if advisor_pk is not None:
        mine.append(col(ElectionRow.club_id).in_(_advised_clubs(advisor_pk)))
        mine.append(
            and_(
                col(ElectionRow.club_id).is_(None),
                col(ApplicationRow.advisor_pk) == advisor_pk,
            )
        )
    if staff:
        mine.append(and_(col(ElectionRow.club_id).is_not(None), _without_advisor()))
    if not mine:
        return []
    stmt = (
        select(col(ElectionRow.id), col(ClubRow.name), col(ApplicationRow.name))
        .outerjoin(ClubRow, col(ClubRow.id) == col(ElectionRow.club_id))
        .outerjoin(ApplicationRow, col(ApplicationRow.id) == col(ElectionRow.application_id))
        .where(col(ElectionRow.phase) == Phase.REVIEW.value, or_(*mine))
        .order_by(col(ElectionRow.id))
        .limit(LIMIT)
    )
    return [
        WaitingElection(eid, club or founding or "?")
        for eid, club, founding in await _rows(tx, stmt)
    ]


async def listed_candidates(tx: Tx, election_ids: list[int]) -> list[ListedCandidate]:
    """The accepted candidates of these elections (the lists to review), in one statement."""
    if not election_ids:
        return []
    stmt = (
        select(
            col(CandidateRow.id),
            col(CandidateRow.election_id),
            col(ElectionPositionRow.title),
            col(StudentRow.name),
            col(StudentRow.student_id),
        )
        .join(ElectionPositionRow, col(ElectionPositionRow.id) == col(CandidateRow.position_id))
        .join(StudentRow, col(StudentRow.id) == col(CandidateRow.student_pk))
        .where(
            col(CandidateRow.election_id).in_(election_ids),
            col(CandidateRow.status) == CandidateStatus.ACCEPTED.value,
        )
        .order_by(
            col(CandidateRow.election_id), col(ElectionPositionRow.ord), col(CandidateRow.id)
        )
    )
    return [ListedCandidate(*row) for row in await _rows(tx, stmt)]


async def results_to_approve(
    tx: Tx, advisor_pk: int | None, user_id: int, staff: bool
) -> list[WaitingElection]:
    """Elections whose result waits for this person's approval: as the club's advisor, as a
    representative of its unit, or (staff) standing in for a club without either."""
    advisor_waits = col(ElectionRow.advisor_ok_by).is_(None)
    unit_waits = col(ElectionRow.unit_ok_by).is_(None)
    mine: list[Any] = [
        and_(unit_waits, col(ClubRow.unit_id).in_(_represented_units(user_id))),
    ]
    if advisor_pk is not None:
        mine.append(and_(advisor_waits, col(ElectionRow.club_id).in_(_advised_clubs(advisor_pk))))
    if staff:
        mine.append(and_(advisor_waits, _without_advisor()))
        mine.append(and_(unit_waits, _without_rep()))
    stmt = (
        select(col(ElectionRow.id), col(ClubRow.name))
        .join(ClubRow, col(ClubRow.id) == col(ElectionRow.club_id))
        .where(col(ElectionRow.phase) == Phase.APPROVAL.value, or_(false(), *mine))
        .order_by(col(ElectionRow.id))
        .limit(LIMIT)
    )
    return [WaitingElection(*row) for row in await _rows(tx, stmt)]


async def meetings_to_confirm(
    tx: Tx, advisor_pk: int | None, user_id: int
) -> list[WaitingMeeting]:
    """General meetings recorded by officers and not yet confirmed, of the clubs this person
    advises or whose unit they represent."""
    mine: list[Any] = [col(ClubRow.unit_id).in_(_represented_units(user_id))]
    if advisor_pk is not None:
        mine.append(col(ClubRow.id).in_(_advised_clubs(advisor_pk)))
    stmt = (
        select(col(GeneralMeetingRow.id), col(ClubRow.name), col(GeneralMeetingRow.held_on))
        .join(ClubRow, col(ClubRow.id) == col(GeneralMeetingRow.club_id))
        .where(col(GeneralMeetingRow.status) == MeetingStatus.PENDING.value, or_(*mine))
        .order_by(col(GeneralMeetingRow.id))
        .limit(LIMIT)
    )
    return [WaitingMeeting(*row) for row in await _rows(tx, stmt)]


async def objections_waiting(
    tx: Tx, advisor_pk: int | None, staff: bool
) -> list[WaitingObjection]:
    """Objections not answered yet: every one for staff; for an advisor, those about the
    elections of the clubs they advise and of the founding meetings of applications naming
    them (the advisor and staff are the ones told of an objection)."""
    mine: list[Any] = []
    if staff:
        mine.append(true())
    if advisor_pk is not None:
        mine.append(col(ElectionRow.club_id).in_(_advised_clubs(advisor_pk)))
        mine.append(
            and_(
                col(ElectionRow.club_id).is_(None),
                col(ApplicationRow.advisor_pk) == advisor_pk,
            )
        )
    if not mine:
        return []
    stmt = (
        select(
            col(ObjectionRow.id),
            col(ObjectionRow.election_id),
            col(ClubRow.name),
            col(ApplicationRow.name),
            col(ObjectionRow.phase),
            col(StudentRow.name),
            col(StudentRow.student_id),
            col(ObjectionRow.text),
        )
        .join(ElectionRow, col(ElectionRow.id) == col(ObjectionRow.election_id))
        .join(StudentRow, col(StudentRow.id) == col(ObjectionRow.student_pk))
        .outerjoin(ClubRow, col(ClubRow.id) == col(ElectionRow.club_id))
        .outerjoin(ApplicationRow, col(ApplicationRow.id) == col(ElectionRow.application_id))
        .where(col(ObjectionRow.decided_at).is_(None), or_(*mine))
        .order_by(col(ObjectionRow.id))
        .limit(LIMIT)
    )
    return [
        WaitingObjection(oid, eid, club or founding or "?", phase, name, sid, text)
        for oid, eid, club, founding, phase, name, sid, text in await _rows(tx, stmt)
    ]
