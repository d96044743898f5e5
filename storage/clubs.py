"""Clubs and memberships.

The statements that answer members' commands are built once, with bind parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from bot.domain.values import Category, Club, ClubProfile, ClubStatus, Student
from storage.models import (
    ClubEventRow,
    ClubProfileRow,
    ClubRow,
    MembershipRow,
    StudentRow,
    table_of,
)
from storage.people import to_student
from storage.tx import Tx

_club = table_of(ClubRow)
_member = table_of(MembershipRow)
_ACTIVE = ClubStatus.ACTIVE.value
_CLUB = (
    _club.c.id,
    _club.c.name,
    _club.c.category,
    _club.c.guidance_unit,
    _club.c.founded,
    _club.c.status,
)
_BY_ID = select(*_CLUB).where(_club.c.id == bindparam("id"))
_BY_KEY = select(*_CLUB).where(_club.c.name_key == bindparam("key"))
_ACTIVE_COUNTS = (
    select(_club.c.category, func.count())
    .where(_club.c.status == _ACTIVE)
    .group_by(_club.c.category)
)
_IN_CATEGORY = (_club.c.category == bindparam("category")) & (_club.c.status == _ACTIVE)
_CATEGORY_TOTAL = select(func.count()).select_from(_club).where(_IN_CATEGORY)
_CATEGORY_PAGE = (
    select(*_CLUB)
    .where(_IN_CATEGORY)
    .order_by(_club.c.name_key)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_SEARCH = (
    select(*_CLUB)
    .where(_club.c.status == _ACTIVE)
    .where(_club.c.name_key.like(bindparam("pattern"), escape="\\"))
    .order_by(_club.c.name_key)
    .limit(bindparam("limit"))
)
_HELD = _member.c.slot.is_not(None)
_MEMBERSHIPS = (
    select(_member.c.slot, *_CLUB)
    .join(_club, _club.c.id == _member.c.club_id)
    .where(_member.c.student_pk == bindparam("pk"))
    .where(_HELD)
    .order_by(_member.c.slot)
)
# Counted for a page of clubs at a time, through a fixed number of parameters (unused ones are
# -1), so the statement is built once and runs on the driver's connection as on the session's.
_COUNT_SLOTS = 16
_MEMBER_COUNTS = (
    select(_member.c.club_id, func.count())
    .where(_member.c.club_id.in_([bindparam(f"id{i}") for i in range(_COUNT_SLOTS)]))
    .where(_HELD)
    .group_by(_member.c.club_id)
)
_ALL_MEMBER_COUNTS = (
    select(_member.c.club_id, func.count()).where(_HELD).group_by(_member.c.club_id)
)
_NEW_MEMBERSHIP: dict[str, Any] = {
    "student_pk": bindparam("pk"),
    "club_id": bindparam("club"),
    "slot": bindparam("new_slot"),
    "joined_at": bindparam("now"),
}
# DO NOTHING without a target covers every unique index, the partial "slot" ones included.
_JOIN_SQLITE = sqlite.insert(_member).values(_NEW_MEMBERSHIP).on_conflict_do_nothing()
_JOIN_PG = postgresql.insert(_member).values(_NEW_MEMBERSHIP).on_conflict_do_nothing()
_END = (
    update(_member)
    .where(_member.c.student_pk == bindparam("pk"))
    .where(_HELD)
    .values(slot=None, ended_at=bindparam("now"), end_reason=bindparam("reason"))
)
_END_ONE = _END.where(_member.c.club_id == bindparam("club"))


@dataclass(frozen=True, slots=True)
class ClubEvent:
    """A club's state change (REG-7, REG-10, REG-11): what was done, why, and when."""

    action: str
    reason: str
    at: datetime


def to_club(row: Any) -> Club:
    """A Club from a ClubRow or a result row with the club's columns."""
    assert row.id is not None
    return Club(
        id=row.id,
        name=row.name,
        category=Category(row.category),
        guidance_unit=row.guidance_unit,
        founded=row.founded,
        status=ClubStatus(row.status),
    )


async def club(tx: Tx, club_id: int) -> Club | None:
    row = await tx.first(_BY_ID, {"id": club_id})
    return None if row is None else to_club(row)


async def names_of(tx: Tx, club_ids: list[int]) -> dict[int, str]:
    """The names of these clubs, in one statement."""
    if not club_ids:
        return {}
    stmt = select(col(ClubRow.id), col(ClubRow.name)).where(col(ClubRow.id).in_(club_ids))
    rows = (await tx.session.execute(stmt)).all()
    return {int(club_id): str(name) for club_id, name in rows if club_id is not None}


