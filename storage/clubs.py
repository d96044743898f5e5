"""Clubs and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from bot.domain import Category, Club, ClubStatus
from storage.models import ClubRow, MembershipRow
from storage.tx import Tx


def to_club(row: ClubRow) -> Club:
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
    row = await tx.session.get(ClubRow, club_id)
    return None if row is None else to_club(row)


async def unit_of(tx: Tx, club_id: int) -> int | None:
    """The guidance unit the club belongs to."""
    stmt = select(col(ClubRow.unit_id)).where(col(ClubRow.id) == club_id)
    return (await tx.session.scalars(stmt)).first()


async def club_by_key(tx: Tx, key: str) -> Club | None:
    row = (await tx.session.scalars(select(ClubRow).where(col(ClubRow.name_key) == key))).first()
    return None if row is None else to_club(row)


async def clubs_by_keys(tx: Tx, keys: list[str]) -> dict[str, ClubRow]:
    """Live rows by name key, for the clubs import's upsert."""
    stmt = select(ClubRow).where(col(ClubRow.name_key).in_(keys))
    return {row.name_key: row for row in await tx.session.scalars(stmt)}


async def active_counts(tx: Tx) -> dict[Category, int]:
    """How many active clubs each category has (categories with none are left out)."""
    stmt = (
        select(col(ClubRow.category), func.count())
        .where(col(ClubRow.status) == ClubStatus.ACTIVE.value)
        .group_by(col(ClubRow.category))
    )
    return {Category(cat): int(n) for cat, n in (await tx.session.execute(stmt)).all()}


async def active_page(
    tx: Tx, category: Category, offset: int, limit: int
) -> tuple[list[Club], int]:
    """One page of a category's active clubs by name, and how many there are in all."""
    where = (
        col(ClubRow.category) == category.value,
        col(ClubRow.status) == ClubStatus.ACTIVE.value,
    )
    total = await tx.session.execute(select(func.count()).select_from(ClubRow).where(*where))
    stmt = select(ClubRow).where(*where).order_by(ClubRow.name_key).offset(offset).limit(limit)
    clubs = [to_club(row) for row in await tx.session.scalars(stmt)]
    return clubs, int(total.scalar_one())


async def active_memberships(tx: Tx, student_pk: int) -> list[tuple[int, Club]]:
    """The student's active memberships as (slot, club), by slot."""
    stmt = (
        select(col(MembershipRow.slot), ClubRow)
        .join(ClubRow, col(ClubRow.id) == MembershipRow.club_id)
        .where(col(MembershipRow.student_pk) == student_pk)
        .where(col(MembershipRow.slot).is_not(None))
        .order_by(col(MembershipRow.slot))
    )
    rows = (await tx.session.execute(stmt)).all()
    return [(slot, to_club(row)) for slot, row in rows if slot is not None]


async def add_membership(tx: Tx, student_pk: int, club_id: int, slot: int, now: datetime) -> None:
    """Insert an active membership; the slot and active indexes reject a racing duplicate."""
    tx.session.add(MembershipRow(student_pk=student_pk, club_id=club_id, slot=slot, joined_at=now))
    await tx.session.flush()


async def end_memberships(
    tx: Tx, student_pk: int, now: datetime, reason: str, club_id: int | None = None
) -> int:
    """End the student's active memberships (one club's, or all); how many ended."""
    stmt = (
        update(MembershipRow)
        .where(col(MembershipRow.student_pk) == student_pk)
        .where(col(MembershipRow.slot).is_not(None))
        .values(slot=None, ended_at=now, end_reason=reason)
    )
    if club_id is not None:
        stmt = stmt.where(col(MembershipRow.club_id) == club_id)
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def member_counts(tx: Tx, club_ids: list[int]) -> dict[int, int]:
    """Active member counts of these clubs (clubs without members are left out)."""
    stmt = (
        select(col(MembershipRow.club_id), func.count())
        .where(col(MembershipRow.club_id).in_(club_ids))
        .where(col(MembershipRow.slot).is_not(None))
        .group_by(col(MembershipRow.club_id))
    )
    return {int(club_id): int(n) for club_id, n in (await tx.session.execute(stmt)).all()}


async def search_active(tx: Tx, fragment: str, limit: int) -> list[Club]:
    """Active clubs whose name key contains `fragment` (already a name key), by name."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(ClubRow)
        .where(col(ClubRow.status) == ClubStatus.ACTIVE.value)
        .where(col(ClubRow.name_key).like(f"%{escaped}%", escape="\\"))
        .order_by(ClubRow.name_key)
        .limit(limit)
    )
    return [to_club(row) for row in await tx.session.scalars(stmt)]
