"""Elections: the election rows, positions, candidates, the voter roll and the ballot box.

The voter roll and the ballot box are two tables that share no key: `cast` flips the voter's
row and drops the ballots in the box in one transaction, and nothing joins them afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from bot.domain.values import ClubStatus, Language
from storage.deadlines import Recipient
from storage.models import (
    AccountRow,
    BallotRow,
    CandidateRow,
    ClubRow,
    ElectionPositionRow,
    ElectionRow,
    MembershipRow,
    ObjectionRow,
    StudentRow,
    VoterRow,
)
from storage.tx import Tx

ENDED = ("done", "failed", "cancelled")


async def add(tx: Tx, row: ElectionRow, positions: Sequence[ElectionPositionRow]) -> int:
    """Insert an election and its positions; the partial unique index refuses a second running
    election of the same club (IntegrityError)."""
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    for position in positions:
        position.election_id = row.id
        tx.session.add(position)
    await tx.session.flush()
    return row.id


async def running(tx: Tx, club_id: int) -> ElectionRow | None:
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.club_id) == club_id)
        .where(col(ElectionRow.phase).not_in(ENDED))
        .where(col(ElectionRow.parent_id).is_(None))
    )
    return (await tx.session.scalars(stmt)).first()


async def running_founding(tx: Tx, application_id: int) -> ElectionRow | None:
    """The founding meeting of this application under way (ORG-3)."""
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.application_id) == application_id)
        .where(col(ElectionRow.phase).not_in(ENDED))
        .where(col(ElectionRow.parent_id).is_(None))
    )
    return (await tx.session.scalars(stmt)).first()


async def attach(tx: Tx, election_id: int, club_id: int) -> None:
    """A founding meeting (and its runoffs) now belongs to the club it founded."""
    stmt = (
        update(ElectionRow)
        .where((col(ElectionRow.id) == election_id) | (col(ElectionRow.parent_id) == election_id))
        .values(club_id=club_id)
    )
    await tx.session.execute(stmt)


async def get(tx: Tx, election_id: int, *, lock: bool = False) -> ElectionRow | None:
    """The election; with `lock`, held until the transaction ends (PostgreSQL row lock)."""
    stmt = select(ElectionRow).where(col(ElectionRow.id) == election_id)
    if lock and not tx.db.is_sqlite:
        stmt = stmt.with_for_update()
    return (await tx.session.scalars(stmt)).first()


async def of_clubs(tx: Tx, club_ids: list[int], limit: int = 20) -> list[ElectionRow]:
    """The latest elections of these clubs, running ones first."""
    if not club_ids:
        return []
    stmt = (
        select(ElectionRow)
        .where(col(ElectionRow.club_id).in_(club_ids))
        .order_by(col(ElectionRow.id).desc())
        .limit(limit)
    )
    return list(await tx.session.scalars(stmt))


async def share_lock(tx: Tx, election_id: int) -> None:
    """Hold the election row in share mode (PostgreSQL): ballots go in while no count runs."""
    if not tx.db.is_sqlite:
        stmt = (
            select(col(ElectionRow.id))
            .where(col(ElectionRow.id) == election_id)
            .with_for_update(read=True)
        )
        await tx.session.execute(stmt)


async def due(tx: Tx, now: datetime, limit: int) -> list[ElectionRow]:
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
    return list(await tx.session.scalars(stmt))


async def positions(tx: Tx, election_id: int) -> list[ElectionPositionRow]:
    stmt = (
        select(ElectionPositionRow)
        .where(col(ElectionPositionRow.election_id) == election_id)
        .order_by(col(ElectionPositionRow.ord))
    )
    return list(await tx.session.scalars(stmt))


async def candidates(
    tx: Tx, election_id: int, statuses: Sequence[str] | None = None
) -> list[tuple[CandidateRow, StudentRow]]:
    """Candidates with their student records, by position and nomination order."""
    stmt = (
        select(CandidateRow, StudentRow)
        .join(StudentRow, col(StudentRow.id) == col(CandidateRow.student_pk))
        .where(col(CandidateRow.election_id) == election_id)
        .order_by(col(CandidateRow.position_id), col(CandidateRow.id))
    )
    if statuses is not None:
        stmt = stmt.where(col(CandidateRow.status).in_(list(statuses)))
    return [(c, s) for c, s in (await tx.session.execute(stmt)).all()]


async def candidate(tx: Tx, candidate_id: int) -> CandidateRow | None:
    return await tx.session.get(CandidateRow, candidate_id)


async def live_candidacy(tx: Tx, election_id: int, student_pk: int) -> CandidateRow | None:
    stmt = (
        select(CandidateRow)
        .where(col(CandidateRow.election_id) == election_id)
        .where(col(CandidateRow.student_pk) == student_pk)
        .where(col(CandidateRow.status).in_(["nominated", "accepted", "approved"]))
    )
    return (await tx.session.scalars(stmt)).first()


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


async def voter(tx: Tx, election_id: int, student_pk: int) -> VoterRow | None:
    stmt = (
        select(VoterRow)
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
