"""Club profiles: what a club tells students about itself, kept by its officers and advisor.

A profile has four parts, each changed on its own: a description, where the club meets, the
link to its Telegram group, and the dues its charter fixes (ACT-8, the advisor's to record).
Each change is checked here and recorded in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from bot.domain.values import Club, ClubProfile, DomainError, Student
from storage import advisors, audit, clubs, officers
from storage.tx import Tx

# How long each part may be, in characters.
LIMITS = {"description": 1000, "meeting_place": 200, "group_link": 200, "dues": 100}
# A Telegram group's link: a public name (t.me/name) or an invitation (t.me/+code, joinchat).
GROUP_LINK = re.compile(
    r"(?:https?://)?(?:t|telegram)\.me/(?P<path>(?:\+|joinchat/)[\w-]{5,}|[A-Za-z]\w{3,31})/?",
    re.IGNORECASE,
)


class Part(StrEnum):
    DESCRIPTION = "description"
    MEETING_PLACE = "meeting_place"
    GROUP_LINK = "group_link"
    DUES = "dues"  # ACT-8: only the club's advisor records what the charter fixes


class NotKeeper(DomainError):
    """Only the club's officers and its advisor keep its profile."""

    key = "error.profile.not_keeper"


class DuesByAdvisor(DomainError):
    """ACT-8: the dues the charter fixes are recorded by the club's advisor, who read it."""

    key = "error.profile.dues_by_advisor"


class TooLong(DomainError):
    key = "error.profile.too_long"


class NotAGroupLink(DomainError):
    key = "error.profile.not_a_group_link"


async def kept_by(tx: Tx, student: Student | None, advisor_pk: int | None) -> list[Club]:
    """The clubs whose profile this person keeps: as an officer, or as the advisor (the turn's
    student record and advisor record, as the engine read them)."""
    kept: dict[int, Club] = {}
    if student is not None and student.id is not None:
        kept.update({c.id: c for c in await officers.clubs_led_by(tx, student.id)})
    if advisor_pk is not None:
        for appointment in await advisors.current_for_advisor(tx, advisor_pk):
            club = await clubs.club(tx, appointment.club_id)
            if club is not None:
                kept[club.id] = club
    return sorted(kept.values(), key=lambda c: c.name)


def checked(part: Part, value: str) -> str:
    """`value` as it is kept for `part`, or the reason it cannot be; "-" clears the part."""
    value = value.strip()
    if value == "-":
        return ""
    if len(value) > LIMITS[part.value]:
        raise TooLong(max=LIMITS[part.value], length=len(value))
    if part is Part.GROUP_LINK:
        link = GROUP_LINK.fullmatch(value)
        if link is None:
            raise NotAGroupLink()
        return f"https://t.me/{link['path']}"
    return value


async def change(
    tx: Tx,
    now: datetime,
    user_id: int,
    student: Student | None,
    advisor_pk: int | None,
    club_id: int,
    part: Part,
    value: str,
) -> ClubProfile:
    """Set one part of the club's profile; the profile as it is now."""
    if club_id not in {c.id for c in await kept_by(tx, student, advisor_pk)}:
        raise NotKeeper()
    if part is Part.DUES:
        appointment = await advisors.current(tx, club_id)
        if advisor_pk is None or appointment is None or appointment.advisor.id != advisor_pk:
            raise DuesByAdvisor(rule="ACT-8")
    kept = checked(part, value)
    before = await clubs.profile(tx, club_id)
    after = replace(before, **{part.value: kept})
    await clubs.save_profile(tx, club_id, after, now, user_id)
    await audit.append(
        tx,
        now,
        user_id,
        "club.profile",
        club_id=club_id,
        subject=f"club:{club_id}",
        before={part.value: getattr(before, part.value)},
        after={part.value: kept},
    )
    return after
