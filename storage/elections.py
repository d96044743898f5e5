"""Elections: the election rows, positions, candidates, the voter roll and the ballot box.

The voter roll and the ballot box are two tables that share no key: `cast` flips the voter's
row and drops the ballots in the box in one transaction, and nothing joins them afterwards.
Rows leave as plain values (bot/domain/elections.py); changes come back through the functions
here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.domain.elections import (
    Candidate,
    CandidateStatus,
    Decision,
    Election,
    Kind,
    Phase,
    Position,
    PositionSpec,
)
from bot.domain.tally import Method
from bot.domain.values import ClubStatus, Language, Student
from storage.deadlines import Recipient
from storage.models import (
    AccountRow,
    ApplicationRow,
    BallotRow,
    CandidateRow,
    ClubRow,
    ElectionPositionRow,
    ElectionRow,
    MembershipRow,
    NominationAttemptRow,
    ObjectionRow,
    SignatureRow,
    StudentRow,
    VoterRow,
    table_of,
)
from storage.people import to_student
from storage.tx import Tx

ENDED = ("done", "failed", "cancelled")


def _election(row: ElectionRow) -> Election:
    assert row.id is not None
    return Election(
        id=row.id,
        club_id=row.club_id,
        application_id=row.application_id,
        kind=Kind(row.kind),
        phase=Phase(row.phase),
        founding=row.founding,
        parent_id=row.parent_id,
        started_by=row.started_by,
        created_at=row.created_at,
        publicity_days=row.publicity_days,
        voting_days=row.voting_days,
        result_days=row.result_days,
        quorum=row.quorum,
        seed=row.seed,
        nominations_close_at=row.nominations_close_at,
        voting_opens_at=row.voting_opens_at,
        voting_closes_at=row.voting_closes_at,
        remind_at=row.remind_at,
        reminded=row.reminded,
        results_until=row.results_until,
        next_at=row.next_at,
        members=row.members,
        list_approved_by=row.list_approved_by,
        advisor_ok_by=row.advisor_ok_by,
        unit_ok_by=row.unit_ok_by,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


def _position(row: ElectionPositionRow) -> Position:
    assert row.id is not None
    return Position(
        id=row.id,
        election_id=row.election_id,
        key=row.key,
        title=row.title,
        method=Method(row.method),
        seats=row.seats,
        leader=row.leader,
        on_ballot=row.on_ballot,
        result=None if row.result is None else json.loads(row.result),
    )


def _candidate(row: CandidateRow) -> Candidate:
    assert row.id is not None
    return Candidate(
        id=row.id,
        election_id=row.election_id,
        position_id=row.position_id,
        student_pk=row.student_pk,
        nominated_by=row.nominated_by,
        status=CandidateStatus(row.status),
        reason=row.reason,
    )


async def add(
    tx: Tx,
    *,
    club_id: int | None,
    application_id: int | None,
    kind: Kind,
    phase: Phase,
    founding: bool,
    started_by: int,
    now: datetime,
    days: tuple[int, int, int],
    quorum: str,
    seed: str | None,
    positions: Sequence[PositionSpec],
    parent_id: int | None = None,
    nominations_close_at: datetime | None = None,
) -> Election | None:
    """Insert an election and its positions (`days`: publicity, voting and results); None when
    the partial unique index refuses a second running election of the same club or
    application."""
    publicity, voting, results = days
    row = ElectionRow(
        club_id=club_id,
        application_id=application_id,
        kind=kind.value,
        phase=phase.value,
        founding=founding,
        parent_id=parent_id,
        started_by=started_by,
        created_at=now,
        publicity_days=publicity,
        voting_days=voting,
        result_days=results,
        quorum=quorum,
        seed=seed,
        nominations_close_at=nominations_close_at,
        next_at=nominations_close_at,
    )
    try:
        async with tx.session.begin_nested():
            tx.session.add(row)
            await tx.session.flush()
            assert row.id is not None
            for i, spec in enumerate(positions):
                tx.session.add(
                    ElectionPositionRow(
                        election_id=row.id,
                        ord=i,
                        key=spec.key,
                        title=spec.title,
                        method=spec.method.value,
                        seats=spec.seats,
                        leader=spec.leader,
                    )
                )
            await tx.session.flush()
    except IntegrityError:
        return None
    return _election(row)


async def save(tx: Tx, election: Election) -> None:
    """Write back what changes as an election runs: its phase, dates, roll size, approvals and
    end (never its club, which only `attach` sets)."""
    stmt = (
        update(ElectionRow)
        .where(col(ElectionRow.id) == election.id)
        .values(
            phase=election.phase.value,
            nominations_close_at=election.nominations_close_at,
            voting_opens_at=election.voting_opens_at,
            voting_closes_at=election.voting_closes_at,
            remind_at=election.remind_at,
            reminded=election.reminded,
            results_until=election.results_until,
            next_at=election.next_at,
            members=election.members,
            list_approved_by=election.list_approved_by,
            advisor_ok_by=election.advisor_ok_by,
            unit_ok_by=election.unit_ok_by,
            ended_at=election.ended_at,
            end_reason=election.end_reason,
        )
    )
    await tx.session.execute(stmt)


async def running(tx: Tx, club_id: int) -> Election | None:
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.club_id) == club_id)
        .where(col(ElectionRow.phase).not_in(ENDED))
        .where(col(ElectionRow.parent_id).is_(None))
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _election(row)


async def running_founding(tx: Tx, application_id: int) -> Election | None:
    """The founding meeting of this application under way (ORG-3)."""
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.application_id) == application_id)
        .where(col(ElectionRow.phase).not_in(ENDED))
        .where(col(ElectionRow.parent_id).is_(None))
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _election(row)


async def attach(tx: Tx, election_id: int, club_id: int) -> None:
    """A founding meeting (and its runoffs) now belongs to the club it founded."""
    stmt = (
        update(ElectionRow)
        .where((col(ElectionRow.id) == election_id) | (col(ElectionRow.parent_id) == election_id))
        .values(club_id=club_id)
    )
    await tx.session.execute(stmt)


async def get(tx: Tx, election_id: int, *, lock: bool = False) -> Election | None:
    """The election; with `lock`, held until the transaction ends (PostgreSQL row lock)."""
    stmt = select(ElectionRow).where(col(ElectionRow.id) == election_id)
    if lock and not tx.db.is_sqlite:
        stmt = stmt.with_for_update()
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _election(row)


async def of_clubs(tx: Tx, club_ids: list[int], limit: int = 20) -> list[Election]:
    """The latest elections of these clubs, running ones first."""
    if not club_ids:
        return []
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.club_id).in_(club_ids))
        .order_by(col(ElectionRow.id).desc())
        .limit(limit)
    )
    return [_election(row) for row in await tx.session.scalars(stmt)]


async def founding_meetings(
    tx: Tx,
    *,
    student_pk: int | None = None,
    advisor_pk: int | None = None,
    every: bool = False,
    limit: int = 20,
) -> list[Election]:
    """The founding meetings under way of clubs not founded yet (not attached to a club) that
    this person follows, newest first: as the sponsor or a founding member (`student_pk`), as
    the application's advisor (`advisor_pk`), or all of them (`every`, for staff)."""
    stmt = (
        select(ElectionRow)
        .join(ApplicationRow, col(ApplicationRow.id) == col(ElectionRow.application_id))
        .where(col(ElectionRow.club_id).is_(None))
        .where(col(ElectionRow.phase).not_in(ENDED))
        .where(col(ElectionRow.parent_id).is_(None))
        .order_by(col(ElectionRow.id).desc())
        .limit(limit)
    )
    if not every:
        founder = (
            select(col(SignatureRow.id))
            .where(col(SignatureRow.application_id) == col(ApplicationRow.id))
            .where(col(SignatureRow.student_pk) == student_pk)
            .where(col(SignatureRow.founder).is_(True))
            .exists()
        )
        follows = [col(ApplicationRow.advisor_pk) == advisor_pk] if advisor_pk else []
        if student_pk is not None:
            follows += [col(ApplicationRow.sponsor_pk) == student_pk, founder]
        if not follows:
            return []
        stmt = stmt.where(or_(*follows))
    return [_election(row) for row in await tx.session.scalars(stmt)]


