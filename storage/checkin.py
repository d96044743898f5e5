"""Check-ins at activities (ACT-10): the rotating codes' secret, the check-ins themselves (once
per student: a unique index), the wrong codes typed, and the per-activity attendance figures.

Plain values out, never rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update

from bot.domain.activities import ActivityAudience, ActivityState
from storage.models import (
    ActivityCheckinRow,
    ActivityRow,
    ActivitySignupRow,
    CheckinGuessRow,
    ClubRow,
    MembershipRow,
    StudentRow,
    table_of,
)
from storage.tx import Tx

_a = table_of(ActivityRow)
_ci = table_of(ActivityCheckinRow)
_guess = table_of(CheckinGuessRow)
_club = table_of(ClubRow)
_student = table_of(StudentRow)
_signup = table_of(ActivitySignupRow)
_member = table_of(MembershipRow)


def _entitled(student_pk: int) -> Any:
    """Activities this student may check in to: with places, a confirmed sign-up; without,
    every bound student, or the club's members for a members-only activity."""
    confirmed = exists().where(
        _signup.c.activity_id == _a.c.id,
        _signup.c.student_pk == student_pk,
        _signup.c.status == "confirmed",
    )
    member = exists().where(
        _member.c.club_id == _a.c.club_id,
        _member.c.student_pk == student_pk,
        _member.c.slot.is_not(None),
    )
    return (_a.c.capacity.is_not(None) & confirmed) | (
        _a.c.capacity.is_(None) & ((_a.c.audience == ActivityAudience.STUDENTS.value) | member)
    )


async def entitled(tx: Tx, activity_id: int, student_pk: int) -> bool:
    """Whether the student may be recorded present at this activity."""
    stmt = select(_a.c.id).where(_a.c.id == activity_id, _entitled(student_pk))
    return (await tx.session.execute(stmt)).first() is not None


async def open_of_clubs(
    tx: Tx, club_ids: set[int], earliest_start: datetime, latest_end: datetime
) -> list[int]:
    """The approved activities of these clubs open for check-in, soonest first (one
    statement; an organizer keeps a handful)."""
    stmt = (
        select(_a.c.id)
        .where(
            _a.c.state == ActivityState.APPROVED.value,
            _a.c.club_id.in_(sorted(club_ids)),
            _a.c.starts_at <= earliest_start,
            _a.c.ends_at >= latest_end,
        )
        .order_by(_a.c.starts_at, _a.c.id)
    )
    return [int(i) for i in (await tx.session.execute(stmt)).scalars()]


async def open_entitled(
    tx: Tx, student_pk: int, earliest_start: datetime, latest_end: datetime
) -> dict[int, str]:
    """The approved activities open for check-in (starting by `earliest_start`, ending after
    `latest_end`) that this student may check in to: id -> title (one statement)."""
    stmt = select(_a.c.id, _a.c.title).where(
        _a.c.state == ActivityState.APPROVED.value,
        _a.c.starts_at <= earliest_start,
        _a.c.ends_at >= latest_end,
        _entitled(student_pk),
    )
    return {row.id: row.title or "—" for row in await tx.session.execute(stmt)}


async def secret(tx: Tx, activity_id: int) -> bytes:
    """The activity's check-in key, made the first time it is asked for (two statements; of
    two organizers asking at once, the first key written stays)."""
    await tx.session.execute(
        update(_a)
        .where(_a.c.id == activity_id, _a.c.checkin_secret.is_(None))
        .values(checkin_secret=secrets.token_hex(32))
    )
    found = (
        await tx.session.execute(select(_a.c.checkin_secret).where(_a.c.id == activity_id))
    ).scalar_one()
    return bytes.fromhex(found)


async def known_secret(tx: Tx, activity_id: int) -> bytes | None:
    """The activity's key, if its codes were ever shown."""
    found = (
        await tx.session.execute(select(_a.c.checkin_secret).where(_a.c.id == activity_id))
    ).scalar()
    return None if found is None else bytes.fromhex(found)


@dataclass(frozen=True, slots=True)
class Keyed:
    """An approved activity whose codes were shown, as a typed code is matched against it."""

    id: int
    secret: bytes
    starts_at: datetime
    ends_at: datetime


async def keyed_around(tx: Tx, earliest_start: datetime, latest_end: datetime) -> list[Keyed]:
    """Approved activities with a key, starting by `earliest_start` and ending after
    `latest_end`: those a code typed now can belong to (a few at a time; one statement)."""
    stmt = select(_a.c.id, _a.c.checkin_secret, _a.c.starts_at, _a.c.ends_at).where(
        _a.c.state == ActivityState.APPROVED.value,
        _a.c.checkin_secret.is_not(None),
        _a.c.starts_at <= earliest_start,
        _a.c.ends_at >= latest_end,
    )
    return [
        Keyed(row.id, bytes.fromhex(row.checkin_secret), row.starts_at, row.ends_at)
        for row in await tx.session.execute(stmt)
    ]


