"""Candidates: nominations, the nominee's answer, withdrawal, the advisor's review of the list,
striking a candidate, and members' objections and their answers (ORG-5, ORG-6).

Eligibility is checked when a member is nominated, again when they accept, and once more when
voting opens (bot/services/elections/clock.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import tally
from bot.domain.calendar import Calendar
from bot.domain.elections import (
    BEFORE_VOTING,
    AlreadyCandidate,
    Candidate,
    CandidateStatus,
    Decision,
    Election,
    NomineeNotEligible,
    NotEligible,
    ObjectionAnswered,
    Phase,
    Position,
    Reason,
    TooManyNominations,
    UnknownCandidate,
    UnknownObjection,
    WrongPhase,
    ineligibility,
    officer_rules,
    restricted_rules,
)
from bot.domain.policy import Level, Policy
from bot.domain.values import Club, Language, NotAllowed, NotMember, Student
from bot.services.elections import access, clock, notices
from storage import elections as elections_store
from storage import people
from storage.tx import Tx

HOUR = timedelta(hours=1)


async def positions_open(tx: Tx, election_id: int) -> list[Position]:
    """The positions one can be nominated for."""
    return [
        p
        for p in await elections_store.positions(tx, election_id)
        if p.method is not tally.Method.MOTION
    ]


async def nominees(tx: Tx, student: Student | None, election_id: int) -> list[Student]:
    """The other members a member may nominate, by name: shown only to a member of the club
    while nominations are open."""
    row, club = await access.election(tx, election_id)
    access.require_phase(row, Phase.NOMINATION)
    if student is None or not await access.is_member(tx, row, student.id):
        raise NotMember(club=club.name)
    return [m for m in await access.members(tx, row) if m.id != student.id]


async def explain(
    tx: Tx,
    policy: Policy,
    lang: Language,
    student: Student,
    row: Election,
    club: Club,
    leader: bool,
) -> list[str]:
    """The reasons, in `lang`, why the student cannot stand; [] when eligible (at a founding
    meeting, "a member of the club" means a founding member). Those resting on restricted
    data name their rule only (PRIV-4)."""
    member = await access.is_member(tx, row, student.id)
    keys = ineligibility(policy, student, club.category, member, leader)
    return notices.reasons(lang, policy, keys)


def _restricted(policy: Policy, student: Student, club: Club, leader: bool) -> bool:
    """Whether a refusal rests on restricted data, so the student is offered a human review."""
    keys = ineligibility(policy, student, club.category, True, leader)
    return bool(restricted_rules(keys))


async def nominate(
    tx: Tx,
    policy: Policy,
    now: datetime,
    lang: Language,
    user_id: int,
    student: Student | None,
    election_id: int,
    position_id: int,
    nominee_pk: int | None = None,
) -> Candidate:
    """A member nominates themself (accepted at once) or another member (who must accept).

    Eligibility is checked now. A member who nominates themself hears why they cannot stand;
    a nomination of someone else is refused naming the rules only, the same for a member who
    may not stand as for anyone who is not a member, and the nominee alone hears why (PRIV-4).
    Nominations of others count against the account's attempts per hour.
    """
    row, club = await access.election(tx, election_id, lock=True)
    access.require_phase(row, Phase.NOMINATION)
    if student is None or not await access.is_member(tx, row, student.id):
        raise NotMember(club=club.name)
    position = next(
        (p for p in await positions_open(tx, election_id) if p.id == position_id), None
    )
    if position is None:
        raise UnknownCandidate()
    itself = nominee_pk is None or nominee_pk == student.id
    if itself:
        nominee = student
        reasons = await explain(tx, policy, lang, nominee, row, club, position.leader)
        if reasons:
            raise NotEligible(
                name=nominee.name,
                reasons=notices.bulleted(reasons),
                review=row.id if _restricted(policy, nominee, club, position.leader) else 0,
            )
    else:
        assert nominee_pk is not None
        nominee = await _other_nominee(tx, policy, now, user_id, row, club, position, nominee_pk)
    if await elections_store.live_candidacy(tx, election_id, nominee.id) is not None:
        raise AlreadyCandidate(name=nominee.name)
    candidate = await elections_store.add_candidate(
        tx,
        election_id,
        position_id,
        nominee.id,
        student.id,
        CandidateStatus.ACCEPTED if itself else CandidateStatus.NOMINATED,
        now,
    )
    if candidate is None:
        # A concurrent nomination of the same student got in first.
        raise AlreadyCandidate(name=nominee.name)
    if itself:
        await access.record(
            tx, now, None, "candidate", row, candidate=candidate.id, status=candidate.status
        )
    else:
        account = await people.account_of_student(tx, nominee.id)
        if account is not None:
            await notices.ask_nominee(tx, now, account, candidate, club, position, student)
    return candidate


async def _other_nominee(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    row: Election,
    club: Club,
    position: Position,
    nominee_pk: int,
) -> Student:
    """The member nominated by someone else, once the attempt is counted; refused alike for
    a stranger and for a member who may not stand."""
    since = now - HOUR
    limit = policy.nomination_attempts_per_hour
    if await elections_store.nomination_attempts(tx, user_id, since) >= limit:
        raise TooManyNominations(limit=limit)
    await elections_store.record_nomination_attempt(tx, user_id, now)
    refused = NomineeNotEligible(rules=officer_rules(policy, club.category, position.leader))
    nominee = await people.student_by_pk(tx, nominee_pk)
    if nominee is None or not await access.is_member(tx, row, nominee.id):
        raise refused
    account = await people.account_of_student(tx, nominee.id)
    lang = account.language if account is not None else Language.EN
    why = await explain(tx, policy, lang, nominee, row, club, position.leader)
    if why:
        if account is not None:
            restricted = _restricted(policy, nominee, club, position.leader)
            await notices.tell_ineligible(
                tx, now, account, row, club, nominee, position, why, restricted
            )
        raise refused
    return nominee


async def _own_candidacy(
    tx: Tx, student: Student | None, candidate_id: int
) -> tuple[Candidate, Election, Club]:
    candidate = await elections_store.candidate(tx, candidate_id)
    if candidate is None:
        raise UnknownCandidate()
    if student is None or candidate.student_pk != student.id:
        raise NotAllowed()
    row, club = await access.election(tx, candidate.election_id, lock=True)
    return candidate, row, club


async def respond(
    tx: Tx,
    policy: Policy,
    now: datetime,
    lang: Language,
    student: Student | None,
    candidate_id: int,
    accept: bool,
) -> tuple[Candidate, Club]:
    """The nominee accepts (eligibility checked again) or declines a nomination."""
    candidate, row, club = await _own_candidacy(tx, student, candidate_id)
    access.require_phase(row, Phase.NOMINATION)
    if candidate.status is not CandidateStatus.NOMINATED:
        raise WrongPhase(phase=candidate.status.value)
    assert student is not None
    if accept:
        position = next(
            p for p in await elections_store.positions(tx, row.id) if p.id == candidate.position_id
        )
        reasons = await explain(tx, policy, lang, student, row, club, position.leader)
        if reasons:
            raise NotEligible(
                name=student.name,
                reasons=notices.bulleted(reasons),
                review=row.id if _restricted(policy, student, club, position.leader) else 0,
            )
    status = CandidateStatus.ACCEPTED if accept else CandidateStatus.DECLINED
    await elections_store.set_status(tx, [candidate_id], status)
    await access.record(tx, now, None, "candidate", row, candidate=candidate_id, status=status)
    return replace(candidate, status=status), club


async def withdraw(
    tx: Tx, now: datetime, student: Student | None, candidate_id: int
) -> tuple[Candidate, Club]:
    """A candidate withdraws, until voting opens (then the ballot is frozen)."""
    candidate, row, club = await _own_candidacy(tx, student, candidate_id)
    if row.phase not in BEFORE_VOTING:
        raise WrongPhase(phase=row.phase.value)
    if candidate.status not in (
        CandidateStatus.NOMINATED,
        CandidateStatus.ACCEPTED,
        CandidateStatus.APPROVED,
    ):
        raise WrongPhase(phase=candidate.status.value)
    status = CandidateStatus.WITHDRAWN
    await elections_store.set_status(tx, [candidate_id], status)
    await access.record(tx, now, None, "candidate", row, candidate=candidate_id, status=status)
    return replace(candidate, status=status), club


# --- review and publicity ------------------------------------------------------------------


async def approve_list(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    election_id: int,
    cal: Calendar | None = None,
) -> Election:
    """The advisor approves the list: candidate publicity starts, with the voting dates."""
    row, club = await access.election(tx, election_id, lock=True)
    access.require_phase(row, Phase.REVIEW)
    if not await access.may_review(tx, user_id, row):
        raise NotAllowed()
    listed = await elections_store.candidates(tx, election_id, [CandidateStatus.ACCEPTED])
    if not listed:
        return await clock.end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
    ids = [c.id for c, _ in listed]
    await elections_store.set_status(tx, ids, CandidateStatus.APPROVED)
    opens = now + row.publicity_days * clock.DAY
    row = replace(
        row,
        list_approved_by=user_id,
        phase=Phase.PUBLICITY,
        voting_opens_at=opens,
        voting_closes_at=opens + row.voting_days * clock.DAY,
        next_at=opens,
    )
    await elections_store.save(tx, row)
    await access.record(tx, now, user_id, "list_approved", row, candidates=ids)
    titles = {
        p.id: notices.words(p.key, p.title)
        for p in await elections_store.positions(tx, election_id)
    }
    approved = await elections_store.candidates(tx, election_id, [CandidateStatus.APPROVED])
    await notices.publish_candidates(tx, cal or Calendar.named(), now, row, club, approved, titles)
    return row


async def strike(
    tx: Tx, now: datetime, user_id: int, candidate_id: int, reason: str
) -> tuple[Candidate, Club]:
    """Strike a candidate with a reason: the advisor during review, staff until voting opens."""
    candidate = await elections_store.candidate(tx, candidate_id)
    if candidate is None:
        raise UnknownCandidate()
    row, club = await access.election(tx, candidate.election_id, lock=True)
    staff = await access.is_staff(tx, user_id)
    if row.phase is Phase.REVIEW:
        allowed = staff or await access.advises(tx, user_id, row)
    elif row.phase is Phase.PUBLICITY:
        # An objection upheld in the candidates' publicity lets the advisor, who reviewed the
        # list (ORG-5's inspection and publicity, under the advisor's guidance), strike too.
        allowed = staff or (
            await elections_store.upheld_objections(tx, row.id, Phase.PUBLICITY.value) > 0
            and await access.advises(tx, user_id, row)
        )
    elif row.phase is Phase.NOMINATION:
        allowed = staff
    else:
        raise WrongPhase(phase=row.phase.value)
    if not allowed:
        raise NotAllowed()
    if candidate.status not in (
        CandidateStatus.ACCEPTED,
        CandidateStatus.APPROVED,
        CandidateStatus.NOMINATED,
    ):
        raise WrongPhase(phase=candidate.status.value)
    struck = replace(candidate, status=CandidateStatus.STRUCK, reason=reason[:500])
    await elections_store.set_status(
        tx, [candidate_id], struck.status, reason=struck.reason, decided_by=user_id
    )
    await access.record(
        tx, now, user_id, "strike", row, candidate=candidate_id, reason=struck.reason
    )
    account = await people.account_of_student(tx, candidate.student_pk)
    if account is not None:
        await notices.tell_struck(tx, now, account, candidate, club, reason)
    return struck, club


async def lodge_objection(
    tx: Tx, now: datetime, student: Student | None, election_id: int, text: str
) -> Club:
    """A member objects (during candidate or result publicity); the advisor and staff are told."""
    row, club = await access.election(tx, election_id)
    access.require_phase(row, Phase.PUBLICITY, Phase.RESULTS)
    if student is None or not await access.is_member(tx, row, student.id):
        raise NotMember(club=club.name)
    objection_id = await elections_store.add_objection(
        tx, election_id, student.id, row.phase.value, text, now
    )
    told = []
    for level in (Level.ADVISOR, Level.STAFF):
        told += await access.recipients(tx, row, level)
    await notices.tell_objection(tx, now, told, row, club, objection_id, student, text)
    return club


async def may_answer(tx: Tx, user_id: int, row: Election) -> bool:
    """Those told of an objection answer it: the election's advisor, or staff."""
    return await access.advises(tx, user_id, row) or await access.is_staff(tx, user_id)


