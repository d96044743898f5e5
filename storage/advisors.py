"""The advisor bank (ADV-1) and appointments of advisors to clubs (ADV-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from bot.domain import Advisor
from storage.models import AccountRow, AdvisorRow, AppointmentRow
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    club_id: int
    advisor: Advisor
    starts_on: date
    term_end: date


def to_advisor(row: AdvisorRow) -> Advisor:
    assert row.id is not None
    return Advisor(
        id=row.id,
        staff_id=row.staff_id,
        name=row.name,
        department=row.department,
        party_member=row.party_member,
    )


async def advisor_by_pk(tx: Tx, pk: int) -> Advisor | None:
    row = await tx.session.get(AdvisorRow, pk)
    return None if row is None else to_advisor(row)


async def advisors_by_staff_ids(tx: Tx, staff_ids: list[str]) -> dict[str, AdvisorRow]:
    """Live rows by staff_id, for imports."""
    found: dict[str, AdvisorRow] = {}
    chunk = 500
    for i in range(0, len(staff_ids), chunk):
        stmt = select(AdvisorRow).where(col(AdvisorRow.staff_id).in_(staff_ids[i : i + chunk]))
        found.update((row.staff_id, row) for row in await tx.session.scalars(stmt))
    return found


async def unbound(tx: Tx) -> list[Advisor]:
    """Advisors who have not bound a Telegram account yet, by staff_id."""
    bound = select(col(AccountRow.advisor_pk)).where(col(AccountRow.advisor_pk).is_not(None))
    stmt = select(AdvisorRow).where(col(AdvisorRow.id).not_in(bound)).order_by(AdvisorRow.staff_id)
    return [to_advisor(row) for row in await tx.session.scalars(stmt)]


async def current(tx: Tx, club_id: int) -> Appointment | None:
    """The club's current appointment (at most one: a partial unique index)."""
    stmt = (
        select(AppointmentRow, AdvisorRow)
        .join(AdvisorRow, col(AdvisorRow.id) == col(AppointmentRow.advisor_pk))
        .where(col(AppointmentRow.club_id) == club_id)
        .where(col(AppointmentRow.ended_at).is_(None))
    )
    found = (await tx.session.execute(stmt)).first()
    if found is None:
        return None
    row, advisor = found
    assert row.id is not None
    return Appointment(row.id, row.club_id, to_advisor(advisor), row.starts_on, row.term_end)


async def current_for_advisor(tx: Tx, advisor_pk: int) -> list[Appointment]:
    """The advisor's current appointments, by club id."""
    stmt = (
        select(AppointmentRow, AdvisorRow)
        .join(AdvisorRow, col(AdvisorRow.id) == col(AppointmentRow.advisor_pk))
        .where(col(AppointmentRow.advisor_pk) == advisor_pk)
        .where(col(AppointmentRow.ended_at).is_(None))
        .order_by(col(AppointmentRow.club_id))
    )
    return [
        Appointment(row.id, row.club_id, to_advisor(adv), row.starts_on, row.term_end)
        for row, adv in (await tx.session.execute(stmt)).all()
        if row.id is not None
    ]


async def count_current(tx: Tx, advisor_pk: int) -> int:
    stmt = (
        select(func.count())
        .select_from(AppointmentRow)
        .where(col(AppointmentRow.advisor_pk) == advisor_pk)
        .where(col(AppointmentRow.ended_at).is_(None))
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def end(tx: Tx, appointment_id: int, now: datetime, reason: str) -> None:
    stmt = (
        update(AppointmentRow)
        .where(col(AppointmentRow.id) == appointment_id)
        .where(col(AppointmentRow.ended_at).is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    await tx.session.execute(stmt)


async def start(tx: Tx, club_id: int, advisor_pk: int, starts_on: date, term_end: date) -> int:
    """Insert a current appointment; the partial unique index refuses a second one."""
    row = AppointmentRow(
        club_id=club_id, advisor_pk=advisor_pk, starts_on=starts_on, term_end=term_end
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id