async def add(
    tx: Tx,
    activity_id: int,
    student_pk: int,
    method: str,
    by_user: int,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Record the student present; False if they were already (the unique index decides,
    whatever was read before)."""
    stmt = (
        tx.insert(ActivityCheckinRow)
        .values(
            activity_id=activity_id,
            student_pk=student_pk,
            method=method,
            by_user=by_user,
            reason=reason,
            at=now,
        )
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def is_checked_in(tx: Tx, activity_id: int, student_pk: int) -> bool:
    stmt = select(_ci.c.id).where(_ci.c.activity_id == activity_id, _ci.c.student_pk == student_pk)
    return (await tx.session.execute(stmt)).first() is not None


async def count(tx: Tx, activity_id: int) -> int:
    stmt = select(func.count()).select_from(_ci).where(_ci.c.activity_id == activity_id)
    return int((await tx.session.execute(stmt)).scalar_one())


@dataclass(frozen=True, slots=True)
class Present:
    student_pk: int
    student_id: str
    name: str
    method: str


async def present(tx: Tx, activity_id: int) -> list[Present]:
    """Who checked in, in the order they came (one statement)."""
    stmt = (
        select(_ci.c.student_pk, _student.c.student_id, _student.c.name, _ci.c.method)
        .join(_student, _student.c.id == _ci.c.student_pk)
        .where(_ci.c.activity_id == activity_id)
        .order_by(_ci.c.at, _ci.c.id)
    )
    return [
        Present(r.student_pk, r.student_id, r.name, r.method)
        for r in await tx.session.execute(stmt)
    ]


async def guesses(tx: Tx, user_id: int, since: datetime) -> int:
    """Wrong codes this user typed since `since`."""
    stmt = (
        select(func.count())
        .select_from(_guess)
        .where(_guess.c.user_id == user_id, _guess.c.at >= since)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def record_guess(tx: Tx, user_id: int, now: datetime, forget_before: datetime) -> None:
    """Count a wrong code; the user's older ones, which no longer count, are dropped."""
    await tx.session.execute(
        delete(_guess).where(_guess.c.user_id == user_id, _guess.c.at < forget_before)
    )
    await tx.session.execute(insert(_guess).values(user_id=user_id, at=now))


# --- the students' activity records (second classroom, 第二课堂) ---------------------------------


@dataclass(frozen=True, slots=True)
class Attended:
    """One check-in as a student's activity record shows it."""

    student_id: str
    name: str
    college: str
    activity_id: int
    title: str
    club: str
    kind: str
    category: str  # the club's category (the 2020 Measures' classes)
    starts_at: datetime
    ends_at: datetime


def _attended() -> Any:
    return (
        select(
            _student.c.student_id,
            _student.c.name,
            _student.c.college,
            _a.c.id.label("activity_id"),
            _a.c.title,
            _club.c.name.label("club"),
            _a.c.kind,
            _club.c.category,
            _a.c.starts_at,
            _a.c.ends_at,
        )
        .select_from(_ci)
        .join(_a, _a.c.id == _ci.c.activity_id)
        .join(_club, _club.c.id == _a.c.club_id)
        .join(_student, _student.c.id == _ci.c.student_pk)
    )


def _as_attended(rows: Any) -> list[Attended]:
    return [
        Attended(
            r.student_id,
            r.name,
            r.college,
            r.activity_id,
            r.title or "—",
            r.club,
            r.kind or "",
            r.category,
            r.starts_at,
            r.ends_at,
        )
        for r in rows
    ]


async def attended_by(tx: Tx, student_pk: int) -> list[Attended]:
    """The activities this student checked in at, latest first (one statement)."""
    stmt = (
        _attended()
        .where(_ci.c.student_pk == student_pk)
        .order_by(_a.c.starts_at.desc(), _a.c.id.desc())
    )
    return _as_attended(await tx.session.execute(stmt))


async def records(
    tx: Tx, since: datetime | None = None, until: datetime | None = None
) -> list[Attended]:
    """Every check-in of activities starting in [since, until), by student then date: the
    second-classroom export, in one statement whatever its size."""
    stmt = _attended().order_by(_student.c.student_id, _a.c.starts_at, _a.c.id)
    if since is not None:
        stmt = stmt.where(_a.c.starts_at >= since)
    if until is not None:
        stmt = stmt.where(_a.c.starts_at < until)
    return _as_attended(await tx.session.execute(stmt))


@dataclass(frozen=True, slots=True)
class Upcoming:
    activity_id: int
    title: str
    club: str
    starts_at: datetime
    status: str


async def signed_up(tx: Tx, student_pk: int, now: datetime) -> list[Upcoming]:
    """The student's live sign-ups of approved activities not ended yet, soonest first."""
    stmt = (
        select(_a.c.id, _a.c.title, _club.c.name, _a.c.starts_at, _signup.c.status)
        .select_from(_signup)
        .join(_a, _a.c.id == _signup.c.activity_id)
        .join(_club, _club.c.id == _a.c.club_id)
        .where(
            _signup.c.student_pk == student_pk,
            _signup.c.status.in_(("confirmed", "waitlisted")),
            _a.c.state == ActivityState.APPROVED.value,
            _a.c.ends_at > now,
        )
        .order_by(_a.c.starts_at, _a.c.id)
    )
    return [
        Upcoming(r.id, r.title or "—", r.name, r.starts_at, r.status)
        for r in await tx.session.execute(stmt)
    ]