async def due(tx: Tx, now: datetime, limit: int) -> list[Election]:
    """Elections whose clock time has come; other workers skip the ones taken here."""
    # A running election of a club that may no longer act (REG-7) is due at once: it stops.
    halted = (
        (col(ClubRow.status) != ClubStatus.ACTIVE.value)
        & col(ElectionRow.founding).is_(False)
        & col(ElectionRow.phase).not_in(ENDED)
    )
    stmt = (
        select(ElectionRow)
        # A founding meeting has no club yet: outer join.
        .outerjoin(ClubRow, col(ClubRow.id) == col(ElectionRow.club_id))
        .where((col(ElectionRow.next_at) <= now) | halted)
        .order_by(col(ElectionRow.next_at), col(ElectionRow.id))
        .limit(limit)
    )
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True, of=ElectionRow)
    return [_election(row) for row in await tx.session.scalars(stmt)]


async def positions(tx: Tx, election_id: int) -> list[Position]:
    """The election's positions and motions, in ballot order."""
    stmt = (
        select(ElectionPositionRow)
        .where(col(ElectionPositionRow.election_id) == election_id)
        .order_by(col(ElectionPositionRow.ord))
    )
    return [_position(row) for row in await tx.session.scalars(stmt)]


@dataclass(frozen=True, slots=True)
class Elected:
    """Someone a count elected: their name and the position (key and title)."""

    name: str
    key: str
    title: str


