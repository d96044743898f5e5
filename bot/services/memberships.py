"""Joining and leaving clubs (ORG-1, ORG-2, REG-7)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.policy import Policy
from bot.domain.values import (
    AlreadyMember,
    Club,
    ClubNotActive,
    ClubStatus,
    MembershipLimitReached,
    NoFormalStatus,
    NotBound,
    NotMember,
    Student,
    UnknownClub,
)
from bot.services.notices import Listing
from storage import clubs, people
from storage.tx import Tx


def require_bound(student: Student | None) -> Student:
    if student is None:
        raise NotBound()
    return student


def require_member_eligible(student: Student | None) -> Student:
    """ORG-1: only a bound record with formal status may hold memberships."""
    student = require_bound(student)
    if not student.has_formal_status:
        raise NoFormalStatus(status=student.status)
    return student


def limit_error(policy: Policy, current: list[Club]) -> MembershipLimitReached:
    return MembershipLimitReached(
        limit=policy.max_clubs_per_student, clubs=Listing(tuple(club.name for club in current))
    )


async def join(
    tx: Tx, policy: Policy, now: datetime, student: Student | None, club: Club | int
) -> Club:
    """Join a club (read in this transaction already, or by id), or raise the DomainError that
    says why not."""
    # Serialize this student's joins; then read everything again under the lock.
    student = require_member_eligible(
        await people.locked_student(tx, require_member_eligible(student))
    )
    if isinstance(club, int):
        found = await clubs.club(tx, club)
        if found is None:
            raise UnknownClub(name=str(club))
        club = found
    if club.status is not ClubStatus.ACTIVE:
        raise ClubNotActive(club=club.name)
    held = await clubs.active_memberships(tx, student.id)
    current = [c for _, c in held]
    if any(c.id == club.id for c in current):
        raise AlreadyMember(club=club.name)
    free = sorted(set(range(1, policy.max_clubs_per_student + 1)) - {slot for slot, _ in held})
    if not free:
        raise limit_error(policy, current)
    if not await clubs.add_membership(tx, student.id, club.id, free[0], now):
        # The unique slot index caught a join that raced past the count.
        raise limit_error(policy, current)
    return club


async def leave(tx: Tx, now: datetime, student: Student | None, club: Club | int) -> Club:
    """Leave a club (read in this transaction already, or by id) the student is in."""
    student = require_bound(student)
    found = await clubs.club(tx, club) if isinstance(club, int) else club
    if found is None or not await clubs.end_memberships(tx, student.id, now, "left", found.id):
        raise NotMember(club=found.name if found else str(club))
    return found


async def my_clubs(tx: Tx, student: Student) -> list[Club]:
    return [club for _, club in await clubs.active_memberships(tx, student.id)]
