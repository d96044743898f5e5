"""Deadline rows, the club records they are computed from, and the people they concern."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, select, update
from sqlmodel import col

from bot.domain.deadlines import ClubFacts, Deadline
from bot.domain.policy import Level
from bot.domain.values import ClubStatus, DeadlineKind, Language, MeetingStatus, Role
from storage.models import (
    AccountRow,
    AppointmentRow,
    ClubRow,
    DeadlineRow,
    GeneralMeetingRow,
    OfficerRow,
    ReregistrationRow,
    ReviewRow,
    RoleGrantRow,
    UnitRepRow,
    table_of,
)
from storage.tx import Tx

CHUNK = 1000


@dataclass(frozen=True, slots=True)
class OpenDeadline:
    id: int
    club_id: int
    kind: DeadlineKind
    due_on: date
    subject: int | None
    opens_on: date | None
    seen_at: datetime
    notified_until: datetime | None
    next_at: datetime | None

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.kind, self.due_on, self.subject, self.opens_on)


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language: Language


@dataclass(frozen=True, slots=True)
class Listed:
    """An open deadline as /deadlines shows it."""

    id: int
    club_id: int
    club: str
    kind: DeadlineKind
    due_on: date
    subject: int | None


def _open(row: DeadlineRow | Row[Any]) -> OpenDeadline:
    assert row.id is not None
    return OpenDeadline(
        id=row.id,
        club_id=row.club_id,
        kind=DeadlineKind(row.kind),
        due_on=row.due_on,
        subject=row.subject,
        opens_on=row.opens_on,
        seen_at=row.seen_at,
        notified_until=row.notified_until,
        next_at=row.next_at,
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


async def club_ids(tx: Tx) -> list[int]:
    """Every club's id, in order (a full refresh walks them in chunks)."""
    return list(await tx.session.scalars(select(col(ClubRow.id)).order_by(col(ClubRow.id))))


async def club_facts(
    tx: Tx, ids: list[int], review_years: list[int], reregistration_years: list[int]
) -> list[ClubFacts]:
    """The records of these clubs that deadlines are computed from (five queries in all)."""
    if not ids:
        return []
    clubs = (
        await tx.session.execute(
            select(col(ClubRow.id), col(ClubRow.status), col(ClubRow.founded)).where(
                col(ClubRow.id).in_(ids)
            )
        )
    ).all()
    meetings = dict(
        (
            await tx.session.execute(
                select(col(GeneralMeetingRow.club_id), func.max(col(GeneralMeetingRow.held_on)))
                .where(col(GeneralMeetingRow.club_id).in_(ids))
                .where(col(GeneralMeetingRow.status) == MeetingStatus.CONFIRMED.value)
                .group_by(col(GeneralMeetingRow.club_id))
            )
        ).all()
    )
    terms = {
        club_id: (appointment_id, term_end)
        for club_id, appointment_id, term_end in (
            await tx.session.execute(
                select(
                    col(AppointmentRow.club_id),
                    col(AppointmentRow.id),
                    col(AppointmentRow.term_end),
                )
                .where(col(AppointmentRow.club_id).in_(ids))
                .where(col(AppointmentRow.ended_at).is_(None))
            )
        ).all()
    }
    reviewed: dict[int, set[int]] = defaultdict(set)
    if review_years:
        stmt = (
            select(col(ReviewRow.club_id), col(ReviewRow.year))
            .where(col(ReviewRow.club_id).in_(ids))
            .where(col(ReviewRow.year).in_(review_years))
        )
        for club_id, year in (await tx.session.execute(stmt)).all():
            reviewed[club_id].add(year)
    reregistered: dict[int, set[int]] = defaultdict(set)
    if reregistration_years:
        stmt = (
            select(col(ReregistrationRow.club_id), col(ReregistrationRow.academic_year))
            .where(col(ReregistrationRow.club_id).in_(ids))
            .where(col(ReregistrationRow.academic_year).in_(reregistration_years))
        )
        for club_id, year in (await tx.session.execute(stmt)).all():
            reregistered[club_id].add(year)
    facts = []
    for pk, status, founded in clubs:
        assert pk is not None
        appointment_id, term_end = terms.get(pk, (None, None))
        facts.append(
            ClubFacts(
                club_id=pk,
                status=ClubStatus(status),
                founded=founded,
                last_meeting=meetings.get(pk),
                appointment_id=appointment_id,
                term_end=term_end,
                reviewed_years=frozenset(reviewed[pk]),
                reregistered_years=frozenset(reregistered[pk]),
            )
        )
    return facts