async def elected(tx: Tx, election_ids: list[int]) -> dict[int, list[Elected]]:
    """Who each counted election elected, by position in ballot order: two queries for any
    number of elections."""
    if not election_ids:
        return {}
    stmt = (
        select(ElectionPositionRow)
        .where(col(ElectionPositionRow.election_id).in_(sorted(set(election_ids))))
        .order_by(col(ElectionPositionRow.election_id), col(ElectionPositionRow.ord))
    )
    counted = [
        p
        for p in map(_position, await tx.session.scalars(stmt))
        if p.result is not None and p.method is not Method.MOTION
    ]
    # The count names candidacies as "c<id>".
    ids = [int(key[1:]) for p in counted for key in (p.result or {}).get("elected", [])]
    names = await candidate_names(tx, ids)
    found: dict[int, list[Elected]] = {}
    for p in counted:
        for key in (p.result or {}).get("elected", []):
            person = Elected(names.get(int(key[1:]), "?"), p.key, p.title)
            found.setdefault(p.election_id, []).append(person)
    return found


async def record_result(tx: Tx, position_id: int, result: dict[str, Any]) -> None:
    """The position's count, as published."""
    stmt = (
        update(ElectionPositionRow)
        .where(col(ElectionPositionRow.id) == position_id)
        .values(result=json.dumps(result))
    )
    await tx.session.execute(stmt)


async def set_on_ballot(tx: Tx, election_id: int, on_paper: set[int]) -> None:
    """Mark which of the election's positions went on the ballot when voting opened."""
    stmt = (
        update(ElectionPositionRow)
        .where(col(ElectionPositionRow.election_id) == election_id)
        .values(on_ballot=col(ElectionPositionRow.id).in_(sorted(on_paper)))
    )
    await tx.session.execute(stmt)


async def candidates(
    tx: Tx, election_id: int, statuses: Sequence[CandidateStatus] | None = None
) -> list[tuple[Candidate, Student]]:
    """Candidates with their student records, by position and nomination order."""
    stmt = (
        select(CandidateRow, StudentRow)
        .join(StudentRow, col(StudentRow.id) == col(CandidateRow.student_pk))
        .where(col(CandidateRow.election_id) == election_id)
        .order_by(col(CandidateRow.position_id), col(CandidateRow.id))
    )
    if statuses is not None:
        stmt = stmt.where(col(CandidateRow.status).in_([s.value for s in statuses]))
    return [(_candidate(c), to_student(s)) for c, s in (await tx.session.execute(stmt)).all()]


