"""The clubs a student leads now: the one reading of it that officers' commands share (/accounts,
/finance, /review)."""

from __future__ import annotations

from bot.domain.values import Club, NotClubOfficer, Student
from storage import officers
from storage.tx import Tx


async def officer_clubs(tx: Tx, student: Student | None) -> list[Club]:
    """The clubs in which the student holds a position now (any state: a suspended club may
    still appeal its review)."""
    return [] if student is None else await officers.clubs_led_by(tx, student.id)


async def club_of(tx: Tx, student: Student | None, club_id: int) -> Club:
    """The club, when the student holds a position in it now (checked at every step)."""
    club = next((c for c in await officer_clubs(tx, student) if c.id == club_id), None)
    if club is None:
        raise NotClubOfficer()
    return club
