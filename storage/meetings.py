"""General meetings (ORG-3): recorded by officers, confirmed or rejected by the advisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from bot.domain.values import MeetingStatus
from storage.models import GeneralMeetingRow
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    club_id: int
    held_on: date
    status: MeetingStatus
    recorded_by: int | None


def _meeting(row: GeneralMeetingRow) -> Meeting:
    assert row.id is not None
    return Meeting(row.id, row.club_id, row.held_on, MeetingStatus(row.status), row.recorded_by)


async def meeting(tx: Tx, meeting_id: int) -> Meeting | None:
    row = await tx.session.get(GeneralMeetingRow, meeting_id)
    return None if row is None else _meeting(row)


async def pending(tx: Tx, club_ids: list[int]) -> dict[int, Meeting]:
    """The meeting awaiting confirmation of each club that has one."""
    if not club_ids:
        return {}
    stmt = (
        select(GeneralMeetingRow)
        .where(col(GeneralMeetingRow.club_id).in_(club_ids))
        .where(col(GeneralMeetingRow.status) == MeetingStatus.PENDING.value)
    )
    return {row.club_id: _meeting(row) for row in await tx.session.scalars(stmt)}


async def last_confirmed(tx: Tx, club_id: int) -> date | None:
    stmt = (
        select(func.max(col(GeneralMeetingRow.held_on)))
        .where(col(GeneralMeetingRow.club_id) == club_id)
        .where(col(GeneralMeetingRow.status) == MeetingStatus.CONFIRMED.value)
    )
    value = (await tx.session.execute(stmt)).scalar_one()
    return value if isinstance(value, date) else None


async def last_confirmed_by_club(tx: Tx) -> dict[int, date]:
    """Every club's last confirmed general meeting, by club id: one statement for all clubs."""
    stmt = (
        select(col(GeneralMeetingRow.club_id), func.max(col(GeneralMeetingRow.held_on)))
        .where(col(GeneralMeetingRow.status) == MeetingStatus.CONFIRMED.value)
        .group_by(col(GeneralMeetingRow.club_id))
    )
    return {
        club_id: held
        for club_id, held in (await tx.session.execute(stmt)).all()
        if isinstance(held, date)
    }


async def last_confirmed_of(tx: Tx, club_ids: list[int]) -> dict[int, date]:
    """The last confirmed general meeting of each of these clubs that has one."""
    found: dict[int, date] = {}
    for i in range(0, len(club_ids), 500):
        stmt = (
            select(col(GeneralMeetingRow.club_id), func.max(col(GeneralMeetingRow.held_on)))
            .where(col(GeneralMeetingRow.club_id).in_(club_ids[i : i + 500]))
            .where(col(GeneralMeetingRow.status) == MeetingStatus.CONFIRMED.value)
            .group_by(col(GeneralMeetingRow.club_id))
        )
        found.update(
            (club_id, held)
            for club_id, held in (await tx.session.execute(stmt)).all()
            if isinstance(held, date)
        )
    return found


async def record_confirmed(tx: Tx, held: list[tuple[int, date]], now: datetime) -> None:
    """Insert confirmed meetings (club id, held on) that nobody recorded in the chat (a file's)."""
    if not held:
        return
    values = [
        {
            "club_id": club_id,
            "held_on": held_on,
            "status": MeetingStatus.CONFIRMED.value,
            "recorded_by": None,
            "recorded_at": now,
            "decided_by": None,
            "decided_at": None,
        }
        for club_id, held_on in held
    ]
    # One `executemany`: the session's flush would insert them one by one to learn their ids.
    stmt = insert(GeneralMeetingRow).execution_options(render_nulls=True)
    await tx.session.execute(stmt, values)


async def record(
    tx: Tx,
    club_id: int,
    held_on: date,
    status: MeetingStatus,
    now: datetime,
    recorded_by: int | None,
) -> int:
    """Insert a meeting; a pending record the officers made earlier is withdrawn first."""
    if status is MeetingStatus.PENDING:
        withdraw = (
            update(GeneralMeetingRow)
            .where(col(GeneralMeetingRow.club_id) == club_id)
            .where(col(GeneralMeetingRow.status) == MeetingStatus.PENDING.value)
            .values(status=MeetingStatus.WITHDRAWN.value, decided_by=recorded_by, decided_at=now)
        )
        await tx.session.execute(withdraw)
    row = GeneralMeetingRow(
        club_id=club_id,
        held_on=held_on,
        status=status.value,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def decide(tx: Tx, meeting_id: int, status: MeetingStatus, by: int, now: datetime) -> bool:
    """Confirm or reject a pending meeting; False when it is no longer pending."""
    stmt = (
        update(GeneralMeetingRow)
        .where(col(GeneralMeetingRow.id) == meeting_id)
        .where(col(GeneralMeetingRow.status) == MeetingStatus.PENDING.value)
        .values(status=status.value, decided_by=by, decided_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
