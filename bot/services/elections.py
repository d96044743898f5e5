"""Officer elections and general-meeting votes (ORG-3, ORG-5, ORG-6, ORG-7, REG-7).

Every action re-reads the election and checks on the server that its phase allows it and that
this user may do it. The clock (`advance`) moves elections from phase to phase at the times
stored on their rows; every message it sends goes through the outbox under a key naming the
election and the step, so a step is announced once, whatever restarts in between.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button, Keyboard
from bot.domain import tally
from bot.domain.calendar import Calendar
from bot.domain.elections import (
    BEFORE_VOTING,
    AlreadyVoted,
    BadBallot,
    CandidateStatus,
    ElectionRunning,
    Kind,
    NotEligible,
    NotVoter,
    Phase,
    PositionSpec,
    Reason,
    Schedule,
    UnknownCandidate,
    UnknownElection,
    WrongPhase,
    check_specs,
    ineligibility,
)
from bot.domain.policy import Level, Policy
from bot.domain.values import (
    Category,
    Club,
    ClubNotActive,
    ClubStatus,
    Language,
    NotAllowed,
    NotMember,
    Role,
    Student,
    UnknownClub,
)
from bot.services import applications, lifecycle
from storage import advisors, audit, clubs, officers, outbox, people, units
from storage import applications as founding_store
from storage import deadlines as reach
from storage import elections as store
from storage.deadlines import Recipient
from storage.models import CandidateRow, ElectionPositionRow, ElectionRow
from storage.people import to_student
from storage.tx import Tx

# Callback kinds: `el:<action>:<id>` for election actions, `vt:<election>` opens a ballot.
ELECTION = "el"
VOTE = "vt"
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 10
DAY = timedelta(days=1)
# The key of the general-meeting motion that dissolves the club when it passes (REG-11).
DISSOLVE = "dissolve"
# How long a candidate list waits for the advisor's review before they are reminded, once.
REVIEW_REMINDER_AFTER = DAY


class AlreadyCandidate(NotEligible):
    key = "error.election.already_candidate"


@dataclass(frozen=True, slots=True)
class Paper:
    """A position as it stands on the ballot paper: its row and its countable form."""

    row: ElectionPositionRow
    position: tally.Position

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id


def candidate_key(candidate_id: int) -> str:
    """A candidate's id on the ballot and in the export."""
    return f"c{candidate_id}"


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def _eid(row: ElectionRow) -> int:
    assert row.id is not None
    return row.id


async def _audit(
    tx: Tx, now: datetime, actor: int | None, what: str, row: ElectionRow, **after: object
) -> None:
    """An election's state change, into the audit log in its own transaction.

    Never a ballot, a voter or a time of voting: the secret ballot (ORG-5) stays secret here.
    """
    await audit.append(
        tx,
        now,
        actor,
        f"election.{what}",
        club_id=row.club_id,
        subject=f"election:{_eid(row)}",
        after={"phase": row.phase, **after},
    )


# --- who may do what -------------------------------------------------------------------------


async def _is_advisor(tx: Tx, user_id: int, club_id: int) -> bool:
    mine = await people.advisor_of_account(tx, user_id)
    current = await advisors.current(tx, club_id)
    return mine is not None and current is not None and current.advisor.id == mine.id


async def _is_rep(tx: Tx, user_id: int, club_id: int) -> bool:
    unit_id = await clubs.unit_of(tx, club_id)
    return unit_id is not None and unit_id in await units.units_represented_by(tx, user_id)


async def _is_staff(tx: Tx, user_id: int) -> bool:
    return Role.STAFF in await people.roles_of(tx, user_id)


async def may_start(tx: Tx, user_id: int, student: Student | None, club_id: int) -> bool:
    """An officer of the club, its advisor, or staff."""
    student_pk = student.id if student is not None else await store.student_pk_of(tx, user_id)
    if student_pk is not None and await officers.is_officer(tx, student_pk, club_id):
        return True
    return await _is_advisor(tx, user_id, club_id) or await _is_staff(tx, user_id)


async def may_review(tx: Tx, user_id: int, row: ElectionRow) -> bool:
    """The advisor reviews the candidates (staff may act in their place)."""
    return await _advises(tx, user_id, row) or await _is_staff(tx, user_id)


async def _advises(tx: Tx, user_id: int, row: ElectionRow) -> bool:
    """The club's advisor; at a founding meeting, the advisor the application names."""
    if row.club_id is not None:
        return await _is_advisor(tx, user_id, row.club_id)
    app = await _application(tx, row)
    mine = await people.advisor_of_account(tx, user_id)
    return mine is not None and app.advisor_pk == mine.id


# --- the voters: the club's members, or at a founding meeting its founding members (ORG-3) ---


async def _application(tx: Tx, row: ElectionRow) -> founding_store.Application:
    assert row.application_id is not None
    app = await founding_store.get(tx, row.application_id)
    if app is None:
        raise UnknownElection()
    return app


async def _founders(tx: Tx, row: ElectionRow) -> list[founding_store.Signer]:
    assert row.application_id is not None
    return [s for s in await founding_store.signers(tx, row.application_id) if s.founder]


async def _is_member(tx: Tx, row: ElectionRow, student_pk: int) -> bool:
    if row.club_id is not None:
        return await store.is_member(tx, row.club_id, student_pk)
    return any(s.student.id == student_pk for s in await _founders(tx, row))


async def _member_pks(tx: Tx, row: ElectionRow) -> list[int]:
    if row.club_id is not None:
        return sorted(await clubs.member_pks(tx, row.club_id))
    return sorted(s.student.id for s in await _founders(tx, row))


async def _member_accounts(tx: Tx, row: ElectionRow) -> list[Recipient]:
    if row.club_id is not None:
        return await store.member_accounts(tx, row.club_id)
    return [
        Recipient(s.user_id, await people.language_of(tx, s.user_id))
        for s in await _founders(tx, row)
    ]


