"""Annual reviews (REG-5), review and re-registration windows, and re-registration (ORG-2)."""

from __future__ import annotations

from datetime import date, datetime

from bot.calendar import Calendar
from bot.domain import Club, DeadlineKind, ReviewResult, Student
from bot.policy import Policy
from bot.services import reminders
from bot.services.meetings import require_officer
from storage import deadlines as store
from storage import reviews
from storage.tx import Tx


class BadWindow(ValueError):
    """A window that closes before it opens."""


async def record_result(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    club: Club,
    result: ReviewResult,
    decided_on: date,
    year: int | None = None,
    recorded_by: int | None = None,
) -> bool:
    """Staff record a club's review result for a year (by default the decision's year)."""
    created = await reviews.record_result(
        tx, club.id, year or decided_on.year, result, decided_on, now, recorded_by
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return created


def check_window(opens_on: date, closes_on: date) -> None:
    if closes_on < opens_on:
        raise BadWindow(f"the window closes ({closes_on}) before it opens ({opens_on})")


async def reregister(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
) -> tuple[Club, int | None]:
    """An officer confirms the club's member list for the academic year whose re-registration
    is open; the year, or None when no re-registration is due."""
    club = await require_officer(tx, student, club_id)
    deadline = await store.open_deadline(tx, club.id, DeadlineKind.REREGISTRATION)
    if deadline is None or deadline.subject is None:
        return club, None
    await reviews.reregister(tx, club.id, deadline.subject, now, user_id)
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return club, deadline.subject
