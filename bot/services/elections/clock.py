"""The election clock: the steps due at the times stored on each election (ORG-5, ORG-7).

Nominations close, voting opens and closes, non-voters are reminded, the count is published
and, after the results' publicity, the winners wait for approval (or a founding meeting's
decisions go to its application, or a passed dissolution motion dissolves the club, REG-11).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from fractions import Fraction

from bot.domain import tally
from bot.domain.calendar import Calendar
from bot.domain.elections import (
    CHARTER,
    DISSOLVE,
    CandidateStatus,
    Election,
    Phase,
    PositionSpec,
    Reason,
    ineligibility,
)
from bot.domain.policy import Level, Policy
from bot.domain.values import Club, ClubStatus, NotAllowed
from bot.services import accounts, applications, lifecycle
from bot.services.elections import access, notices, voting
from bot.services.elections.voting import Paper
from storage import advisors, officers
from storage import deadlines as deadlines_store
from storage import elections as elections_store
from storage.tx import Tx

DAY = timedelta(days=1)
# How long a candidate list waits for the advisor's review before they are reminded, once.
REVIEW_REMINDER_AFTER = DAY


async def advance(tx: Tx, policy: Policy, cal: Calendar, now: datetime, limit: int) -> int:
    """Take the steps that fell due for up to `limit` elections; how many were taken."""
    rows = await elections_store.due(tx, now, limit)
    for row in rows:
        await _step(tx, policy, cal, now, row)
    return len(rows)


async def _step(tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: Election) -> None:
    club = await access.club_of(tx, row)
    phase = row.phase
    if not row.founding and club.status is not ClubStatus.ACTIVE:
        await end(tx, now, row, club, Phase.CANCELLED, Reason.CLUB_INACTIVE)
    elif phase is Phase.NOMINATION and _reached(row.nominations_close_at, now):
        await _close_nominations(tx, now, row, club)
    elif phase is Phase.PUBLICITY and _reached(row.voting_opens_at, now):
        await open_voting(tx, policy, cal, now, row, club)
    elif phase is Phase.VOTING and _reached(row.voting_closes_at, now):
        await _close(tx, policy, cal, now, row, club)
    elif phase is Phase.VOTING and not row.reminded and _reached(row.remind_at, now):
        await _remind(tx, cal, now, row, club)
    elif phase is Phase.RESULTS and _reached(row.results_until, now):
        await _after_results(tx, policy, cal, now, row, club)
    elif phase is Phase.REVIEW and _reached(row.next_at, now):
        await _remind_review(tx, now, row, club)
    else:
        await elections_store.save(tx, replace(row, next_at=_next_time(row)))


def _reached(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now


def _next_time(row: Election) -> datetime | None:
    match row.phase:
        case Phase.NOMINATION:
            return row.nominations_close_at
        case Phase.PUBLICITY:
            return row.voting_opens_at
        case Phase.VOTING:
            return row.voting_closes_at if row.reminded else row.remind_at
        case Phase.RESULTS:
            return row.results_until
    return None


async def _close_nominations(tx: Tx, now: datetime, row: Election, club: Club) -> None:
    late = await elections_store.candidates(tx, row.id, [CandidateStatus.NOMINATED])
    await elections_store.set_status(
        tx, [c.id for c, _ in late], CandidateStatus.DECLINED, reason="not accepted in time"
    )
    listed = await elections_store.candidates(tx, row.id, [CandidateStatus.ACCEPTED])
    if not listed:
        await end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
        return
    row = replace(row, phase=Phase.REVIEW, next_at=now + REVIEW_REMINDER_AFTER)
    await elections_store.save(tx, row)
    await access.record(tx, now, None, "review", row, candidates=[c.id for c, _ in listed])
    titles = {
        p.id: notices.words(p.key, p.title) for p in await elections_store.positions(tx, row.id)
    }
    for level in (Level.ADVISOR, Level.STAFF):
        found = await access.recipients(tx, row, level)
        if found:
            await notices.ask_review(tx, now, found, row, club, listed, titles)
            return


async def open_voting(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: Election, club: Club
) -> Election:
    """Freeze the ballot and the roll and open voting now; the election as it stands after."""
    # Candidates who stopped being eligible since the review do not go on the ballot.
    positions = {p.id: p for p in await elections_store.positions(tx, row.id)}
    roll = await access.member_pks(tx, row)
    members = set(roll)
    for candidate, student in await elections_store.candidates(
        tx, row.id, [CandidateStatus.APPROVED]
    ):
        reasons = ineligibility(
            policy,
            student,
            club.category,
            candidate.student_pk in members,
            positions[candidate.position_id].leader,
        )
        if reasons:
            await elections_store.set_status(
                tx, [candidate.id], CandidateStatus.INELIGIBLE, reason=", ".join(reasons)
            )
    on_paper = {p.id for p in await voting.paper(tx, row.id)}
    await elections_store.set_on_ballot(tx, row.id, on_paper)
    if not on_paper:
        return await end(tx, now, row, club, Phase.FAILED, Reason.NO_CANDIDATES)
    await elections_store.snapshot(tx, row.id, roll)
    closes = row.voting_closes_at
    if closes is None or closes <= now:
        closes = now + row.voting_days * DAY
    remind_at = closes - policy.election_reminder_lead_days * DAY
    row = replace(
        row,
        members=len(roll),
        phase=Phase.VOTING,
        voting_opens_at=now,
        voting_closes_at=closes,
        remind_at=remind_at,
        reminded=remind_at <= now,
    )
    row = replace(row, next_at=_next_time(row))
    await elections_store.save(tx, row)
    await access.record(
        tx,
        now,
        None,
        "voting",
        row,
        voters=row.members,
        opens=row.voting_opens_at,
        closes=row.voting_closes_at,
    )
    await notices.voting_open(tx, cal, now, row, club)
    return row


async def _remind(tx: Tx, cal: Calendar, now: datetime, row: Election, club: Club) -> None:
    people = await elections_store.non_voters(tx, row.id)
    await notices.remind_voters(tx, cal, now, people, row, club)
    await elections_store.save(tx, replace(row, reminded=True, next_at=row.voting_closes_at))


def rules_of(row: Election) -> tally.Rules:
    """The counting rules fixed for this election: roll size, quorum, tie-break seed."""
    return tally.Rules(row.members or 0, Fraction(row.quorum), row.seed)


async def _close(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: Election, club: Club
) -> None:
    """Count every position at the deadline; fail without quorum; a runoff for exact ties."""
    rules = rules_of(row)
    results = []
    for p in await voting.paper(tx, row.id):
        ballots = [tally.Ballot(r, c) for r, c in await elections_store.ballots(tx, p.id)]
        result = tally.tally(p.position, ballots, rules)
        await elections_store.record_result(tx, p.id, tally.result_json(result))
        results.append((p, result))
    # The counts as published to the members: totals only, never a ballot.
    await access.record(
        tx,
        now,
        None,
        "count",
        row,
        results={p.stored.key: tally.result_json(r) for p, r in results},
    )
    if any(r.outcome is tally.Outcome.NO_QUORUM for _, r in results):
        await end(tx, now, row, club, Phase.FAILED, Reason.NO_QUORUM)
        await notices.no_quorum(tx, now, row, club)
        return
    for p, result in results:
        if result.outcome is tally.Outcome.RUNOFF:
            await _runoff(tx, policy, cal, now, row, club, p, result)
    row = replace(row, phase=Phase.RESULTS, results_until=now + row.result_days * DAY)
    row = replace(row, next_at=row.results_until)
    await elections_store.save(tx, row)
    await access.record(tx, now, None, "results", row, until=row.results_until)
    await notices.publish_results(tx, cal, now, row, club, results)


async def _runoff(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    parent: Election,
    club: Club,
    p: Paper,
    result: tally.Result,
) -> None:
    """A new vote among the tied candidates, for the seats still free, opening now."""
    free = p.position.seats - len(result.elected)
    method = p.position.method
    seats = free if method in (tally.Method.BLOCK, tally.Method.APPROVAL) else 1
    spec = PositionSpec(p.stored.key, p.stored.title, method, seats, p.stored.leader)
    row = await elections_store.add(
        tx,
        club_id=parent.club_id,
        application_id=parent.application_id,
        kind=parent.kind,
        phase=Phase.PUBLICITY,
        founding=parent.founding,
        started_by=parent.started_by,
        now=now,
        days=(parent.publicity_days, parent.voting_days, parent.result_days),
        quorum=parent.quorum,
        seed=parent.seed,
        positions=[spec],
        parent_id=parent.id,
    )
    # A runoff continues its parent: the one-running-election rule does not count it.
    assert row is not None
    [position] = await elections_store.positions(tx, row.id)
    for key in result.runoff:
        old = await elections_store.candidate(tx, int(key[1:]))
        assert old is not None
        added = await elections_store.add_candidate(
            tx,
            row.id,
            position.id,
            old.student_pk,
            old.nominated_by,
            CandidateStatus.APPROVED,
            now,
        )
        # Tied candidates are different students: no live candidacy refuses them.
        assert added is not None
    await open_voting(tx, policy, cal, now, row, club)


async def _remind_review(tx: Tx, now: datetime, row: Election, club: Club) -> None:
    """The list still waits for review after a day: the advisor (else staff) is told, once."""
    row = replace(row, next_at=None)
    await elections_store.save(tx, row)
    for level in (Level.ADVISOR, Level.STAFF):
        found = await access.recipients(tx, row, level)
        if found:
            await notices.remind_review(tx, now, found, row, club)
            return


async def _dissolution_passed(tx: Tx, row: Election) -> str | None:
    """The text of the dissolution motion if it passed (REG-11), else None."""
    passed = str(tally.Outcome.PASSED)
    for position in await elections_store.positions(tx, row.id):
        if position.key == DISSOLVE and (position.result or {}).get("outcome") == passed:
            return position.title
    return None


async def _after_results(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, row: Election, club: Club
) -> None:
    if row.application_id is not None:
        await _founding_result(tx, cal, now, row, club)
        return
    motion = await _dissolution_passed(tx, row)
    if motion is not None:
        await end(tx, now, row, club, Phase.DONE, None)
        await lifecycle.dissolve_by_vote(tx, policy, cal, now, club.id, motion)
        return
    if not await _winners(tx, row):
        await end(tx, now, row, club, Phase.DONE, None)
        return
    row = replace(row, phase=Phase.APPROVAL, next_at=None)
    await elections_store.save(tx, row)
    await access.record(tx, now, None, "approval", row)
    elected = (await elections_store.elected(tx, [row.id])).get(row.id, [])
    for level in (Level.ADVISOR, Level.UNIT, Level.STAFF):
        found = await access.recipients(tx, row, level)
        await notices.ask_approval(tx, now, found, row, club, elected)


async def _founding_result(
    tx: Tx, cal: Calendar, now: datetime, row: Election, club: Club
) -> None:
    """The founding meeting's decisions go to the application: charter adopted and a president
    elected, the advisor is asked to confirm; otherwise the sponsor may open another meeting."""
    app = await access.application(tx, row)
    adopted = any(
        p.key == CHARTER and (p.result or {}).get("outcome") == str(tally.Outcome.PASSED)
        for p in await elections_store.positions(tx, row.id)
    )
    winners = await _winners(tx, row)
    elected = any(position == applications.PRESIDENT for _, position in winners)
    if app.state != "founding":
        # Withdrawn meanwhile: nothing to found.
        await end(tx, now, row, club, Phase.CANCELLED, None)
        return
    if adopted and elected:
        await end(tx, now, row, club, Phase.DONE, None)
        held = app.meeting_on or cal.today(now)
        outcome = applications.Outcome(held, True, tuple(winners), row.id)
        await applications.record_outcome(tx, cal, now, row.started_by, app.id, outcome)
        return
    await end(tx, now, row, club, Phase.FAILED, None)
    await notices.founding_failed(tx, now, row, club, app.sponsor_user, adopted)


async def _winners(tx: Tx, row: Election) -> list[tuple[int, str]]:
    """(student pk, position key) of everyone elected, in ballot order."""
    found = []
    for position in await elections_store.positions(tx, row.id):
        if position.result is None or position.method is tally.Method.MOTION:
            continue
        for key in position.result["elected"]:
            candidate = await elections_store.candidate(tx, int(key[1:]))
            assert candidate is not None
            found.append((candidate.student_pk, position.key))
    return found


async def approve_result(
    tx: Tx, now: datetime, user_id: int, election_id: int
) -> tuple[Election, Club]:
    """The advisor and the guidance unit approve the result; with both, the winners take
    office. Staff stand in for an advisor or a unit that has nobody to act."""
    row, club = await access.election(tx, election_id, lock=True)
    access.require_phase(row, Phase.APPROVAL)
    acted = False
    staff = await access.is_staff(tx, user_id)
    if row.advisor_ok_by is None and (
        await access.is_advisor(tx, user_id, club.id)
        or (staff and await advisors.current(tx, club.id) is None)
    ):
        row = replace(row, advisor_ok_by=user_id)
        acted = True
    if row.unit_ok_by is None and (
        await access.is_rep(tx, user_id, club.id)
        or (
            staff
            and not (await deadlines_store.recipients(tx, Level.UNIT, [club.id])).get(club.id)
        )
    ):
        row = replace(row, unit_ok_by=user_id)
        acted = True
    if not acted:
        raise NotAllowed()
    await elections_store.save(tx, row)
    await access.record(
        tx, now, user_id, "approve", row, advisor_ok=row.advisor_ok_by, unit_ok=row.unit_ok_by
    )
    if row.advisor_ok_by is not None and row.unit_ok_by is not None:
        winners = await _winners(tx, row)
        await officers.take_office(tx, club.id, winners, row.id, now)
        await accounts.hand_over(tx, now, [club.id])  # ACT-6: admin rights change hands
        await access.record(
            tx,
            now,
            user_id,
            "office",
            row,
            officers=[{"student_pk": pk, "position": key} for pk, key in winners],
        )
        row = await end(tx, now, row, club, Phase.DONE, None)
        await notices.took_office(tx, now, row, club)
    return row, club


async def end(
    tx: Tx, now: datetime, row: Election, club: Club, phase: Phase, reason: Reason | None
) -> Election:
    """End the election; the officers are told why when it failed or was cancelled."""
    row = replace(
        row,
        phase=phase,
        ended_at=now,
        end_reason=reason.value if reason else None,
        next_at=None,
    )
    await elections_store.save(tx, row)
    await access.record(tx, now, None, "end", row, reason=row.end_reason)
    if reason is None:
        return row
    found = await access.recipients(tx, row, Level.OFFICERS)
    if not found:
        found = await access.recipients(tx, row, Level.ADVISOR)
    await notices.ended(tx, now, found, row, club, reason)
    return row
