"""Starting an election, a general meeting's vote, or a club's founding meeting (ORG-3, REG-7).

With candidates to elect an election opens for nominations; with motions alone, voting opens
at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from bot.domain import tally
from bot.domain.calendar import Calendar
from bot.domain.elections import (
    CHARTER,
    DISSOLVE,
    BadBallot,
    Election,
    ElectionRunning,
    Kind,
    Phase,
    PositionSpec,
    Schedule,
    WrongPhase,
    check_specs,
)
from bot.domain.policy import Policy
from bot.domain.values import ClubNotActive, ClubStatus, NotAllowed, Student
from bot.services import applications
from bot.services.elections import access, clock, notices
from storage import applications as applications_store
from storage import elections as elections_store
from storage.tx import Tx


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
) -> Election:
    """Start an election (or a general-meeting vote) of an active club (REG-7).

    With candidates to elect it opens for nominations; with motions alone, voting opens now.
    `founding` is for the founding meeting of a club not yet active: the caller has checked
    that the club is approved and who may start it; with `application_id` (and no club) the
    founding members of that application are the voters. Dates are in `cal`'s local time.
    """
    cal = cal or Calendar.named()
    if application_id is not None:
        club = await access.founding_club(tx, application_id)
    else:
        assert club_id is not None
        club = await access.club(tx, club_id)
    if not founding:
        if club.status is not ClubStatus.ACTIVE:
            raise ClubNotActive(club=club.name)
        if not await access.may_start(tx, user_id, student, club.id):
            raise NotAllowed()
    specs = tuple(specs)
    check_specs(specs)
    if application_id is not None:
        if await elections_store.running_founding(tx, application_id) is not None:
            raise ElectionRunning(club=club.name)
    elif await elections_store.running(tx, club.id) is not None:
        raise ElectionRunning(club=club.name)
    plan = schedule or Schedule.of(policy)
    elects = any(s.method is not tally.Method.MOTION for s in specs)
    positions = [PositionSpec(s.key, s.title.strip(), s.method, s.seats, s.leader) for s in specs]
    row = await elections_store.add(
        tx,
        club_id=None if application_id is not None else club.id,
        application_id=application_id,
        kind=kind,
        phase=Phase.NOMINATION if elects else Phase.VOTING,
        founding=founding,
        started_by=user_id,
        now=now,
        days=(plan.publicity, plan.voting, plan.results),
        quorum=policy.election_quorum,
        # A founding meeting cannot hold a runoff (there is no club yet to hold it in, and the
        # founding waits on this result): its ties are drawn by lot, the seed published with the
        # candidate list like any lot.
        seed=(
            secrets.token_hex(16)
            if policy.election_tie_rule == "lot" or application_id is not None
            else None
        ),
        positions=positions,
        nominations_close_at=now + plan.nomination * clock.DAY if elects else None,
    )
    if row is None:
        # Another start won the race past the check above.
        raise ElectionRunning(club=club.name)
    titles = [p.title for p in positions]
    await access.record(
        tx, now, user_id, "start", row, kind=kind.value, founding=founding, positions=titles
    )
    if elects:
        await notices.nominations_open(
            tx,
            cal,
            now,
            row,
            club,
            [notices.words(p.key, p.title) for p in positions if p.method is not MOTION],
            [p.title for p in positions if p.method is MOTION],
        )
        return row
    return await clock.open_voting(tx, policy, cal, now, row, club)


MOTION = tally.Method.MOTION


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
) -> Election:
    """A general meeting's vote (ORG-3): yes/no/abstain motions (the charter, ...) and, at the
    founding meeting, the first officers, in one election with one quorum.

    For the founding meeting of an approved club pass `founding=True`: the club's status is not
    required to be active, and the caller has checked who may start it. `dissolution` is the
    text of a motion to dissolve the club (REG-11).
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
) -> Election:
    """The sponsor opens the founding general meeting of their approved application (ORG-3):
    the motion to adopt the charter and the first officers' election, in one vote of the
    founding members. Its result, once published, goes to the advisor to confirm."""
    app = await applications_store.get(tx, app_id)
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


async def founding_meeting(tx: Tx, app_id: int) -> Election | None:
    """The application's founding meeting under way, if any."""
    return await elections_store.running_founding(tx, app_id)
