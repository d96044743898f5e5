"""The advisor bank (ADV-1) and appointments of advisors to clubs (ADV-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from bot.domain.values import Advisor
from storage.models import (
    AccountRow,
    AdvisorDismissalRow,
    AdvisorEvaluationRow,
    AdvisorRow,
    AppointmentRow,
)
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


async def advisors_by_staff_ids(tx: Tx, staff_ids: list[str]) -> dict[str, Advisor]:
    """The bank's advisors by staff_id (the unknown ones left out)."""
    found: dict[str, Advisor] = {}
    chunk = 500
    for i in range(0, len(staff_ids), chunk):
        stmt = select(AdvisorRow).where(col(AdvisorRow.staff_id).in_(staff_ids[i : i + chunk]))
        found.update((row.staff_id, to_advisor(row)) for row in await tx.session.scalars(stmt))
    return found


async def lock_advisors(tx: Tx, advisor_ids: list[int]) -> None:
    """Serialize writers about these advisors' appointments until the transaction ends."""
    await tx.db.lock_rows(tx.session, "advisor", advisor_ids)


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


# Ids per statement when an import reads or writes many clubs' appointments at once.
CHUNK = 500


async def current_of(tx: Tx, club_ids: list[int]) -> dict[int, Appointment]:
    """The current appointment of each of these clubs that has one, by club id."""
    found: dict[int, Appointment] = {}
    for i in range(0, len(club_ids), CHUNK):
        stmt = (
            select(AppointmentRow, AdvisorRow)
            .join(AdvisorRow, col(AdvisorRow.id) == col(AppointmentRow.advisor_pk))
            .where(col(AppointmentRow.club_id).in_(club_ids[i : i + CHUNK]))
            .where(col(AppointmentRow.ended_at).is_(None))
        )
        for row, advisor in (await tx.session.execute(stmt)).all():
            assert row.id is not None
            found[row.club_id] = Appointment(
                row.id, row.club_id, to_advisor(advisor), row.starts_on, row.term_end
            )
    return found


async def count_current_of(tx: Tx, advisor_pks: list[int]) -> dict[int, int]:
    """How many clubs each of these advisors guides now (those with none left out)."""
    found: dict[int, int] = {}
    for i in range(0, len(advisor_pks), CHUNK):
        stmt = (
            select(col(AppointmentRow.advisor_pk), func.count())
            .where(col(AppointmentRow.advisor_pk).in_(advisor_pks[i : i + CHUNK]))
            .where(col(AppointmentRow.ended_at).is_(None))
            .group_by(col(AppointmentRow.advisor_pk))
        )
        found.update((pk, int(n)) for pk, n in (await tx.session.execute(stmt)).all())
    return found


async def clubs_held(tx: Tx) -> dict[int, int]:
    """How many clubs each advisor guides now (those with none left out): one statement."""
    stmt = (
        select(col(AppointmentRow.advisor_pk), func.count())
        .where(col(AppointmentRow.ended_at).is_(None))
        .group_by(col(AppointmentRow.advisor_pk))
    )
    return {pk: int(n) for pk, n in (await tx.session.execute(stmt)).all()}


async def dismissed_among(tx: Tx, advisor_pks: list[int]) -> set[int]:
    """Which of these advisors were dismissed (ADV-5)."""
    found: set[int] = set()
    for i in range(0, len(advisor_pks), CHUNK):
        stmt = select(col(AdvisorDismissalRow.advisor_pk)).where(
            col(AdvisorDismissalRow.advisor_pk).in_(advisor_pks[i : i + CHUNK])
        )
        found.update(await tx.session.scalars(stmt))
    return found


async def end_many(tx: Tx, appointment_ids: list[int], now: datetime, reason: str) -> None:
    """End these appointments (those still current), all for one reason."""
    for i in range(0, len(appointment_ids), CHUNK):
        stmt = (
            update(AppointmentRow)
            .where(col(AppointmentRow.id).in_(appointment_ids[i : i + CHUNK]))
            .where(col(AppointmentRow.ended_at).is_(None))
            .values(ended_at=now, end_reason=reason)
        )
        await tx.session.execute(stmt)


async def start_many(tx: Tx, terms: list[tuple[int, int, date, date]]) -> None:
    """Insert current appointments (club id, advisor pk, starts on, term end), in batches."""
    if not terms:
        return
    values = [
        {
            "club_id": club_id,
            "advisor_pk": advisor_pk,
            "starts_on": starts,
            "term_end": ends,
            "ended_at": None,
            "end_reason": None,
        }
        for club_id, advisor_pk, starts, ends in terms
    ]
    # One `executemany`: the session's flush would insert them one by one to learn their ids.
    await tx.session.execute(insert(AppointmentRow).execution_options(render_nulls=True), values)