async def open_deadlines(tx: Tx, ids: list[int]) -> list[OpenDeadline]:
    """The open deadlines of these clubs, locked until the transaction ends."""
    if not ids:
        return []
    # Plain rows, not ORM objects: at 1,500 clubs (7,400 deadlines) building the objects took
    # about 150 ms of CPU in one stretch, on the event loop (issue 18).
    deadline = table_of(DeadlineRow)
    stmt = select(deadline).where(deadline.c.club_id.in_(ids), deadline.c.closed_at.is_(None))
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update()
    return [_open(row) for row in (await tx.session.execute(stmt)).all()]


async def open_deadline(tx: Tx, club_id: int, kind: DeadlineKind) -> OpenDeadline | None:
    stmt = (
        select(DeadlineRow)
        .where(col(DeadlineRow.club_id) == club_id)
        .where(col(DeadlineRow.kind) == kind.value)
        .where(col(DeadlineRow.closed_at).is_(None))
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else _open(row)


async def close(tx: Tx, ids: list[int], now: datetime, reason: str) -> None:
    for chunk in _chunks(ids):
        stmt = (
            update(DeadlineRow)
            .where(col(DeadlineRow.id).in_(chunk))
            .values(closed_at=now, close_reason=reason, next_at=None)
        )
        await tx.session.execute(stmt)


async def open_new(
    tx: Tx, rows: list[tuple[int, Deadline, datetime | None]], now: datetime
) -> None:
    """Insert open deadlines: (club id, deadline, when its first step falls due)."""
    if not rows:
        return
    values = [
        {
            "club_id": club_id,
            "kind": deadline.kind.value,
            "due_on": deadline.due_on,
            "subject": deadline.subject,
            "opens_on": deadline.opens_on,
            "seen_at": now,
            "notified_until": None,
            "next_at": next_at,
            "closed_at": None,
            "close_reason": None,
        }
        for club_id, deadline, next_at in rows
    ]
    # Every column given (render_nulls): the rows go as one `executemany`, not one statement for
    # each run of rows whose empty columns differ.
    await tx.session.execute(tx.insert(DeadlineRow).execution_options(render_nulls=True), values)


_DEADLINE = table_of(DeadlineRow)
_MOVE = (
    update(_DEADLINE)
    .where(_DEADLINE.c.id == bindparam("deadline_id"))
    .values(next_at=bindparam("next"), notified_until=bindparam("until"))
)


async def move(
    tx: Tx, moves: Sequence[tuple[int, datetime | None]], notified_until: datetime | None
) -> None:
    """Record how far these deadlines' steps have been taken (deadline id, when the next one
    falls due): one `executemany`, not a statement per deadline."""
    if moves:
        params = [{"deadline_id": pk, "next": at, "until": notified_until} for pk, at in moves]
        await tx.session.execute(_MOVE, params)


async def reschedule(tx: Tx, changes: list[tuple[int, datetime | None]]) -> None:
    """Set `next_at` of these deadlines (after the policy's steps changed)."""
    for deadline_id, next_at in changes:
        stmt = (
            update(DeadlineRow).where(col(DeadlineRow.id) == deadline_id).values(next_at=next_at)
        )
        await tx.session.execute(stmt)


async def due(tx: Tx, now: datetime, limit: int) -> list[OpenDeadline]:
    """Open deadlines with a step due, oldest first; other workers skip the ones taken here."""
    stmt = (
        select(DeadlineRow)
        .where(col(DeadlineRow.next_at) <= now)
        .where(col(DeadlineRow.closed_at).is_(None))
        .order_by(col(DeadlineRow.next_at), col(DeadlineRow.id))
        .limit(limit)
    )
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
    return [_open(row) for row in await tx.session.scalars(stmt)]


async def is_open(tx: Tx, deadline_id: int) -> OpenDeadline | None:
    row = await tx.session.get(DeadlineRow, deadline_id)
    return None if row is None or row.closed_at is not None else _open(row)


# Who is told: reachable accounts at each level, for a batch of clubs.


async def recipients(tx: Tx, level: Level, ids: list[int]) -> dict[int, list[Recipient]]:
    """The reachable people of `level` for each of these clubs (clubs without any left out)."""
    found: dict[int, list[Recipient]] = defaultdict(list)
    if not ids:
        return found
    stmt: Any
    if level is Level.STAFF:
        staff_stmt = (
            select(col(RoleGrantRow.user_id), col(AccountRow.language))
            .outerjoin(AccountRow, col(AccountRow.user_id) == col(RoleGrantRow.user_id))
            .where(col(RoleGrantRow.role) == Role.STAFF.value)
            .where(col(AccountRow.unreachable_at).is_(None))
            .order_by(col(RoleGrantRow.user_id))
        )
        staff = [
            Recipient(user_id, Language(lang or Language.EN.value))
            for user_id, lang in (await tx.session.execute(staff_stmt)).all()
        ]
        return {club_id: list(staff) for club_id in ids} if staff else found
    if level is Level.OFFICERS:
        stmt = (
            select(col(OfficerRow.club_id), col(AccountRow.user_id), col(AccountRow.language))
            .join(AccountRow, col(AccountRow.student_pk) == col(OfficerRow.student_pk))
            .where(col(OfficerRow.club_id).in_(ids))
            .where(col(OfficerRow.until).is_(None))
            .where(col(AccountRow.unreachable_at).is_(None))
            .order_by(col(OfficerRow.club_id), col(OfficerRow.id))
        )
    elif level is Level.ADVISOR:
        stmt = (
            select(col(AppointmentRow.club_id), col(AccountRow.user_id), col(AccountRow.language))
            .join(AccountRow, col(AccountRow.advisor_pk) == col(AppointmentRow.advisor_pk))
            .where(col(AppointmentRow.club_id).in_(ids))
            .where(col(AppointmentRow.ended_at).is_(None))
            .where(col(AccountRow.unreachable_at).is_(None))
        )
    else:
        stmt = (
            select(col(ClubRow.id), col(UnitRepRow.user_id), col(AccountRow.language))
            .join(UnitRepRow, col(UnitRepRow.unit_id) == col(ClubRow.unit_id))
            .outerjoin(AccountRow, col(AccountRow.user_id) == col(UnitRepRow.user_id))
            .where(col(ClubRow.id).in_(ids))
            .where(col(AccountRow.unreachable_at).is_(None))
            .order_by(col(ClubRow.id), col(UnitRepRow.user_id))
        )
    for club_id, user_id, lang in (await tx.session.execute(stmt)).all():
        found[club_id].append(Recipient(user_id, Language(lang or Language.EN.value)))
    return found


async def club_names(tx: Tx, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(col(ClubRow.id), col(ClubRow.name)).where(col(ClubRow.id).in_(ids))
    return {i: n for i, n in (await tx.session.execute(stmt)).all() if i is not None}


async def mark_unreachable(tx: Tx, user_id: int, now: datetime) -> None:
    stmt = (
        update(AccountRow)
        .where(col(AccountRow.user_id) == user_id)
        .where(col(AccountRow.unreachable_at).is_(None))
        .values(unreachable_at=now)
    )
    await tx.session.execute(stmt)


# What /deadlines lists.


def _listing() -> Any:
    return (
        select(
            col(DeadlineRow.id),
            col(DeadlineRow.club_id),
            col(ClubRow.name),
            col(DeadlineRow.kind),
            col(DeadlineRow.due_on),
            col(DeadlineRow.subject),
        )
        .join(ClubRow, col(ClubRow.id) == col(DeadlineRow.club_id))
        .where(col(DeadlineRow.closed_at).is_(None))
        .order_by(col(DeadlineRow.due_on), col(ClubRow.name_key), col(DeadlineRow.kind))
    )


def _listed(rows: Iterable[tuple[int, int, str, str, date, int | None]]) -> list[Listed]:
    return [Listed(i, c, n, DeadlineKind(k), d, s) for i, c, n, k, d, s in rows]


async def of_clubs(tx: Tx, ids: list[int]) -> list[Listed]:
    """The open deadlines of these clubs, soonest first."""
    if not ids:
        return []
    stmt = _listing().where(col(DeadlineRow.club_id).in_(ids))
    return _listed((await tx.session.execute(stmt)).all())


async def overdue(tx: Tx, today: date, offset: int, limit: int) -> tuple[list[Listed], int]:
    """One page of every open deadline before `today`, soonest first, and how many in all."""
    where = and_(col(DeadlineRow.closed_at).is_(None), col(DeadlineRow.due_on) < today)
    total = await tx.session.execute(select(func.count()).select_from(DeadlineRow).where(where))
    stmt = _listing().where(col(DeadlineRow.due_on) < today).offset(offset).limit(limit)
    return _listed((await tx.session.execute(stmt)).all()), int(total.scalar_one())


async def next_step_at(tx: Tx, now: datetime) -> datetime | None:
    """When the next reminder or escalation falls due after `now` (None: nothing is waiting)."""
    stmt = select(func.min(DeadlineRow.next_at)).where(col(DeadlineRow.next_at) > now)
    found: datetime | None = await tx.session.scalar(stmt)
    return found