async def _recipients(tx: Tx, row: ElectionRow, level: Level) -> list[Recipient]:
    """The people of `level` for this election; at a founding meeting the application's advisor
    stands for the advisor, its sponsor for the officers, and staff for everyone else."""
    if row.club_id is not None:
        return (await reach.recipients(tx, level, [row.club_id])).get(row.club_id, [])
    app = await _application(tx, row)
    if level is Level.ADVISOR:
        account = await people.account_of_advisor(tx, app.advisor_pk) if app.advisor_pk else None
        return [] if account is None else [Recipient(account.user_id, Language(account.language))]
    if level is Level.OFFICERS:
        return [Recipient(app.sponsor_user, await people.language_of(tx, app.sponsor_user))]
    if level is Level.STAFF:
        return (await reach.recipients(tx, level, [0])).get(0, [])
    return []


async def _club(tx: Tx, club_id: int) -> Club:
    club = await clubs.club(tx, club_id)
    if club is None:
        raise UnknownClub(name=str(club_id))
    return club


async def _club_of(tx: Tx, row: ElectionRow) -> Club:
    """The election's club; for a founding meeting, the club the application would found
    (not stored yet: its id is 0 and nothing reads the club table through it)."""
    if row.club_id is not None:
        return await _club(tx, row.club_id)
    assert row.application_id is not None
    return await _founding_club(tx, row.application_id)


async def _founding_club(tx: Tx, app_id: int) -> Club:
    app = await founding_store.get(tx, app_id)
    if app is None:
        raise UnknownElection()
    assert app.category is not None
    return Club(
        id=0,
        name=app.name,
        category=Category(app.category),
        guidance_unit="",
        founded=app.meeting_on or app.created_at.date(),
        status=ClubStatus.ACTIVE,
    )


async def _election(tx: Tx, election_id: int, *, lock: bool = False) -> tuple[ElectionRow, Club]:
    row = await store.get(tx, election_id, lock=lock)
    if row is None:
        raise UnknownElection()
    club = await _club_of(tx, row)
    if not row.founding and club.status is not ClubStatus.ACTIVE:
        # REG-7: a club that may not act elects nobody.
        raise ClubNotActive(club=club.name)
    return row, club


def _phase(row: ElectionRow, *allowed: Phase) -> None:
    if Phase(row.phase) not in allowed:
        raise WrongPhase(phase=row.phase)


# --- start ---------------------------------------------------------------------------------


async def start(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int | None,
    specs: Sequence[PositionSpec],
    schedule: Schedule | None = None,
    *,
    kind: Kind = Kind.OFFICERS,
    founding: bool = False,
    application_id: int | None = None,
    cal: Calendar | None = None,
) -> ElectionRow:
    """Start an election (or a general-meeting vote) of an active club (REG-7).

    With candidates to elect it opens for nominations; with motions alone, voting opens now.
    `founding` is for the founding meeting of a club not yet active: the caller has checked
    that the club is approved and who may start it; with `application_id` (and no club) the
    founding members of that application are the voters. Dates are in `cal`'s local time.
    """
    cal = cal or Calendar.named()
    if application_id is not None:
        club = await _founding_club(tx, application_id)
    else:
        assert club_id is not None
        club = await _club(tx, club_id)
    if not founding:
        if club.status is not ClubStatus.ACTIVE:
            raise ClubNotActive(club=club.name)
        if not await may_start(tx, user_id, student, club.id):
            raise NotAllowed()
    specs = tuple(specs)
    check_specs(specs)
    if application_id is not None:
        if await store.running_founding(tx, application_id) is not None:
            raise ElectionRunning(club=club.name)
    elif await store.running(tx, club.id) is not None:
        raise ElectionRunning(club=club.name)
    plan = schedule or Schedule.of(policy)
    elects = any(s.method is not tally.Method.MOTION for s in specs)
    row = ElectionRow(
        club_id=None if application_id is not None else club.id,
        application_id=application_id,
        kind=kind.value,
        phase=(Phase.NOMINATION if elects else Phase.VOTING).value,
        founding=founding,
        started_by=user_id,
        created_at=now,
        publicity_days=plan.publicity,
        voting_days=plan.voting,
        result_days=plan.results,
        quorum=policy.election_quorum,
        # A founding meeting cannot hold a runoff (there is no club yet to hold it in, and the
        # founding waits on this result): its ties are drawn by lot, the seed published with the
        # candidate list like any lot.
        seed=(
            secrets.token_hex(16)
            if policy.election_tie_rule == "lot" or application_id is not None
            else None
        ),
    )
    if elects:
        row.nominations_close_at = now + plan.nomination * DAY
        row.next_at = row.nominations_close_at
    positions = [
        ElectionPositionRow(
            ord=i,
            key=s.key,
            title=s.title.strip(),
            method=s.method.value,
            seats=s.seats,
            leader=s.leader,
            election_id=0,
        )
        for i, s in enumerate(specs)
    ]
    try:
        async with tx.session.begin_nested():
            await store.add(tx, row, positions)
    except IntegrityError:
        raise ElectionRunning(club=club.name) from None
    await _audit(
        tx,
        now,
        user_id,
        "start",
        row,
        kind=kind.value,
        founding=founding,
        positions=[p.title for p in positions],
    )
    if elects:
        await _tell_members(
            tx,
            now,
            row,
            club,
            "nominate",
            "election.nomination_open",
            _nominate_buttons,
            positions=", ".join(p.title for p in positions),
            until=_day(cal, row.nominations_close_at),
        )
    else:
        await _open_voting(tx, policy, cal, now, row, club)
    return row


async def start_general_meeting(
    tx: Tx,
    policy: Policy,
    now: datetime,
    club_id: int | None,
    motions: Sequence[str],
    positions: Sequence[PositionSpec] = (),
    *,
    started_by: int,
    founding: bool = False,
    application_id: int | None = None,
    schedule: Schedule | None = None,
    cal: Calendar | None = None,
    dissolution: str | None = None,
) -> ElectionRow:
    """A general meeting's vote (ORG-3): yes/no/abstain motions (the charter, ...) and, at the
    founding meeting, the first officers, in one election with one quorum.

    For the founding meeting of an approved club (issue 3) pass `founding=True`: the club's
    status is not required to be active, and the caller has checked who may start it.
    `dissolution` is the text of a motion to dissolve the club (REG-11).
    """
    specs = [
        PositionSpec(f"motion{i + 1}", text, tally.Method.MOTION) for i, text in enumerate(motions)
    ]
    if dissolution is not None:
        # REG-11: this motion, passed, dissolves the club when the result publicity ends.
        specs.append(PositionSpec(DISSOLVE, dissolution, tally.Method.MOTION))
    return await start(
        tx,
        policy,
        now,
        started_by,
        None,
        club_id,
        [*specs, *positions],
        schedule,
        kind=Kind.MEETING,
        founding=founding,
        application_id=application_id,
        cal=cal,
    )


