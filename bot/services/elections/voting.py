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
    Election,
    NotVoter,
    Phase,
    Position,
    WrongPhase,
)
from bot.domain.values import Club, Student
from bot.services.elections import access
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


async def ballot_for(
    tx: Tx, student: Student | None, election_id: int, now: datetime
) -> tuple[Election, Club, list[Paper]]:
    """What a voter sees: refused unless voting is open and they are on the roll, not voted."""
    row, club = await access.election(tx, election_id)
    _voting_open(row, now)
    await _check_voter(tx, row, student)
    return row, club, await paper(tx, election_id)


def _voting_open(row: Election, now: datetime) -> None:
    opens, closes = row.voting_opens_at, row.voting_closes_at
    if row.phase != Phase.VOTING or opens is None or closes is None or not opens <= now < closes:
        raise WrongPhase(phase=row.phase.value)


async def _check_voter(tx: Tx, row: Election, student: Student | None) -> None:
    voted = None if student is None else await elections_store.has_voted(tx, row.id, student.id)
    if voted is None:
        raise NotVoter()
    if voted:
        raise AlreadyVoted()


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
    await elections_store.share_lock(tx, election_id)
    row, _ = await access.election(tx, election_id)
    _voting_open(row, now)
    await _check_voter(tx, row, student)
    assert student is not None
    papers = await paper(tx, election_id)
    if set(marks) != {p.id for p in papers}:
        raise BadBallot()
    for p in papers:
        if tally.check_ballot(p.position, marks[p.id]) is not None:
            raise BadBallot()
    receipt = receipt_for(key, election_id, student.id)
    if not await elections_store.mark_voted(tx, election_id, student.id):
        raise AlreadyVoted()
    await elections_store.drop_ballots(
        tx, election_id, receipt, [(p.id, list(marks[p.id])) for p in papers]
    )
    return receipt