async def current_by_club(tx: Tx) -> dict[int, Appointment]:
    """Every club's current appointment, by club id: one statement for all clubs."""
    stmt = (
        select(AppointmentRow, AdvisorRow)
        .join(AdvisorRow, col(AdvisorRow.id) == col(AppointmentRow.advisor_pk))
        .where(col(AppointmentRow.ended_at).is_(None))
    )
    found = {}
    for row, advisor in (await tx.session.execute(stmt)).all():
        assert row.id is not None
        found[row.club_id] = Appointment(
            row.id, row.club_id, to_advisor(advisor), row.starts_on, row.term_end
        )
    return found


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


# --- the advisor bank: terms, dismissals, evaluations --------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluation:
    year: int
    passed: bool
    comment: str
    at: datetime


async def by_staff_id(tx: Tx, staff_id: str) -> Advisor | None:
    stmt = select(AdvisorRow).where(col(AdvisorRow.staff_id) == staff_id)
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else to_advisor(row)


async def all_advisors(tx: Tx) -> list[Advisor]:
    """The whole bank, by name."""
    stmt = select(AdvisorRow).order_by(col(AdvisorRow.name), col(AdvisorRow.staff_id))
    return [to_advisor(row) for row in await tx.session.scalars(stmt)]


async def hire(
    tx: Tx, staff_id: str, name: str, department: str, party_member: bool, now: datetime
) -> Advisor | None:
    """Add a teacher to the bank (ADV-1); None when the staff_id is already in it."""
    stmt = (
        tx.insert(AdvisorRow)
        .values(
            staff_id=staff_id,
            name=name,
            department=department,
            party_member=party_member,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    if not (await tx.session.execute(stmt)).rowcount:  # type: ignore[attr-defined]
        return None
    return await by_staff_id(tx, staff_id)


async def retire(tx: Tx, staff_id: str, now: datetime) -> bool:
    stmt = (
        update(AdvisorRow)
        .where(col(AdvisorRow.staff_id) == staff_id)
        .where(col(AdvisorRow.retired_at).is_(None))
        .values(retired_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def unretire(tx: Tx, staff_id: str) -> bool:
    """Bring a retired advisor back into the bank; False if they were not retired."""
    stmt = (
        update(AdvisorRow)
        .where(col(AdvisorRow.staff_id) == staff_id)
        .where(col(AdvisorRow.retired_at).is_not(None))
        .values(retired_at=None)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def record_evaluation(
    tx: Tx, advisor_pk: int, year: int, passed: bool, comment: str, by: int | None, now: datetime
) -> Evaluation | None:
    """Record (or correct) the year's evaluation (ADV-5); the one it replaced, if any."""
    stmt = select(AdvisorEvaluationRow).where(
        col(AdvisorEvaluationRow.advisor_pk) == advisor_pk, col(AdvisorEvaluationRow.year) == year
    )
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        tx.session.add(
            AdvisorEvaluationRow(
                advisor_pk=advisor_pk, year=year, passed=passed, comment=comment, by=by, at=now
            )
        )
        await tx.session.flush()
        return None
    old = Evaluation(row.year, row.passed, row.comment, row.at)
    row.passed, row.comment, row.by, row.at = passed, comment, by, now
    return old


async def latest_evaluation(tx: Tx, advisor_pk: int) -> Evaluation | None:
    stmt = (
        select(AdvisorEvaluationRow)
        .where(col(AdvisorEvaluationRow.advisor_pk) == advisor_pk)
        .order_by(col(AdvisorEvaluationRow.year).desc())
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else Evaluation(row.year, row.passed, row.comment, row.at)


async def is_dismissed(tx: Tx, advisor_pk: int) -> bool:
    return await tx.session.get(AdvisorDismissalRow, advisor_pk) is not None


async def dismiss(tx: Tx, advisor_pk: int, reason: str, by: int | None, now: datetime) -> bool:
    """Record the dismissal; False when the advisor was already dismissed."""
    stmt = (
        tx.insert(AdvisorDismissalRow)
        .values(advisor_pk=advisor_pk, reason=reason, by=by, at=now)
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def advised_club_ids(tx: Tx) -> set[int]:
    """The clubs that have a current advisor."""
    stmt = select(col(AppointmentRow.club_id)).where(col(AppointmentRow.ended_at).is_(None))
    return set(await tx.session.scalars(stmt))