# The key of the founding meeting's motion to adopt the charter (ORG-3).
CHARTER = "charter"


async def start_founding_meeting(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    app_id: int,
    charter_motion: str,
    positions: Sequence[PositionSpec],
) -> ElectionRow:
    """The sponsor opens the founding general meeting of their approved application (ORG-3):
    the motion to adopt the charter and the first officers' election, in one vote of the
    founding members. Its result, once published, goes to the advisor to confirm."""
    app = await founding_store.get(tx, app_id)
    if app is None or student is None or app.sponsor_pk != student.id:
        raise NotAllowed()
    if app.state != "founding" or app.meeting_on is None or app.meeting_on > cal.today(now):
        raise WrongPhase(phase=app.state)
    if not any(p.key == applications.PRESIDENT for p in positions):
        raise BadBallot()
    specs = [PositionSpec(CHARTER, charter_motion, tally.Method.MOTION), *positions]
    return await start(
        tx,
        policy,
        now,
        user_id,
        student,
        None,
        specs,
        kind=Kind.MEETING,
        founding=True,
        application_id=app_id,
        cal=cal,
    )


async def founding_meeting(tx: Tx, app_id: int) -> ElectionRow | None:
    """The application's founding meeting under way, if any."""
    return await store.running_founding(tx, app_id)


# --- nominations ---------------------------------------------------------------------------


async def positions_open(tx: Tx, election_id: int) -> list[ElectionPositionRow]:
    """The positions one can be nominated for."""
    return [p for p in await store.positions(tx, election_id) if p.method != tally.Method.MOTION]


async def explain(
    tx: Tx,
    policy: Policy,
    lang: Language,
    student: Student,
    row: ElectionRow,
    club: Club,
    leader: bool,
) -> list[str]:
    """The reasons, in `lang`, why the student cannot stand; [] when eligible (at a founding
    meeting, "a member of the club" means a founding member)."""
    member = await _is_member(tx, row, student.id)
    return [
        tr(lang, key, limit=policy.officer_max_rank_pct)
        for key in ineligibility(policy, student, club.category, member, leader)
    ]


async def nominate(
    tx: Tx,
    policy: Policy,
    now: datetime,
    lang: Language,
    student: Student | None,
    election_id: int,
    position_id: int,
    nominee_student_id: str | None = None,
) -> CandidateRow:
    """A member nominates themself (accepted at once) or another member (who must accept).

    Eligibility is checked now and explained: to the nominator here, to a nominee by message.
    """
    row, club = await _election(tx, election_id, lock=True)
    _phase(row, Phase.NOMINATION)
    if student is None or not await _is_member(tx, row, student.id):
        raise NotMember(club=club.name)
    position = next(
        (p for p in await positions_open(tx, election_id) if p.id == position_id), None
    )
    if position is None:
        raise UnknownCandidate()
    nominee = student
    if nominee_student_id is not None and nominee_student_id != student.student_id:
        found = await people.students_by_ids(tx, [nominee_student_id])
        if nominee_student_id not in found:
            raise NotEligible(name=nominee_student_id, reasons=tr(lang, "election.why.unknown"))
        nominee = to_student(found[nominee_student_id])
    reasons = await explain(tx, policy, lang, nominee, row, club, position.leader)
    if reasons:
        if nominee.id != student.id:
            await _explain_to_nominee(tx, policy, now, row, club, nominee, position)
        raise NotEligible(name=nominee.name, reasons="\n".join(f"• {r}" for r in reasons))
    if await store.live_candidacy(tx, election_id, nominee.id) is not None:
        raise AlreadyCandidate(name=nominee.name)
    itself = nominee.id == student.id
    candidate = CandidateRow(
        election_id=election_id,
        position_id=position_id,
        student_pk=nominee.id,
        nominated_by=student.id,
        status=(CandidateStatus.ACCEPTED if itself else CandidateStatus.NOMINATED).value,
        created_at=now,
    )
    try:
        async with tx.session.begin_nested():
            tx.session.add(candidate)
            await tx.session.flush()
    except IntegrityError:
        raise AlreadyCandidate(name=nominee.name) from None
    assert candidate.id is not None
    if itself:
        await _audit(
            tx, now, None, "candidate", row, candidate=candidate.id, status=candidate.status
        )
    else:
        account = await people.account_of_student(tx, nominee.id)
        if account is not None:
            text = tr(
                account.language,
                "election.nominated",
                club=club.name,
                position=position.title,
                by=student.name,
            )
            buttons = (
                (
                    Button(
                        tr(account.language, "button.election.accept"),
                        callbacks.encode(ELECTION, "a", candidate.id),
                    ),
                    Button(
                        tr(account.language, "button.election.decline"),
                        callbacks.encode(ELECTION, "d", candidate.id),
                    ),
                ),
            )
            await outbox.enqueue(
                tx, f"el:{election_id}:nom{candidate.id}", account.user_id, text, now, buttons
            )
    return candidate


async def _explain_to_nominee(
    tx: Tx,
    policy: Policy,
    now: datetime,
    row: ElectionRow,
    club: Club,
    nominee: Student,
    position: ElectionPositionRow,
) -> None:
    account = await people.account_of_student(tx, nominee.id)
    if account is None:
        return
    reasons = await explain(tx, policy, account.language, nominee, row, club, position.leader)
    text = tr(
        account.language,
        "election.ineligible_notice",
        club=club.name,
        position=position.title,
        reasons="\n".join(f"• {r}" for r in reasons),
    )
    key = f"el:{_eid(row)}:inel{position.id}:{nominee.id}"
    await outbox.enqueue(tx, key, account.user_id, text, now)


