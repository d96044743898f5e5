"""A generated university for the load benchmarks, at a scale of the real one.

At 1× (`scale=1.0`): 40,000 students, 1,500 clubs, 700 advisors, about 49,000 memberships (80 %
of students in one club, 42 % in a second), 50 guidance units, a president for every club,
an advisor for the first 1,400 clubs (two each, ADV-4's limit), last general meetings spread
over the past two years (a third overdue), and one large club, "Club 0", with 1 in 13 of the
students who are in a club (2,461 at 1×): the election burst's club. Its members, the
presidents and the first `chatters` students have bound Telegram accounts (user USER_BASE +
student number); the others are unbound, so `clubbot codes` has the launch day's work. Staff
is user STAFF. Rows go in with Core INSERTs in chunks; deadlines are then computed by the same
`refresh_all` the bot runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bench.seeding import UNITS, bulk, seed_units
from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from bot.domain.values import Language, Role
from bot.flows.privacy import notice_version
from schedules.deadlines import refresh_all
from storage import migrate, people
from storage.db import Database
from storage.models import (
    AccountRow,
    AdvisorRow,
    AppointmentRow,
    ClubRow,
    ConsentRow,
    GeneralMeetingRow,
    MembershipRow,
    OfficerRow,
    StudentRow,
)
from storage.tx import Tx

USER_BASE = 1_000_000
STAFF = 900
BIG_CLUB_EVERY = 13  # one in 13 of the students in a club is in Club 0


@dataclass(frozen=True, slots=True)
class University:
    students: int
    clubs: int
    advisors: int
    memberships: int
    big_club_members: list[int]  # student numbers (0-based) of Club 0's members
    bound: list[int]  # student numbers with a bound account

    @staticmethod
    def user(student: int) -> int:
        return USER_BASE + student


def _clubs_of(s: int, clubs: int) -> list[int]:
    """The clubs (0-based) student `s` is a member of: at most two."""
    found = []
    if s % 10 < 8:
        found.append(0 if s % BIG_CLUB_EVERY == 0 else 1 + (s * 7919) % (clubs - 1))
    if s % 100 < 42:
        second = 1 + (s * 104729 + 17) % (clubs - 1)
        if second not in found:
            found.append(second)
    return found


async def generate(
    db: Database, now: datetime, scale: float = 1.0, chatters: int = 400
) -> University:
    """Fill a migrated, empty database with a university of `scale` times the real size."""
    await migrate.upgrade(db)
    n_students, n_clubs = int(40_000 * scale), int(1_500 * scale)
    n_advisors = int(700 * scale)
    today = now.date()
    await seed_units(db, now)
    await bulk(
        db,
        StudentRow,
        [
            {
                "student_id": f"U{s:06d}",
                "name": f"Student {s}",
                "college": f"College {s % 20}",
                "class_name": f"C{s % 300}",
                "status": "enrolled",
                "disciplinary": s % 97 == 0,
                "rank_pct": (s * 37) % 101,
                "political": ("none", "league", "party")[s % 3],
                "updated_at": now,
            }
            for s in range(n_students)
        ],
    )
    memberships: list[dict[str, object]] = []
    members_of: dict[int, list[int]] = {}
    for s in range(n_students):
        for slot, club in enumerate(_clubs_of(s, n_clubs), start=1):
            members_of.setdefault(club, []).append(s)
            memberships.append(
                {
                    "student_pk": s + 1,
                    "club_id": club + 1,
                    "slot": slot,
                    "joined_at": now - timedelta(days=30 + s % 300),
                    "ended_at": None,
                    "end_reason": None,
                }
            )
    presidents = {club: members[0] for club, members in members_of.items()}
    big = members_of.get(0, [])
    bound = sorted(set(big) | set(presidents.values()) | set(range(min(chatters, n_students))))
    await bulk(
        db,
        AccountRow,
        [
            {
                "user_id": USER_BASE + s,
                "language": "zh" if s % 2 else "en",
                "language_chosen": True,
                "student_pk": s + 1,
                "bound_at": now,
                "created_at": now,
            }
            for s in bound
        ],
    )
    # They agreed to the processing notice (PRIV-1), or every first press would show it.
    version = notice_version(Policy())
    await bulk(
        db,
        ConsentRow,
        [{"user_id": USER_BASE + s, "version": version, "given_at": now} for s in bound],
    )
    await bulk(
        db,
        AdvisorRow,
        [
            {
                "staff_id": f"T{a:04d}",
                "name": f"Teacher {a}",
                "department": f"Dept {a % 30}",
                "party_member": a % 3 != 0,
                "updated_at": now,
            }
            for a in range(n_advisors)
        ],
    )
    await bulk(
        db,
        ClubRow,
        [
            {
                "name": f"Club {i}",
                "name_key": f"club {i}",
                "category": ("academic", "culture_sports", "volunteer", "other")[i % 4],
                "guidance_unit": f"Unit {i % UNITS}",
                "unit_id": i % UNITS + 1,
                "founded": date(2015 + i % 10, 9, 1),
                "status": "active",
                "created_at": now,
            }
            for i in range(n_clubs)
        ],
    )
    await bulk(db, MembershipRow, memberships)
    await bulk(
        db,
        OfficerRow,
        [
            {
                "club_id": club + 1,
                "student_pk": s + 1,
                "position": "president",
                "since": now,
                "until": None,
                "election_id": None,
            }
            for club, s in presidents.items()
        ],
    )
    await bulk(
        db,
        AppointmentRow,
        [
            {
                "club_id": i + 1,
                "advisor_pk": i // 2 + 1,
                "starts_on": add_months(today, -6),
                "term_end": date.fromordinal(today.toordinal() + 40 + (i * 7919) % 320),
                "ended_at": None,
                "end_reason": None,
            }
            for i in range(min(n_clubs, 2 * n_advisors))
        ],
    )
    await bulk(
        db,
        GeneralMeetingRow,
        [
            {
                "club_id": i + 1,
                # Spread over the past two years: about a third are more than a year old.
                "held_on": today - timedelta(days=20 + (i * 53) % 700),
                "status": "confirmed",
                "recorded_by": None,
                "recorded_at": now,
                "decided_by": None,
                "decided_at": None,
            }
            for i in range(n_clubs)
        ],
    )
    async with db.transaction() as session:
        tx = Tx(session, db)
        await people.ensure_account(tx, STAFF, Language.EN, now)
        await people.grant(tx, STAFF, Role.STAFF, now)
    await refresh_all(db, Policy(), Calendar.named(), now)
    return University(n_students, n_clubs, n_advisors, len(memberships), big, bound)
