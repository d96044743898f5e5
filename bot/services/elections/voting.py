"""The ballot paper, what a voter sees and casting a ballot (ORG-5: secret ballot)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from bot.domain import tally
from bot.domain.elections import (
    AlreadyVoted,
    BadBallot,
    CandidateStatus,
    NotVoter,
    Phase,
    Position,
    UnknownElection,
    WrongPhase,
)
from bot.domain.values import ClubNotActive, ClubStatus, Student
from storage import elections as elections_store
from storage.tx import Tx

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 10


@dataclass(frozen=True, slots=True)
class Paper:
    """A position as it stands on the ballot paper: as stored, and in its countable form."""

    stored: Position
    position: tally.Position

    @property
    def id(self) -> int:
        return self.stored.id


def candidate_key(candidate_id: int) -> str:
    """A candidate's id on the ballot and in the export."""
    return f"c{candidate_id}"


def receipt_for(key: bytes, election_id: int, student_pk: int) -> str:
    """The voter's receipt, which they find their ballots by in the export: a keyed hash of the
    election and the voter. The bot can show it to them again at any time, and the database
    holds no link between voter and ballot: without the key (BALLOT_KEY, kept outside the
    database) the receipts in the ballot table name nobody."""
    digest = hmac.new(key, f"{election_id}:{student_pk}".encode(), hashlib.sha256).digest()
    return "".join(RECEIPT_ALPHABET[b % len(RECEIPT_ALPHABET)] for b in digest[:RECEIPT_LENGTH])


async def paper(tx: Tx, election_id: int) -> list[Paper]:
    """The ballot paper: positions on the ballot with their approved candidates."""
    found = await elections_store.candidates(tx, election_id, [CandidateStatus.APPROVED])
    papers = []
    for stored in await elections_store.positions(tx, election_id):
        if not stored.on_ballot:
            continue
        listed = tuple(
            tally.Candidate(candidate_key(c.id), s.name)
            for c, s in found
            if c.position_id == stored.id
        )
        if stored.method is not tally.Method.MOTION and not listed:
            continue
        countable = tally.Position(stored.key, stored.title, stored.method, stored.seats, listed)
        papers.append(Paper(stored, countable))
    return papers


def _papers(box: elections_store.BallotBox) -> list[Paper]:
    papers = []
    for stored, approved in box.paper:
        listed = tuple(tally.Candidate(candidate_key(cid), name) for cid, name in approved)
        if stored.method is not tally.Method.MOTION and not listed:
            continue
        countable = tally.Position(stored.key, stored.title, stored.method, stored.seats, listed)
        papers.append(Paper(stored, countable))
    return papers


async def _open_box(
    tx: Tx, student: Student | None, election_id: int, now: datetime, *, share: bool = False
) -> list[Paper]:
    """The ballot paper, read with everything a press checks in one statement: refused unless
    the club may act (REG-7), voting is open, and the student is on the roll and has not voted."""
    box = await elections_store.ballot_box(
        tx, election_id, None if student is None else student.id, share=share
    )
    if box is None:
        raise UnknownElection()
    if not box.founding and box.club_status is not ClubStatus.ACTIVE:
        raise ClubNotActive(club=box.club_name or "")
    opens, closes = box.voting_opens_at, box.voting_closes_at
    if box.phase != Phase.VOTING or opens is None or closes is None or not opens <= now < closes:
        raise WrongPhase(phase=box.phase.value)
    if box.voted is None:
        raise NotVoter()
    if box.voted:
        raise AlreadyVoted()
    return _papers(box)


async def ballot_for(
    tx: Tx, student: Student | None, election_id: int, now: datetime
) -> list[Paper]:
    """What a voter sees: refused unless voting is open and they are on the roll, not voted."""
    return await _open_box(tx, student, election_id, now)


async def cast(
    tx: Tx,
    now: datetime,
    student: Student | None,
    election_id: int,
    marks: dict[int, list[str]],
    key: bytes,
) -> str:
    """Cast one voter's ballots (one per position on the paper); the receipt (`receipt_for`).

    The election row is held in share mode (PostgreSQL) so that the count, which takes it in
    update mode, never runs while a ballot is half cast. One ballot per voter holds in the
    database: the ballots go in only when this transaction flipped the voter's row. The ballots
    keep no voter, and the voter's row no receipt.
    """
    papers = await _open_box(tx, student, election_id, now, share=True)
    assert student is not None
    if set(marks) != {p.id for p in papers}:
        raise BadBallot()
    for p in papers:
        if tally.check_ballot(p.position, marks[p.id]) is not None:
            raise BadBallot()
    receipt = receipt_for(key, election_id, student.id)
    ballots = [(p.id, list(marks[p.id])) for p in papers]
    if not await elections_store.cast_ballots(tx, election_id, student.id, receipt, ballots):
        raise AlreadyVoted()
    return receipt