async def _own_candidacy(
    tx: Tx, student: Student | None, candidate_id: int
) -> tuple[CandidateRow, ElectionRow, Club]:
    candidate = await store.candidate(tx, candidate_id)
    if candidate is None:
        raise UnknownCandidate()
    if student is None or candidate.student_pk != student.id:
        raise NotAllowed()
    row, club = await _election(tx, candidate.election_id, lock=True)
    return candidate, row, club


async def respond(
    tx: Tx,
    policy: Policy,
    now: datetime,
    lang: Language,
    student: Student | None,
    candidate_id: int,
    accept: bool,
) -> tuple[CandidateRow, Club]:
    """The nominee accepts (eligibility checked again) or declines a nomination."""
    candidate, row, club = await _own_candidacy(tx, student, candidate_id)
    _phase(row, Phase.NOMINATION)
    if candidate.status != CandidateStatus.NOMINATED:
        raise WrongPhase(phase=candidate.status)
    assert student is not None
    if accept:
        position = next(
            p for p in await store.positions(tx, _eid(row)) if p.id == candidate.position_id
        )
        reasons = await explain(tx, policy, lang, student, row, club, position.leader)
        if reasons:
            raise NotEligible(name=student.name, reasons="\n".join(f"• {r}" for r in reasons))
    candidate.status = (CandidateStatus.ACCEPTED if accept else CandidateStatus.DECLINED).value
    await tx.session.flush()
    await _audit(tx, now, None, "candidate", row, candidate=candidate_id, status=candidate.status)
    return candidate, club


async def withdraw(
    tx: Tx, now: datetime, student: Student | None, candidate_id: int
) -> tuple[CandidateRow, Club]:
    """A candidate withdraws, until voting opens (then the ballot is frozen)."""
    candidate, row, club = await _own_candidacy(tx, student, candidate_id)
    if Phase(row.phase) not in BEFORE_VOTING:
        raise WrongPhase(phase=row.phase)
    if CandidateStatus(candidate.status) not in (
        CandidateStatus.NOMINATED,
        CandidateStatus.ACCEPTED,
        CandidateStatus.APPROVED,
    ):
        raise WrongPhase(phase=candidate.status)
    candidate.status = CandidateStatus.WITHDRAWN.value
    await tx.session.flush()
    await _audit(tx, now, None, "candidate", row, candidate=candidate_id, status=candidate.status)
    return candidate, club


# --- review and publicity ------------------------------------------------------------------


async def approve_list(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    election_id: int,
    cal: Calendar | None = None,
) -> ElectionRow:
    """The advisor approves the list: candidate publicity starts, with the voting dates."""
    row, club = await _election(tx, election_id, lock=True)
    _phase(row, Phase.REVIEW)
    if not await may_review(tx, user_id, row):
        raise NotAllowed()
    listed = await store.candidates(tx, election_id, [CandidateStatus.ACCEPTED.value])
    if not listed:
        await _end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
        return row
    for candidate, _ in listed:
        candidate.status = CandidateStatus.APPROVED.value
    row.list_approved_by = user_id
    row.phase = Phase.PUBLICITY.value
    row.voting_opens_at = now + row.publicity_days * DAY
    row.voting_closes_at = row.voting_opens_at + row.voting_days * DAY
    row.next_at = row.voting_opens_at
    await tx.session.flush()
    await _audit(tx, now, user_id, "list_approved", row, candidates=[c.id for c, _ in listed])
    await _publish_candidates(tx, cal or Calendar.named(), now, row, club)
    return row


async def strike(
    tx: Tx, now: datetime, user_id: int, candidate_id: int, reason: str
) -> tuple[CandidateRow, Club]:
    """Strike a candidate with a reason: the advisor during review, staff until voting opens."""
    candidate = await store.candidate(tx, candidate_id)
    if candidate is None:
        raise UnknownCandidate()
    row, club = await _election(tx, candidate.election_id, lock=True)
    phase = Phase(row.phase)
    staff = await _is_staff(tx, user_id)
    if phase is Phase.REVIEW:
        allowed = staff or await _advises(tx, user_id, row)
    elif phase in (Phase.NOMINATION, Phase.PUBLICITY):
        allowed = staff
    else:
        raise WrongPhase(phase=row.phase)
    if not allowed:
        raise NotAllowed()
    if candidate.status not in (
        CandidateStatus.ACCEPTED,
        CandidateStatus.APPROVED,
        CandidateStatus.NOMINATED,
    ):
        raise WrongPhase(phase=candidate.status)
    candidate.status = CandidateStatus.STRUCK.value
    candidate.reason = reason[:500]
    candidate.decided_by = user_id
    await tx.session.flush()
    await _audit(tx, now, user_id, "strike", row, candidate=candidate_id, reason=candidate.reason)
    account = await people.account_of_student(tx, candidate.student_pk)
    if account is not None:
        text = tr(account.language, "election.struck_notice", club=club.name, reason=reason)
        await outbox.enqueue(
            tx, f"el:{_eid(row)}:struck{candidate.id}", account.user_id, text, now
        )
    return candidate, club


async def lodge_objection(
    tx: Tx, now: datetime, student: Student | None, election_id: int, text: str
) -> Club:
    """A member objects (during candidate or result publicity); the advisor and staff are told."""
    row, club = await _election(tx, election_id)
    _phase(row, Phase.PUBLICITY, Phase.RESULTS)
    if student is None or not await _is_member(tx, row, student.id):
        raise NotMember(club=club.name)
    objection_id = await store.add_objection(tx, election_id, student.id, row.phase, text, now)
    told = []
    for level in (Level.ADVISOR, Level.STAFF):
        told += await _recipients(tx, row, level)
    messages = [
        outbox.Message(
            key=f"el:{election_id}:obj{objection_id}:{person.user_id}",
            chat_id=person.user_id,
            text=tr(
                person.language,
                "election.objection_notice",
                club=club.name,
                phase=tr(person.language, f"election.phase.{row.phase}"),
                who=f"{student.name} ({student.student_id})",
                text=text,
            ),
        )
        for person in {p.user_id: p for p in told}.values()
    ]
    await outbox.enqueue_many(tx, messages, now)
    return club


# --- voting --------------------------------------------------------------------------------


