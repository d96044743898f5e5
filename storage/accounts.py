"""ACT-6: the club's online accounts and who answers for each. Plain values out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, select, update
from sqlmodel import col

from bot.domain.accounts import ClubAccount, Platform
from bot.domain.values import name_key
from storage.models import ClubAccountRow, ClubRow, OfficerRow, StudentRow
from storage.tx import Tx


def _in_office() -> object:
    """Whether the account's responsible student holds a position in its club now."""
    return exists().where(
        and_(
            col(OfficerRow.club_id) == col(ClubAccountRow.club_id),
            col(OfficerRow.student_pk) == col(ClubAccountRow.responsible_pk),
            col(OfficerRow.until).is_(None),
        )
    )


def _live() -> object:
    return (
        select(
            ClubAccountRow,
            col(ClubRow.name).label("club"),
            col(StudentRow.name).label("responsible"),
            _in_office().label("in_office"),  # type: ignore[attr-defined]
        )
        .join(StudentRow, col(StudentRow.id) == col(ClubAccountRow.responsible_pk))
        .join(ClubRow, col(ClubRow.id) == col(ClubAccountRow.club_id))
        .where(col(ClubAccountRow.removed_at).is_(None))
        .order_by(col(ClubAccountRow.club_id), col(ClubAccountRow.id))
    )


def _account(row: ClubAccountRow, club: str, responsible: str, in_office: bool) -> ClubAccount:
    assert row.id is not None
    return ClubAccount(
        id=row.id,
        club_id=row.club_id,
        club=club,
        platform=Platform(row.platform),
        handle=row.handle,
        responsible_pk=row.responsible_pk,
        responsible=responsible,
        opened_on=row.opened_on,
        recorded_at=row.recorded_at,
        responsible_in_office=bool(in_office),
    )


async def live(tx: Tx, club_ids: list[int]) -> list[ClubAccount]:
    """The live accounts of these clubs, in the order they were recorded (one statement)."""
    if not club_ids:
        return []
    stmt = _live().where(col(ClubAccountRow.club_id).in_(club_ids))  # type: ignore[attr-defined]
    return [_account(*row) for row in (await tx.session.execute(stmt)).all()]


async def add(
    tx: Tx,
    now: datetime,
    club_id: int,
    platform: Platform,
    handle: str,
    responsible_pk: int,
    opened_on: date | None,
    user_id: int,
) -> int | None:
    """Record a live account; None when the club already has it (a unique index decides, so
    two officers recording it at once give one row)."""
    stmt = (
        tx.insert(ClubAccountRow)
        .values(
            club_id=club_id,
            platform=platform.value,
            handle=handle,
            handle_key=name_key(handle),
            responsible_pk=responsible_pk,
            opened_on=opened_on,
            recorded_at=now,
            recorded_by=user_id,
            removed_at=None,
        )
        .on_conflict_do_nothing()
        .returning(col(ClubAccountRow.id))
    )
    return (await tx.session.execute(stmt)).scalar()


async def set_responsible(tx: Tx, account_id: int, club_id: int, student_pk: int) -> bool:
    """Give a live account of the club another responsible officer; False when it is gone."""
    stmt = (
        update(ClubAccountRow)
        .where(col(ClubAccountRow.id) == account_id)
        .where(col(ClubAccountRow.club_id) == club_id)
        .where(col(ClubAccountRow.removed_at).is_(None))
        .values(responsible_pk=student_pk)
        .returning(col(ClubAccountRow.id))
    )
    return (await tx.session.execute(stmt)).first() is not None


async def remove(tx: Tx, account_id: int, club_id: int, now: datetime) -> bool:
    """Mark a live account of the club removed (its row stays); False when it is gone."""
    stmt = (
        update(ClubAccountRow)
        .where(col(ClubAccountRow.id) == account_id)
        .where(col(ClubAccountRow.club_id) == club_id)
        .where(col(ClubAccountRow.removed_at).is_(None))
        .values(removed_at=now)
        .returning(col(ClubAccountRow.id))
    )
    return (await tx.session.execute(stmt)).first() is not None


async def orphaned(tx: Tx, club_ids: list[int]) -> list[ClubAccount]:
    """The live accounts of these clubs whose responsible student holds no office there any
    more (one statement)."""
    return [a for a in await live(tx, club_ids) if not a.responsible_in_office]
