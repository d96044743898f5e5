"""General meetings (ORG-3): officers record one, the advisor confirms it, the deadline moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.calendar import Calendar
from bot.domain.policy import Level, Policy
from bot.domain.values import (
    BadMeetingDate,
    Club,
    ClubNotActive,
    ClubStatus,
    DeadlineKind,
    MeetingStatus,
    NotAllowed,
    NothingToConfirm,
    NotOfficer,
    Role,
    Student,
    UnknownClub,
)
from bot.services import reminders
from bot.services.notices import meetings as meeting_notices
from storage import advisors, clubs, officers, outbox, people, units
from storage import deadlines as deadlines_store
from storage import meetings as meetings_store
from storage.meetings import Meeting
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Recorded:
    club: Club
    meeting_id: int
    asked: int  # how many people were asked to confirm


async def require_officer(tx: Tx, student: Student | None, club_id: int) -> Club:
    """The club, if the student is one of its current officers and it is active (REG-7)."""
    club = await clubs.club(tx, club_id)
    if club is None:
        raise UnknownClub(name=str(club_id))
    if student is None or not await officers.is_officer(tx, student.id, club.id):
        raise NotOfficer(club=club.name)
    if club.status is not ClubStatus.ACTIVE:
        raise ClubNotActive(club=club.name)
    return club


async def record(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    held_on: date,
) -> Recorded:
    """An officer records a general meeting; it waits for the advisor's confirmation.

    The officers' reminders of the meeting deadline stop here; whoever confirms is asked now.
    """
    club = await require_officer(tx, student, club_id)
    last = await meetings_store.last_confirmed(tx, club.id)
    if held_on > cal.today(now) or (last is not None and held_on <= last):
        raise BadMeetingDate(date=held_on.isoformat(), last=last.isoformat() if last else "—")
    meeting_id = await meetings_store.record(
        tx, club.id, held_on, MeetingStatus.PENDING, now, recorded_by=user_id
    )
    deadline = await deadlines_store.open_deadline(tx, club.id, DeadlineKind.MEETING)
    if deadline is not None:
        await outbox.clear(tx, [deadline.id])
    meeting = Meeting(meeting_id, club.id, held_on, MeetingStatus.PENDING, user_id)
    return Recorded(club, meeting_id, await _ask_to_confirm(tx, policy, now, club, meeting))


async def _ask_to_confirm(
    tx: Tx, policy: Policy, now: datetime, club: Club, meeting: Meeting
) -> int:
    """Ask the advisor (or, without a reachable one, the next level) to confirm."""
    # The advisor first, then the escalation levels after it (each level asked at most once).
    for level in dict.fromkeys((Level.ADVISOR, *policy.escalation_levels)):
        if level is Level.OFFICERS:
            continue
        found = (await deadlines_store.recipients(tx, level, [club.id])).get(club.id, [])
        if not found:
            continue
        messages = [meeting_notices.confirm_request(club, meeting, person) for person in found]
        await outbox.enqueue_many(tx, messages, now)
        return len(messages)
    return 0


async def may_decide(tx: Tx, user_id: int, club: Club) -> bool:
    """ORG-3: the club's advisor confirms; the unit's representatives and staff may too."""
    if Role.STAFF in await people.roles_of(tx, user_id):
        return True
    mine = await people.advisor_of_account(tx, user_id)
    current = await advisors.current(tx, club.id)
    if mine is not None and current is not None and current.advisor.id == mine.id:
        return True
    unit_id = await clubs.unit_of(tx, club.id)
    return unit_id is not None and unit_id in await units.units_represented_by(tx, user_id)


async def decide(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    meeting_id: int,
    confirm: bool,
) -> tuple[Club, Meeting]:
    """Confirm (the deadline moves N months on) or reject a recorded meeting."""
    meeting = await meetings_store.meeting(tx, meeting_id)
    club = await clubs.club(tx, meeting.club_id) if meeting is not None else None
    if meeting is None or club is None:
        raise NothingToConfirm()
    if not await may_decide(tx, user_id, club):
        raise NotAllowed()
    status = MeetingStatus.CONFIRMED if confirm else MeetingStatus.REJECTED
    if not await meetings_store.decide(tx, meeting.id, status, user_id, now):
        raise NothingToConfirm()
    if confirm:
        await reminders.refresh(tx, policy, cal, now, [club.id])
    if meeting.recorded_by is not None and meeting.recorded_by != user_id:
        lang = await people.language_of(tx, meeting.recorded_by)
        await outbox.enqueue(
            tx,
            f"gm-decided:{meeting.id}",
            meeting.recorded_by,
            meeting_notices.decided(lang, club, meeting, confirm),
            now,
        )
    return club, meeting