async def paper(tx: Tx, election_id: int) -> list[Paper]:
    """The ballot paper: positions on the ballot with their approved candidates."""
    found = await store.candidates(tx, election_id, [CandidateStatus.APPROVED.value])
    papers = []
    for row in await store.positions(tx, election_id):
        if not row.on_ballot:
            continue
        method = tally.Method(row.method)
        listed = tuple(
            tally.Candidate(candidate_key(c.id or 0), s.name)
            for c, s in found
            if c.position_id == row.id
        )
        if method is not tally.Method.MOTION and not listed:
            continue
        papers.append(Paper(row, tally.Position(row.key, row.title, method, row.seats, listed)))
    return papers


async def ballot_for(
    tx: Tx, student: Student | None, election_id: int, now: datetime
) -> tuple[ElectionRow, Club, list[Paper]]:
    """What a voter sees: refused unless voting is open and they are on the roll, not voted."""
    row, club = await _election(tx, election_id)
    _voting_open(row, now)
    await _check_voter(tx, row, student)
    return row, club, await paper(tx, election_id)


def _voting_open(row: ElectionRow, now: datetime) -> None:
    opens, closes = row.voting_opens_at, row.voting_closes_at
    if row.phase != Phase.VOTING or opens is None or closes is None or not opens <= now < closes:
        raise WrongPhase(phase=row.phase)


async def _check_voter(tx: Tx, row: ElectionRow, student: Student | None) -> None:
    voter = None if student is None else await store.voter(tx, _eid(row), student.id)
    if voter is None:
        raise NotVoter()
    if voter.voted:
        raise AlreadyVoted()


async def cast(
    tx: Tx,
    now: datetime,
    student: Student | None,
    election_id: int,
    marks: dict[int, list[str]],
) -> str:
    """Cast one voter's ballots (one per position on the paper); the receipt.

    The election row is held in share mode (PostgreSQL) so that the count, which takes it in
    update mode, never runs while a ballot is half cast. One ballot per voter holds in the
    database: the ballots go in only when this transaction flipped the voter's row.
    """
    await store.share_lock(tx, election_id)
    row, _ = await _election(tx, election_id)
    _voting_open(row, now)
    await _check_voter(tx, row, student)
    assert student is not None
    papers = await paper(tx, election_id)
    if set(marks) != {p.id for p in papers}:
        raise BadBallot()
    for p in papers:
        if tally.check_ballot(p.position, marks[p.id]) is not None:
            raise BadBallot()
    if not await store.mark_voted(tx, election_id, student.id):
        raise AlreadyVoted()
    receipt = new_receipt()
    await store.drop_ballots(tx, election_id, receipt, [(p.id, list(marks[p.id])) for p in papers])
    return receipt


# --- the clock -----------------------------------------------------------------------------


async def advance(tx: Tx, policy: Policy, cal: Calendar, now: datetime, limit: int) -> int:
    """Take the steps that fell due for up to `limit` elections; how many were taken."""
    rows = await store.due(tx, now, limit)
    for row in rows:
        await _step(tx, policy, cal, now, row)
    return len(rows)


async def _step(tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: ElectionRow) -> None:
    club = await _club_of(tx, row)
    phase = Phase(row.phase)
    if not row.founding and club.status is not ClubStatus.ACTIVE:
        await _end(tx, now, row, club, Phase.CANCELLED, Reason.CLUB_INACTIVE)
    elif phase is Phase.NOMINATION and _reached(row.nominations_close_at, now):
        await _close_nominations(tx, now, row, club)
    elif phase is Phase.PUBLICITY and _reached(row.voting_opens_at, now):
        await _open_voting(tx, policy, cal, now, row, club)
    elif phase is Phase.VOTING and _reached(row.voting_closes_at, now):
        await _close(tx, policy, cal, now, row, club)
    elif phase is Phase.VOTING and not row.reminded and _reached(row.remind_at, now):
        await _remind(tx, cal, now, row, club)
    elif phase is Phase.RESULTS and _reached(row.results_until, now):
        await _after_results(tx, policy, cal, now, row, club)
    elif phase is Phase.REVIEW and _reached(row.next_at, now):
        await _remind_review(tx, now, row, club)
    else:
        row.next_at = _next_time(row)
    await tx.session.flush()