async def unit_of(tx: Tx, club_id: int) -> int | None:
    """The guidance unit the club belongs to."""
    stmt = select(col(ClubRow.unit_id)).where(col(ClubRow.id) == club_id)
    return (await tx.session.scalars(stmt)).first()


async def clubs_of_unit(tx: Tx, unit_id: int) -> list[Club]:
    """The clubs a guidance unit oversees, by name."""
    stmt = select(*_CLUB).where(_club.c.unit_id == unit_id).order_by(_club.c.name)
    return [to_club(row) for row in await tx.session.execute(stmt)]


async def club_by_key(tx: Tx, key: str) -> Club | None:
    row = await tx.first(_BY_KEY, {"key": key})
    return None if row is None else to_club(row)


async def active_counts(tx: Tx) -> dict[Category, int]:
    """How many active clubs each category has (categories with none are left out)."""
    rows = await tx.rows(_ACTIVE_COUNTS)
    return {Category(cat): int(n) for cat, n in rows}


async def active_page(
    tx: Tx, category: Category, offset: int, limit: int
) -> tuple[list[Club], int]:
    """One page of a category's active clubs by name, and how many there are in all."""
    where = {"category": category.value}
    total = await tx.scalar(_CATEGORY_TOTAL, where)
    rows = await tx.rows(_CATEGORY_PAGE, {**where, "offset": offset, "limit": limit})
    return [to_club(row) for row in rows], int(total)


async def active_memberships(tx: Tx, student_pk: int) -> list[tuple[int, Club]]:
    """The student's active memberships as (slot, club), by slot."""
    rows = await tx.rows(_MEMBERSHIPS, {"pk": student_pk})
    return [(row.slot, to_club(row)) for row in rows]


async def add_membership(tx: Tx, student_pk: int, club_id: int, slot: int, now: datetime) -> bool:
    """Insert an active membership; False when a unique index refused it (a racing join)."""
    stmt = _JOIN_SQLITE if tx.db.is_sqlite else _JOIN_PG
    params = {"pk": student_pk, "club": club_id, "new_slot": slot, "now": now}
    return bool(await tx.run(stmt, params))


async def end_memberships(
    tx: Tx, student_pk: int, now: datetime, reason: str, club_id: int | None = None
) -> int:
    """End the student's active memberships (one club's, or all); how many ended."""
    params: dict[str, Any] = {"pk": student_pk, "now": now, "reason": reason}
    if club_id is None:
        return await tx.run(_END, params)
    return await tx.run(_END_ONE, {**params, "club": club_id})


async def member_counts(tx: Tx, club_ids: list[int]) -> dict[int, int]:
    """Active member counts of these clubs (clubs without members are left out)."""
    if not club_ids:
        return {}
    counts: dict[int, int] = {}
    for start in range(0, len(club_ids), _COUNT_SLOTS):
        chunk = club_ids[start : start + _COUNT_SLOTS]
        params = {f"id{i}": chunk[i] if i < len(chunk) else -1 for i in range(_COUNT_SLOTS)}
        for club_id, n in await tx.rows(_MEMBER_COUNTS, params):
            counts[int(club_id)] = int(n)
    return counts


async def all_member_counts(tx: Tx) -> dict[int, int]:
    """Active member counts of every club with members, in one statement (for whole lists)."""
    return {int(c): int(n) for c, n in await tx.rows(_ALL_MEMBER_COUNTS)}


async def search_active(tx: Tx, fragment: str, limit: int) -> list[Club]:
    """Active clubs whose name key contains `fragment` (already a name key), by name."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await tx.rows(_SEARCH, {"pattern": f"%{escaped}%", "limit": limit})
    return [to_club(row) for row in rows]


async def all_clubs(tx: Tx) -> list[Club]:
    """Every club in any state, by name."""
    stmt = select(ClubRow).order_by(ClubRow.name_key)
    return [to_club(row) for row in await tx.session.scalars(stmt)]


async def members_page(tx: Tx, club_id: int, offset: int, limit: int) -> tuple[list[Student], int]:
    """One page of a club's active members by student_id, and how many there are in all."""
    where = (col(MembershipRow.club_id) == club_id, col(MembershipRow.slot).is_not(None))
    total = await tx.session.execute(select(func.count()).select_from(MembershipRow).where(*where))
    stmt = (
        select(StudentRow)
        .join(MembershipRow, col(MembershipRow.student_pk) == StudentRow.id)
        .where(*where)
        .order_by(col(StudentRow.student_id))
        .offset(offset)
        .limit(limit)
    )
    members = [to_student(row) for row in await tx.session.scalars(stmt)]
    return members, int(total.scalar_one())