async def candidate_names(tx: Tx, candidate_ids: list[int]) -> dict[int, str]:
    """The name of the student each candidacy is of, in one query (for the audit log's
    readers)."""
    if not candidate_ids:
        return {}
    stmt = (
        select(col(CandidateRow.id), col(StudentRow.name))
        .join(StudentRow, col(StudentRow.id) == col(CandidateRow.student_pk))
        .where(col(CandidateRow.id).in_(sorted(set(candidate_ids))))
    )
    # A stored candidacy always has its id.
    return cast("dict[int, str]", dict((await tx.session.execute(stmt)).all()))


async def candidate(tx: Tx, candidate_id: int) -> Candidate | None:
    row = await tx.session.get(CandidateRow, candidate_id)
    return None if row is None else _candidate(row)


async def add_candidate(
    tx: Tx,
    election_id: int,
    position_id: int,
    student_pk: int,
    nominated_by: int,
    status: CandidateStatus,
    now: datetime,
) -> Candidate | None:
    """Insert a nomination; None when the student already has a live candidacy in this
    election (the partial unique index refused it)."""
    row = CandidateRow(
        election_id=election_id,
        position_id=position_id,
        student_pk=student_pk,
        nominated_by=nominated_by,
        status=status.value,
        created_at=now,
    )
    try:
        async with tx.session.begin_nested():
            tx.session.add(row)
            await tx.session.flush()
    except IntegrityError:
        return None
    return _candidate(row)


async def set_status(
    tx: Tx,
    candidate_ids: Sequence[int],
    status: CandidateStatus,
    reason: str | None = None,
    decided_by: int | None = None,
) -> None:
    """Move these candidates to `status`, with the reason and who decided when given."""
    if not candidate_ids:
        return
    changes: dict[str, object] = {"status": status.value}
    if reason is not None:
        changes["reason"] = reason
    if decided_by is not None:
        changes["decided_by"] = decided_by
    stmt = update(CandidateRow).where(col(CandidateRow.id).in_(candidate_ids)).values(**changes)
    await tx.session.execute(stmt)