def _reached(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now


def _next_time(row: ElectionRow) -> datetime | None:
    match Phase(row.phase):
        case Phase.NOMINATION:
            return row.nominations_close_at
        case Phase.PUBLICITY:
            return row.voting_opens_at
        case Phase.VOTING:
            return row.voting_closes_at if row.reminded else row.remind_at
        case Phase.RESULTS:
            return row.results_until
    return None


async def _close_nominations(tx: Tx, now: datetime, row: ElectionRow, club: Club) -> None:
    eid = _eid(row)
    for candidate, _ in await store.candidates(tx, eid, [CandidateStatus.NOMINATED.value]):
        candidate.status = CandidateStatus.DECLINED.value
        candidate.reason = "not accepted in time"
    listed = await store.candidates(tx, eid, [CandidateStatus.ACCEPTED.value])
    if not listed:
        await _end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
        return
    row.phase = Phase.REVIEW.value
    row.next_at = now + REVIEW_REMINDER_AFTER
    await _audit(tx, now, None, "review", row, candidates=[c.id for c, _ in listed])
    titles = {p.id: p.title for p in await store.positions(tx, eid)}
    for level in (Level.ADVISOR, Level.STAFF):
        found = await _recipients(tx, row, level)
        if not found:
            continue
        messages = []
        for person in found:
            lang = person.language
            lines = [tr(lang, "election.review_request", club=club.name)]
            rows: list[tuple[Button, ...]] = []
            for candidate, student in listed:
                lines.append(
                    tr(
                        lang,
                        "election.candidate_line",
                        position=titles[candidate.position_id],
                        name=student.name,
                        student_id=student.student_id,
                    )
                )
                rows.append(
                    (
                        Button(
                            tr(lang, "button.election.strike", name=student.name[:24]),
                            callbacks.encode(ELECTION, "s", candidate.id or 0),
                        ),
                    )
                )
            rows.append(
                (
                    Button(
                        tr(lang, "button.election.approve_list"),
                        callbacks.encode(ELECTION, "ok", eid),
                    ),
                )
            )
            messages.append(
                outbox.Message(
                    f"el:{eid}:review:{person.user_id}",
                    person.user_id,
                    "\n".join(lines),
                    tuple(rows),
                )
            )
        await outbox.enqueue_many(tx, messages, now)
        return


async def _publish_candidates(
    tx: Tx, cal: Calendar, now: datetime, row: ElectionRow, club: Club
) -> None:
    eid = _eid(row)
    titles = {p.id: p.title for p in await store.positions(tx, eid)}
    listed = await store.candidates(tx, eid, [CandidateStatus.APPROVED.value])

    def text(lang: Language) -> str:
        lines = [
            tr(
                lang,
                "election.publicity",
                club=club.name,
                opens=_day(cal, row.voting_opens_at),
                closes=_day(cal, row.voting_closes_at),
            )
        ]
        lines += [
            tr(
                lang,
                "election.candidate_line",
                position=titles[c.position_id],
                name=s.name,
                student_id=s.student_id,
            )
            for c, s in listed
        ]
        if row.seed:
            lines.append(tr(lang, "election.seed", seed=row.seed))
        return "\n".join(lines)

    await _tell_members(tx, now, row, club, "publicity", None, _objection_buttons, render=text)


async def _open_voting(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: ElectionRow, club: Club
) -> None:
    eid = _eid(row)
    # Candidates who stopped being eligible since the review do not go on the ballot.
    positions = {p.id: p for p in await store.positions(tx, eid)}
    roll = await _member_pks(tx, row)
    members = set(roll)
    for candidate, student_row in await store.candidates(
        tx, eid, [CandidateStatus.APPROVED.value]
    ):
        reasons = ineligibility(
            policy,
            to_student(student_row),
            club.category,
            candidate.student_pk in members,
            positions[candidate.position_id].leader,
        )
        if reasons:
            candidate.status = CandidateStatus.INELIGIBLE.value
            candidate.reason = ", ".join(reasons)
    await tx.session.flush()
    on_paper = {p.id for p in await paper(tx, eid)}
    for position in positions.values():
        position.on_ballot = position.id in on_paper
    if not on_paper:
        await _end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
        return
    await store.snapshot(tx, eid, roll)
    row.members = len(roll)
    row.phase = Phase.VOTING.value
    row.voting_opens_at = now
    if row.voting_closes_at is None or row.voting_closes_at <= now:
        row.voting_closes_at = now + row.voting_days * DAY
    row.remind_at = row.voting_closes_at - policy.election_reminder_lead_days * DAY
    row.reminded = row.remind_at <= now
    row.next_at = _next_time(row)
    await tx.session.flush()
    await _audit(
        tx,
        now,
        None,
        "voting",
        row,
        voters=row.members,
        opens=row.voting_opens_at,
        closes=row.voting_closes_at,
    )
    await _tell_members(
        tx,
        now,
        row,
        club,
        "open",
        "election.voting_open",
        _vote_buttons,
        closes=_day(cal, row.voting_closes_at),
    )


async def _remind(tx: Tx, cal: Calendar, now: datetime, row: ElectionRow, club: Club) -> None:
    eid = _eid(row)
    messages = [
        outbox.Message(
            key=f"el:{eid}:remind:{person.user_id}",
            chat_id=person.user_id,
            text=tr(
                person.language,
                "election.reminder",
                club=club.name,
                closes=_day(cal, row.voting_closes_at),
            ),
            buttons=_vote_buttons(person.language, eid),
        )
        for person in await store.non_voters(tx, eid)
    ]
    await outbox.enqueue_many(tx, messages, now)
    row.reminded = True
    row.next_at = row.voting_closes_at


def rules_of(row: ElectionRow) -> tally.Rules:
    return tally.Rules(row.members or 0, Fraction(row.quorum), row.seed)


async def _close(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: ElectionRow, club: Club
) -> None:
    """Count every position at the deadline; fail without quorum; a runoff for exact ties."""
    eid = _eid(row)
    rules = rules_of(row)
    results = []
    for p in await paper(tx, eid):
        ballots = [tally.Ballot(r, c) for r, c in await store.ballots(tx, p.id)]
        result = tally.tally(p.position, ballots, rules)
        p.row.result = json.dumps(tally.result_json(result))
        results.append((p, result))
    # The counts as published to the members: totals only, never a ballot.
    await _audit(
        tx,
        now,
        None,
        "count",
        row,
        results={p.row.key: json.loads(p.row.result or "{}") for p, _ in results},
    )
    if any(r.outcome is tally.Outcome.NO_QUORUM for _, r in results):
        await _end(tx, now, row, club, Phase.FAILED, Reason.NO_QUORUM)
        await _tell_members(
            tx,
            now,
            row,
            club,
            "failed",
            None,
            _no_buttons,
            render=lambda lang: tr(
                lang,
                "election.failed_members",
                club=club.name,
                reason=tr(lang, "election.reason.no_quorum"),
            ),
        )
        return
    for p, result in results:
        if result.outcome is tally.Outcome.RUNOFF:
            await _runoff(tx, policy, cal, now, row, club, p, result)
    row.phase = Phase.RESULTS.value
    row.results_until = now + row.result_days * DAY
    row.next_at = row.results_until
    await tx.session.flush()
    await _audit(tx, now, None, "results", row, until=row.results_until)
    await _tell_members(
        tx,
        now,
        row,
        club,
        "results",
        None,
        _objection_buttons,
        render=lambda lang: results_text(lang, cal, club, row, results),
    )


async def _runoff(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    parent: ElectionRow,
    club: Club,
    p: Paper,
    result: tally.Result,
) -> None:
    """A new vote among the tied candidates, for the seats still free, opening now."""
    free = p.position.seats - len(result.elected)
    method = p.position.method
    seats = free if method in (tally.Method.BLOCK, tally.Method.APPROVAL) else 1
    row = ElectionRow(
        club_id=parent.club_id,
        application_id=parent.application_id,
        kind=parent.kind,
        phase=Phase.PUBLICITY.value,
        founding=parent.founding,
        parent_id=parent.id,
        started_by=parent.started_by,
        created_at=now,
        publicity_days=parent.publicity_days,
        voting_days=parent.voting_days,
        result_days=parent.result_days,
        quorum=parent.quorum,
        seed=parent.seed,
    )
    position = ElectionPositionRow(
        ord=0,
        key=p.row.key,
        title=p.row.title,
        method=method.value,
        seats=seats,
        leader=p.row.leader,
        election_id=0,
    )
    eid = await store.add(tx, row, [position])
    assert position.id is not None
    for candidate_key_ in result.runoff:
        old = await store.candidate(tx, int(candidate_key_[1:]))
        assert old is not None
        tx.session.add(
            CandidateRow(
                election_id=eid,
                position_id=position.id,
                student_pk=old.student_pk,
                nominated_by=old.nominated_by,
                status=CandidateStatus.APPROVED.value,
                created_at=now,
            )
        )
    await tx.session.flush()
    await _open_voting(tx, policy, cal, now, row, club)


async def _remind_review(tx: Tx, now: datetime, row: ElectionRow, club: Club) -> None:
    """The list still waits for review after a day: the advisor (else staff) is told, once."""
    eid = _eid(row)
    row.next_at = None
    for level in (Level.ADVISOR, Level.STAFF):
        found = await _recipients(tx, row, level)
        if not found:
            continue
        await _ask(
            tx,
            now,
            found,
            f"el:{eid}:review-late",
            ("review_reminder", "approve_list"),
            ("ok", eid),
            club=club.name,
        )
        return


async def _ask(
    tx: Tx,
    now: datetime,
    recipients: list[Recipient],
    key: str,
    texts: tuple[str, str],
    action: tuple[str, int],
    **params: object,
) -> None:
    """Queue one message with one button to each person: `texts` are the message's and the
    button's keys (`election.*`, `button.election.*`), `action` the button's (kind, election)."""
    message_key, button_key = texts
    await outbox.enqueue_many(
        tx,
        [
            outbox.Message(
                key=f"{key}:{person.user_id}",
                chat_id=person.user_id,
                text=tr(person.language, f"election.{message_key}", **params),
                buttons=(
                    (
                        Button(
                            tr(person.language, f"button.election.{button_key}"),
                            callbacks.encode(ELECTION, *action),
                        ),
                    ),
                ),
            )
            for person in recipients
        ],
        now,
    )


async def _dissolution_passed(tx: Tx, row: ElectionRow) -> str | None:
    """The text of the dissolution motion if it passed (REG-11), else None."""
    for position in await store.positions(tx, _eid(row)):
        passed = str(tally.Outcome.PASSED)
        if (
            position.key == DISSOLVE
            and json.loads(position.result or "{}").get("outcome") == passed
        ):
            return position.title
    return None


async def _after_results(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: ElectionRow, club: Club
) -> None:
    eid = _eid(row)
    if row.application_id is not None:
        await _founding_result(tx, cal, now, row, club)
        return
    motion = await _dissolution_passed(tx, row)
    if motion is not None:
        await _end(tx, now, row, club, Phase.DONE, None)
        await lifecycle.dissolve_by_vote(tx, policy, cal, now, club.id, motion)
        return
    if not await _winners(tx, row):
        await _end(tx, now, row, club, Phase.DONE, None)
        return
    row.phase = Phase.APPROVAL.value
    row.next_at = None
    await _audit(tx, now, None, "approval", row)
    for level in (Level.ADVISOR, Level.UNIT, Level.STAFF):
        found = await _recipients(tx, row, level)
        await _ask(
            tx,
            now,
            found,
            f"el:{eid}:approve",
            ("approval_request", "approve"),
            ("ap", eid),
            club=club.name,
        )


async def _founding_result(
    tx: Tx, cal: Calendar, now: datetime, row: ElectionRow, club: Club
) -> None:
    """The founding meeting's decisions go to the application: charter adopted and a president
    elected, the advisor is asked to confirm; otherwise the sponsor may open another meeting."""
    app = await _application(tx, row)
    adopted = any(
        p.key == CHARTER
        and json.loads(p.result or "{}").get("outcome") == str(tally.Outcome.PASSED)
        for p in await store.positions(tx, _eid(row))
    )
    winners = await _winners(tx, row)
    elected = any(position == applications.PRESIDENT for _, position in winners)
    if app.state != "founding":
        # Withdrawn meanwhile: nothing to found.
        await _end(tx, now, row, club, Phase.CANCELLED, None)
        return
    if adopted and elected:
        await _end(tx, now, row, club, Phase.DONE, None)
        held = app.meeting_on or cal.today(now)
        outcome = applications.Outcome(held, True, tuple(winners), _eid(row))
        await applications.record_outcome(tx, cal, now, row.started_by, app.id, outcome)
        return
    await _end(tx, now, row, club, Phase.FAILED, None)
    lang = await people.language_of(tx, app.sponsor_user)
    key = "election.founding_not_adopted" if not adopted else "election.founding_no_president"
    await outbox.enqueue(
        tx, f"el:{_eid(row)}:founding-failed", app.sponsor_user, tr(lang, key, club=club.name), now
    )


async def _winners(tx: Tx, row: ElectionRow) -> list[tuple[int, str]]:
    """(student pk, position key) of everyone elected, in ballot order."""
    found = []
    for position in await store.positions(tx, _eid(row)):
        if position.result is None or position.method == tally.Method.MOTION:
            continue
        for key in json.loads(position.result)["elected"]:
            candidate = await store.candidate(tx, int(key[1:]))
            assert candidate is not None
            found.append((candidate.student_pk, position.key))
    return found


async def approve_result(
    tx: Tx, now: datetime, user_id: int, election_id: int
) -> tuple[ElectionRow, Club]:
    """The advisor and the guidance unit approve the result; with both, the winners take
    office. Staff stand in for an advisor or a unit that has nobody to act."""
    row, club = await _election(tx, election_id, lock=True)
    _phase(row, Phase.APPROVAL)
    acted = False
    staff = await _is_staff(tx, user_id)
    if row.advisor_ok_by is None and (
        await _is_advisor(tx, user_id, club.id)
        or (staff and await advisors.current(tx, club.id) is None)
    ):
        row.advisor_ok_by = user_id
        acted = True
    if row.unit_ok_by is None and (
        await _is_rep(tx, user_id, club.id)
        or (staff and not (await reach.recipients(tx, Level.UNIT, [club.id])).get(club.id))
    ):
        row.unit_ok_by = user_id
        acted = True
    if not acted:
        raise NotAllowed()
    await _audit(
        tx, now, user_id, "approve", row, advisor_ok=row.advisor_ok_by, unit_ok=row.unit_ok_by
    )
    if row.advisor_ok_by is not None and row.unit_ok_by is not None:
        winners = await _winners(tx, row)
        await officers.take_office(tx, club.id, winners, _eid(row), now)
        await _audit(
            tx,
            now,
            user_id,
            "office",
            row,
            officers=[{"student_pk": pk, "position": key} for pk, key in winners],
        )
        await _end(tx, now, row, club, Phase.DONE, None)
        await _tell_members(tx, now, row, club, "office", "election.took_office", _no_buttons)
    await tx.session.flush()
    return row, club


async def _end(
    tx: Tx, now: datetime, row: ElectionRow, club: Club, phase: Phase, reason: Reason | None
) -> None:
    """End the election; the officers are told why when it failed or was cancelled."""
    row.phase = phase.value
    row.ended_at = now
    row.end_reason = reason.value if reason else None
    row.next_at = None
    await tx.session.flush()
    await _audit(tx, now, None, "end", row, reason=row.end_reason)
    if reason is None:
        return
    eid = _eid(row)
    found = await _recipients(tx, row, Level.OFFICERS)
    if not found:
        found = await _recipients(tx, row, Level.ADVISOR)
    messages = [
        outbox.Message(
            key=f"el:{eid}:end:{person.user_id}",
            chat_id=person.user_id,
            text=tr(
                person.language,
                "election.failed_officers",
                club=club.name,
                reason=tr(person.language, f"election.reason.{reason.value}"),
            ),
        )
        for person in found
    ]
    await outbox.enqueue_many(tx, messages, now)


# --- messages ------------------------------------------------------------------------------


def results_text(
    lang: Language,
    cal: Calendar,
    club: Club,
    row: ElectionRow,
    results: Sequence[tuple[Paper, tally.Result]],
) -> str:
    lines = [
        tr(
            lang,
            "election.results",
            club=club.name,
            members=row.members or 0,
            until=_day(cal, row.results_until),
        )
    ]
    for p, result in results:
        names = {c.id: c.name for c in p.position.candidates}
        counts = ", ".join(
            f"{names[c] if c in names else tr(lang, f'motion.{c}')} {n}" for c, n in result.counts
        )
        lines.append(
            tr(
                lang,
                "election.result_line",
                position=p.position.title,
                turnout=result.turnout,
                counts=counts,
            )
        )
        if result.outcome is tally.Outcome.PASSED or result.outcome is tally.Outcome.REJECTED:
            lines.append(tr(lang, f"motion.{result.outcome.value}"))
        elif result.outcome is tally.Outcome.RUNOFF:
            lines.append(
                tr(lang, "election.runoff", names=", ".join(names[c] for c in result.runoff))
            )
        else:
            elected = ", ".join(names[c] for c in result.elected) or "—"
            lines.append(tr(lang, "election.elected", names=elected))
        if result.lot:
            lines.append(tr(lang, "election.lot", order=", ".join(names[c] for c in result.lot)))
    return "\n".join(lines)


def _day(cal: Calendar, at: datetime | None) -> str:
    """A moment as the university reads it: local date and time in TIMEZONE."""
    return at.astimezone(cal.zone).strftime("%Y-%m-%d %H:%M") if at else "—"


def _utc(at: datetime | None) -> str:
    # The export is read by machines anywhere: UTC, said so.
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def _no_buttons(lang: Language, eid: int) -> Keyboard:
    return ()


def _nominate_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.nominate"), callbacks.encode(ELECTION, "n", eid)),),)


def _vote_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.vote"), callbacks.encode(VOTE, eid)),),)


def _objection_buttons(lang: Language, eid: int) -> Keyboard:
    return ((Button(tr(lang, "button.election.object"), callbacks.encode(ELECTION, "o", eid)),),)


async def _tell_members(
    tx: Tx,
    now: datetime,
    row: ElectionRow,
    club: Club,
    event: str,
    key: str | None,
    buttons: Any,
    *,
    render: Any = None,
    **params: object,
) -> None:
    """One message per member's account, under the key `el:<election>:<event>:<user>`."""
    eid = _eid(row)
    messages = []
    for person in await _member_accounts(tx, row):
        lang = person.language
        text = (
            render(lang) if render is not None else tr(lang, key or "", club=club.name, **params)
        )
        messages.append(
            outbox.Message(
                f"el:{eid}:{event}:{person.user_id}", person.user_id, text, buttons(lang, eid)
            )
        )
    await outbox.enqueue_many(tx, messages, now)


# --- verifiability ---------------------------------------------------------------------------


async def export_document(tx: Tx, election_id: int) -> dict[str, Any]:
    """The counted election as a `clubbot-election/1` document: anonymous ballots, receipts,
    candidates and the results recorded at the count (see bot/domain/tally.py)."""
    row = await store.get(tx, election_id)
    if row is None:
        raise UnknownElection()
    counted = [p for p in await paper(tx, election_id) if p.row.result is not None]
    if row.members is None or not counted:
        raise WrongPhase(phase=row.phase)
    club = await _club_of(tx, row)
    rules = rules_of(row)
    entries = []
    for p in counted:
        ballots = [tally.Ballot(r, c) for r, c in await store.ballots(tx, p.id)]
        entries.append((p.position, ballots, tally.tally(p.position, ballots, rules)))
    meta = {
        "id": election_id,
        "club": club.name,
        "kind": row.kind,
        "runoff_of": row.parent_id,
        "voting_opened": _utc(row.voting_opens_at),
        "voting_closed": _utc(row.voting_closes_at),
        "phase": row.phase,
    }
    document = tally.to_document(meta, rules, entries)
    # The file carries what was recorded at the count, so the recount checks the record.
    for entry, p in zip(document["positions"], counted, strict=True):
        assert p.row.result is not None
        entry["result"] = json.loads(p.row.result)
    return document
