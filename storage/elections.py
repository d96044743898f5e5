"""Elections: the election rows, positions, candidates, the voter roll and the ballot box.

The voter roll and the ballot box are two tables that share no key: `cast` flips the voter's
row and drops the ballots in the box in one transaction, and nothing joins them afterwards.
Rows leave as plain values (bot/domain/elections.py); changes come back through the functions
here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.domain.elections import (
    Candidate,
    CandidateStatus,
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
    BallotRow,
    CandidateRow,
    ClubRow,
    ElectionPositionRow,
    ElectionRow,
    MembershipRow,
    NominationAttemptRow,
    ObjectionRow,
    StudentRow,
    VoterRow,
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


async def share_lock(tx: Tx, election_id: int) -> None:
    """Hold the election row in share mode (PostgreSQL): ballots go in while no count runs."""
    if not tx.db.is_sqlite:
        stmt = (
            select(col(ElectionRow.id))
            .where(col(ElectionRow.id) == election_id)
            .with_for_update(read=True)
        )
        await tx.session.execute(stmt)


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


async def mark_voted(tx: Tx, election_id: int, student_pk: int) -> bool:
    """Flip the voter's row to voted; False when there is no such voter or they already voted.

    On PostgreSQL a second transaction doing this waits for the first one's row lock and then
    finds `voted` true; on SQLite transactions are serialized: either way only one flips it.
    """
    stmt = (
        update(VoterRow)
        .where(col(VoterRow.election_id) == election_id)
        .where(col(VoterRow.student_pk) == student_pk)
        .where(col(VoterRow.voted).is_(False))
        .values(voted=True)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def drop_ballots(
    tx: Tx, election_id: int, receipt: str, marks: Sequence[tuple[int, list[str]]]
) -> None:
    """Put one voter's ballots (one per position) in the box under their receipt."""
    values = [
        {
            "position_id": position_id,
            "receipt": receipt,
            "election_id": election_id,
            "choices": json.dumps(choices),
        }
        for position_id, choices in marks
    ]
    await tx.session.execute(tx.insert(BallotRow), values)


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