async def live_candidacy(tx: Tx, election_id: int, student_pk: int) -> Candidate | None:
    stmt = (
        select(CandidateRow)
        .where(col(CandidateRow.election_id) == election_id)
        .where(col(CandidateRow.student_pk) == student_pk)
        .where(col(CandidateRow.status).in_(["nominated", "accepted", "approved"]))
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _candidate(row)


async def is_member(tx: Tx, club_id: int, student_pk: int) -> bool:
    stmt = (
        select(col(MembershipRow.id))
        .where(col(MembershipRow.club_id) == club_id)
        .where(col(MembershipRow.student_pk) == student_pk)
        .where(col(MembershipRow.slot).is_not(None))
    )
    return (await tx.session.scalars(stmt)).first() is not None


async def member_accounts(tx: Tx, club_id: int) -> list[Recipient]:
    """The reachable accounts of the club's members who have bound one."""
    stmt = (
        select(col(AccountRow.user_id), col(AccountRow.language))
        .select_from(MembershipRow)
        .join(AccountRow, col(AccountRow.student_pk) == col(MembershipRow.student_pk))
        .where(col(MembershipRow.club_id) == club_id)
        .where(col(MembershipRow.slot).is_not(None))
        .where(col(AccountRow.unreachable_at).is_(None))
        .order_by(col(MembershipRow.student_pk))
    )
    return [
        Recipient(user_id, Language(lang))
        for user_id, lang in (await tx.session.execute(stmt)).all()
    ]


async def snapshot(tx: Tx, election_id: int, student_pks: list[int]) -> None:
    """The voter roll: these members, none of whom has voted."""
    if student_pks:
        values = [
            {"election_id": election_id, "student_pk": pk, "voted": False} for pk in student_pks
        ]
        await tx.session.execute(tx.insert(VoterRow), values)


async def has_voted(tx: Tx, election_id: int, student_pk: int) -> bool | None:
    """Whether the student has voted; None when they are not on the roll."""
    stmt = (
        select(col(VoterRow.voted))
        .where(col(VoterRow.election_id) == election_id)
        .where(col(VoterRow.student_pk) == student_pk)
    )
    return (await tx.session.scalars(stmt)).first()


async def ballots(tx: Tx, position_id: int) -> list[tuple[str, tuple[str, ...]]]:
    """The position's ballots as (receipt, choices), by receipt."""
    stmt = (
        select(col(BallotRow.receipt), col(BallotRow.choices))
        .where(col(BallotRow.position_id) == position_id)
        .order_by(col(BallotRow.receipt))
    )
    return [(r, tuple(json.loads(c))) for r, c in (await tx.session.execute(stmt)).all()]


async def turnout(tx: Tx, election_id: int) -> tuple[int, int]:
    """(voters marked as voted, distinct receipts in the box): always equal."""
    voted = await tx.session.execute(
        select(func.count())
        .select_from(VoterRow)
        .where(col(VoterRow.election_id) == election_id)
        .where(col(VoterRow.voted).is_(True))
    )
    receipts = await tx.session.execute(
        select(func.count(func.distinct(col(BallotRow.receipt)))).where(
            col(BallotRow.election_id) == election_id
        )
    )
    return int(voted.scalar_one()), int(receipts.scalar_one())


async def non_voters(tx: Tx, election_id: int) -> list[Recipient]:
    """Reachable accounts of voters who have not voted yet."""
    stmt = (
        select(col(AccountRow.user_id), col(AccountRow.language))
        .join(VoterRow, col(VoterRow.student_pk) == col(AccountRow.student_pk))
        .where(col(VoterRow.election_id) == election_id)
        .where(col(VoterRow.voted).is_(False))
        .where(col(AccountRow.unreachable_at).is_(None))
        .order_by(col(AccountRow.user_id))
    )
    return [Recipient(u, Language(lang)) for u, lang in (await tx.session.execute(stmt)).all()]


async def add_objection(
    tx: Tx, election_id: int, student_pk: int, phase: str, text: str, now: datetime
) -> int:
    row = ObjectionRow(
        election_id=election_id, student_pk=student_pk, phase=phase, text=text, created_at=now
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


@dataclass(frozen=True, slots=True)
class Objection:
    """A member's objection and, once answered, its one decision."""

    id: int
    election_id: int
    student_pk: int
    phase: str
    text: str
    created_at: datetime
    decision: str | None
    answer: str | None
    decided_by: int | None
    decided_at: datetime | None


def _objections() -> Any:
    return select(
        col(ObjectionRow.id),
        col(ObjectionRow.election_id),
        col(ObjectionRow.student_pk),
        col(ObjectionRow.phase),
        col(ObjectionRow.text),
        col(ObjectionRow.created_at),
        col(ObjectionRow.decision),
        col(ObjectionRow.answer),
        col(ObjectionRow.decided_by),
        col(ObjectionRow.decided_at),
    )


async def objection(tx: Tx, objection_id: int) -> Objection | None:
    """One objection, answered or not."""
    stmt = _objections().where(col(ObjectionRow.id) == objection_id)
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else Objection(*row)


async def decide_objection(
    tx: Tx, objection_id: int, decision: str, answer: str, by: int, now: datetime
) -> bool:
    """Record the objection's one decision: False when someone decided it first. A single
    conditional UPDATE, so two decisions at once give one (the other matches no row)."""
    stmt = (
        update(ObjectionRow)
        .where(col(ObjectionRow.id) == objection_id, col(ObjectionRow.decided_at).is_(None))
        .values(decision=decision, answer=answer, decided_by=by, decided_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def upheld_objections(tx: Tx, election_id: int, phase: str) -> int:
    """How many objections lodged in `phase` of this election were upheld."""
    stmt = (
        select(func.count())
        .select_from(ObjectionRow)
        .where(
            col(ObjectionRow.election_id) == election_id,
            col(ObjectionRow.phase) == phase,
            col(ObjectionRow.decision) == Decision.UPHELD.value,
        )
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def objection_counts(tx: Tx, election_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per election with any: its objections (upheld, not answered yet), in one statement."""
    if not election_ids:
        return {}
    upheld = func.sum(case((col(ObjectionRow.decision) == Decision.UPHELD.value, 1), else_=0))
    waiting = func.sum(case((col(ObjectionRow.decided_at).is_(None), 1), else_=0))
    stmt = (
        select(col(ObjectionRow.election_id), upheld, waiting)
        .where(col(ObjectionRow.election_id).in_(election_ids))
        .group_by(col(ObjectionRow.election_id))
    )
    found = (await tx.session.execute(stmt)).all()
    return {eid: (int(u or 0), int(w or 0)) for eid, u, w in found if (u or 0) + (w or 0)}


async def student_pk_of(tx: Tx, user_id: int) -> int | None:
    """The student record the account is bound to."""
    stmt = select(col(AccountRow.student_pk)).where(col(AccountRow.user_id) == user_id)
    return (await tx.session.scalars(stmt)).first()


async def advisor_recipient(tx: Tx, advisor_pk: int) -> Recipient | None:
    """The account the advisor bound, to write to."""
    stmt = select(col(AccountRow.user_id), col(AccountRow.language)).where(
        col(AccountRow.advisor_pk) == advisor_pk
    )
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else Recipient(row[0], Language(row[1]))


async def nomination_attempts(tx: Tx, user_id: int, since: datetime) -> int:
    """How many nominations of others this account has tried since `since`."""
    stmt = (
        select(func.count())
        .select_from(NominationAttemptRow)
        .where(col(NominationAttemptRow.user_id) == user_id)
        .where(col(NominationAttemptRow.at) >= since)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def record_nomination_attempt(tx: Tx, user_id: int, now: datetime) -> None:
    """Count one nomination of another member tried by this account."""
    tx.session.add(NominationAttemptRow(user_id=user_id, at=now))
    await tx.session.flush()


# --- a voter's press: the ballot in one read, the vote in a write per position ----------------
# Prebuilt statements on `Tx`'s short path, so that the ballot's updates run on the driver's
# connection (`Flow(fast=True)`): a press costs about what a /join does.

_e, _cl, _v = table_of(ElectionRow), table_of(ClubRow), table_of(VoterRow)
_p, _c, _s = table_of(ElectionPositionRow), table_of(CandidateRow), table_of(StudentRow)
_b = table_of(BallotRow)
_BOX = (
    select(
        _e.c.phase,
        _e.c.founding,
        _e.c.voting_opens_at,
        _e.c.voting_closes_at,
        _cl.c.name.label("club_name"),
        _cl.c.status.label("club_status"),
        _v.c.voted,
        _p.c.id.label("position_id"),
        _p.c.key,
        _p.c.title,
        _p.c.method,
        _p.c.seats,
        _p.c.leader,
        _p.c.result,
        _c.c.id.label("candidate_id"),
        _s.c.name.label("candidate_name"),
    )
    .select_from(
        _e.outerjoin(_cl, _cl.c.id == _e.c.club_id)
        .outerjoin(_v, (_v.c.election_id == _e.c.id) & (_v.c.student_pk == bindparam("student")))
        .outerjoin(_p, (_p.c.election_id == _e.c.id) & _p.c.on_ballot.is_(True))
        .outerjoin(
            _c,
            (_c.c.position_id == _p.c.id)
            & (_c.c.status == bindparam("approved", CandidateStatus.APPROVED.value)),
        )
        .outerjoin(_s, _s.c.id == _c.c.student_pk)
    )
    .where(_e.c.id == bindparam("election"))
    .order_by(_p.c.ord, _c.c.id)
)
# PostgreSQL: the election row in share mode, so that the count (which takes it in update mode)
# never runs while a ballot is half cast.
_BOX_SHARED = _BOX.with_for_update(read=True, of=_e)
_MARK_VOTED = (
    update(_v)
    .where(
        (_v.c.election_id == bindparam("election"))
        & (_v.c.student_pk == bindparam("student"))
        & _v.c.voted.is_(False)
    )
    .values(voted=True)
)
_DROP_BALLOT = insert(_b).values(
    position_id=bindparam("position"),
    receipt=bindparam("receipt"),
    election_id=bindparam("election"),
    choices=bindparam("choices"),
)


@dataclass(frozen=True, slots=True)
class BallotBox:
    """What a voter's press needs: the election's phase and times, its club's standing (None
    for a founding meeting, whose club is not stored yet), whether this voter is on the roll and
    has voted (None: not on it), and the positions on the ballot with their approved candidates
    (id, name) in ballot order."""

    phase: Phase
    founding: bool
    voting_opens_at: datetime | None
    voting_closes_at: datetime | None
    club_name: str | None
    club_status: ClubStatus | None
    voted: bool | None
    paper: list[tuple[Position, list[tuple[int, str]]]]


async def ballot_box(
    tx: Tx, election_id: int, student_pk: int | None, *, share: bool = False
) -> BallotBox | None:
    """The election as one voter's press sees it, in one statement; None if there is none."""
    stmt = _BOX_SHARED if share and not tx.db.is_sqlite else _BOX
    rows = await tx.rows(stmt, {"election": election_id, "student": student_pk})
    if not rows:
        return None
    first = rows[0]
    paper: list[tuple[Position, list[tuple[int, str]]]] = []
    for row in rows:
        if row.position_id is None:
            continue  # no position on the ballot: the outer join's one row
        if not paper or paper[-1][0].id != row.position_id:
            result = None if row.result is None else json.loads(row.result)
            position = Position(
                id=row.position_id,
                election_id=election_id,
                key=row.key,
                title=row.title,
                method=Method(row.method),
                seats=row.seats,
                leader=row.leader,
                on_ballot=True,
                result=result,
            )
            paper.append((position, []))
        if row.candidate_id is not None:
            paper[-1][1].append((row.candidate_id, row.candidate_name))
    return BallotBox(
        phase=Phase(first.phase),
        founding=bool(first.founding),
        voting_opens_at=first.voting_opens_at,
        voting_closes_at=first.voting_closes_at,
        club_name=first.club_name,
        club_status=None if first.club_status is None else ClubStatus(first.club_status),
        voted=first.voted,
        paper=paper,
    )


async def cast_ballots(
    tx: Tx,
    election_id: int,
    student_pk: int,
    receipt: str,
    marks: Sequence[tuple[int, list[str]]],
) -> bool:
    """Flip the voter's row and put their ballots (one per position) in the box under their
    receipt; False, and nothing written, when they are not on the roll or voted already.

    On PostgreSQL a second transaction flipping the same row waits for the first one's lock and
    then finds `voted` true; on SQLite transactions are serialized: either way only one flips it.
    """
    params: dict[str, Any] = {"election": election_id, "student": student_pk}
    if not await tx.run(_MARK_VOTED, params):
        return False
    for position_id, choices in marks:
        ballot = {"position": position_id, "receipt": receipt, "choices": json.dumps(choices)}
        await tx.run(_DROP_BALLOT, params | ballot)
    return True


async def next_step_at(tx: Tx, now: datetime) -> datetime | None:
    """When the clock must next act on an election after `now` (None: no election waits)."""
    stmt = select(func.min(ElectionRow.next_at)).where(col(ElectionRow.next_at) > now)
    found: datetime | None = await tx.session.scalar(stmt)
    return found