async def objection_to_answer(
    tx: Tx, user_id: int, objection_id: int
) -> tuple[elections_store.Objection, Election, Club]:
    """The objection this person may answer now: it exists, they are the election's advisor
    or staff, and nobody has answered it (ObjectionAnswered names who did)."""
    found = await elections_store.objection(tx, objection_id)
    if found is None:
        raise UnknownObjection()
    row = await elections_store.get(tx, found.election_id)
    if row is None:
        raise UnknownObjection()
    if not await may_answer(tx, user_id, row):
        raise NotAllowed()
    if found.decided_at is not None:
        raise ObjectionAnswered(by=found.decided_by, decision=found.decision)
    # The club as it is now, even one that may no longer act: its members are answered anyway.
    return found, row, await access.club_of(tx, row)


@dataclass(frozen=True, slots=True)
class Answered:
    """An objection's decision, and the candidates whom the decider may strike now because it
    was upheld while the list is in publicity (none otherwise)."""

    objection: elections_store.Objection
    club: Club
    strikeable: list[tuple[Candidate, Student]]


async def answer_objection(
    tx: Tx,
    now: datetime,
    user_id: int,
    objection_id: int,
    decision: Decision,
    reason: str,
) -> Answered:
    """The advisor or staff uphold or dismiss an objection with a reason, once (enforced by
    the database: a second answer at the same moment gets ObjectionAnswered). The objector is
    told; the decision is audited. Upheld during the candidates' publicity, the candidates on
    the list may be struck by the one who upheld it (`strike`)."""
    found, row, club = await objection_to_answer(tx, user_id, objection_id)
    reason = reason[:2000]
    if not await elections_store.decide_objection(
        tx, objection_id, decision.value, reason, user_id, now
    ):
        latest = await elections_store.objection(tx, objection_id)
        assert latest is not None
        raise ObjectionAnswered(by=latest.decided_by, decision=latest.decision)
    advisor = await access.advises(tx, user_id, row)
    await access.record(
        tx,
        now,
        user_id,
        "objection",
        row,
        objection=objection_id,
        lodged=found.phase,
        decision=decision.value,
        reason=reason,
    )
    account = await people.account_of_student(tx, found.student_pk)
    if account is not None:
        await notices.tell_objection_answer(
            tx, now, account, row, club, objection_id, decision, reason, advisor
        )
    decided = replace(
        found, decision=decision.value, answer=reason, decided_by=user_id, decided_at=now
    )
    strikeable: list[tuple[Candidate, Student]] = []
    if (
        decision is Decision.UPHELD
        and found.phase == Phase.PUBLICITY.value
        and row.phase is Phase.PUBLICITY
    ):
        strikeable = await elections_store.candidates(tx, row.id, [CandidateStatus.APPROVED])
    return Answered(decided, club, strikeable)