async def membership_totals(tx: Tx) -> tuple[int, int]:
    """Active memberships, and how many distinct students hold them."""
    stmt = select(func.count(), func.count(func.distinct(MembershipRow.student_pk))).where(
        col(MembershipRow.slot).is_not(None)
    )
    memberships, students = (await tx.session.execute(stmt)).one()
    return int(memberships), int(students)


async def club_names_by_student(tx: Tx) -> dict[int, list[str]]:
    """The names of the clubs each student is in now, by student record id."""
    stmt = (
        select(col(MembershipRow.student_pk), col(ClubRow.name))
        .join(ClubRow, col(ClubRow.id) == MembershipRow.club_id)
        .where(col(MembershipRow.slot).is_not(None))
        .order_by(col(MembershipRow.student_pk), col(MembershipRow.slot))
    )
    names: dict[int, list[str]] = {}
    for student_pk, name in (await tx.session.execute(stmt)).all():
        names.setdefault(int(student_pk), []).append(name)
    return names


# --- the club lifecycle and staff views ----------------------------------------------------------


async def locked_club(tx: Tx, club_id: int) -> Club | None:
    """The club, read again under a row lock (PostgreSQL; SQLite holds the write lock)."""
    await tx.db.lock_rows(tx.session, "club", [club_id])
    row = await tx.session.get(ClubRow, club_id, populate_existing=True)
    return None if row is None else to_club(row)


async def set_status(tx: Tx, club_id: int, status: ClubStatus) -> None:
    await tx.session.execute(
        update(ClubRow).where(col(ClubRow.id) == club_id).values(status=status.value)
    )


async def end_club_memberships(tx: Tx, club_id: int, now: datetime, reason: str) -> int:
    """End every active membership of the club; how many ended."""
    result = await tx.session.execute(
        update(MembershipRow)
        .where(col(MembershipRow.club_id) == club_id)
        .where(col(MembershipRow.slot).is_not(None))
        .values(slot=None, ended_at=now, end_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def member_pks(tx: Tx, club_id: int) -> list[int]:
    """The student pks of the club's active members."""
    stmt = (
        select(col(MembershipRow.student_pk))
        .where(col(MembershipRow.club_id) == club_id)
        .where(col(MembershipRow.slot).is_not(None))
    )
    return list(await tx.session.scalars(stmt))


async def record_event(
    tx: Tx,
    club_id: int,
    action: str,
    before: ClubStatus,
    after: ClubStatus,
    reason: str,
    by: int | None,
    now: datetime,
) -> None:
    tx.session.add(
        ClubEventRow(
            club_id=club_id,
            action=action,
            from_status=before.value,
            to_status=after.value,
            reason=reason,
            by=by,
            at=now,
        )
    )
    await tx.session.flush()


async def last_event(tx: Tx, club_id: int) -> ClubEvent | None:
    """The club's latest state change."""
    stmt = (
        select(col(ClubEventRow.action), col(ClubEventRow.reason), col(ClubEventRow.at))
        .where(col(ClubEventRow.club_id) == club_id)
        .order_by(col(ClubEventRow.at).desc(), col(ClubEventRow.id).desc())
    )
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else ClubEvent(*row)


async def member_export(tx: Tx, club_id: int) -> list[tuple[Student, datetime]]:
    """The club's active members with the day they joined, by student_id."""
    stmt = (
        select(StudentRow, col(MembershipRow.joined_at))
        .join(MembershipRow, col(MembershipRow.student_pk) == StudentRow.id)
        .where(col(MembershipRow.club_id) == club_id)
        .where(col(MembershipRow.slot).is_not(None))
        .order_by(col(StudentRow.student_id))
    )
    return [(to_student(row), joined) for row, joined in (await tx.session.execute(stmt)).all()]


async def profile(tx: Tx, club_id: int) -> ClubProfile:
    """The club's profile (an empty one until its officers write it)."""
    row = await tx.session.get(ClubProfileRow, club_id)
    if row is None:
        return ClubProfile()
    return ClubProfile(row.description, row.meeting_place, row.group_link, row.dues)


async def save_profile(
    tx: Tx, club_id: int, profile: ClubProfile, now: datetime, by: int | None
) -> None:
    row = await tx.session.get(ClubProfileRow, club_id)
    if row is None:
        row = ClubProfileRow(club_id=club_id)
        tx.session.add(row)
    row.description = profile.description
    row.meeting_place = profile.meeting_place
    row.group_link = profile.group_link
    row.dues = profile.dues
    row.updated_at = now
    row.updated_by = by
    await tx.session.flush()
