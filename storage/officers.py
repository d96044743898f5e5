"""Club officers: who holds which position in a club, since when, until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, tuple_, update
from sqlmodel import col

from bot.domain.values import Club, Language, Student
from storage.clubs import to_club
from storage.models import AccountRow, ClubRow, OfficerRow, StudentRow
from storage.people import students_menus_due, to_student
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Term:
    """One officer's term in a club; `until` is None while it lasts."""

    student_pk: int
    position: str
    since: datetime
    until: datetime | None
    election_id: int | None  # the election that gave it (ORG-5, ORG-7); None when imported


PRESIDENT = "president"


async def president(tx: Tx, club_id: int) -> int | None:
    """The student pk of the club's current president."""
    stmt = (
        select(col(OfficerRow.student_pk))
        .where(col(OfficerRow.club_id) == club_id)
        .where(col(OfficerRow.position) == PRESIDENT)
        .where(col(OfficerRow.until).is_(None))
    )
    return (await tx.session.scalars(stmt)).first()


async def set_president(tx: Tx, club_id: int, student_pk: int, now: datetime) -> bool:
    """Make the student the club's president (ending the current one's term); False if they
    already are. A student holds one position per club, so any other they held ends too."""
    return bool(await set_presidents(tx, {club_id: student_pk}, now))


# Clubs per statement when many presidents are set at once (an import): two bound values each.
CHUNK = 500
# Many rows in one statement (`executemany`): the session's flush would insert them one by one,
# to learn each row's id.
_INSERT = insert(OfficerRow)


async def presidents(tx: Tx, club_ids: list[int]) -> dict[int, int]:
    """The current president's student pk of each of these clubs that has one."""
    found: dict[int, int] = {}
    for i in range(0, len(club_ids), CHUNK):
        stmt = (
            select(col(OfficerRow.club_id), col(OfficerRow.student_pk))
            .where(col(OfficerRow.club_id).in_(club_ids[i : i + CHUNK]))
            .where(col(OfficerRow.position) == PRESIDENT)
            .where(col(OfficerRow.until).is_(None))
        )
        found.update((club_id, pk) for club_id, pk in (await tx.session.execute(stmt)).all())
    return found


async def set_presidents(tx: Tx, wanted: dict[int, int], now: datetime) -> list[int]:
    """Make each student (by club id) their club's president, as `set_president` does for one,
    in a few statements for all; the clubs whose president changed."""
    held = await presidents(tx, list(wanted))
    changed = [club_id for club_id, pk in wanted.items() if held.get(club_id) != pk]
    ended: list[int] = []
    for i in range(0, len(changed), CHUNK):
        pairs = [(club_id, wanted[club_id]) for club_id in changed[i : i + CHUNK]]
        stmt = (
            update(OfficerRow)
            .where(col(OfficerRow.club_id).in_([club_id for club_id, _ in pairs]))
            .where(col(OfficerRow.until).is_(None))
            .where(
                (col(OfficerRow.position) == PRESIDENT)
                | tuple_(col(OfficerRow.club_id), col(OfficerRow.student_pk)).in_(pairs)
            )
            .values(until=now)
            .returning(col(OfficerRow.student_pk))
        )
        ended += (await tx.session.scalars(stmt)).all()
    if changed:
        terms = [
            {
                "club_id": club_id,
                "student_pk": wanted[club_id],
                "position": PRESIDENT,
                "since": now,
                "until": None,
                "election_id": None,
            }
            for club_id in changed
        ]
        await tx.session.execute(_INSERT.execution_options(render_nulls=True), terms)
        # What they are changed: the old and the new presidents' menus follow.
        await students_menus_due(tx, [*ended, *(wanted[club_id] for club_id in changed)])
    return changed


async def clubs_led_by(tx: Tx, student_pk: int) -> list[Club]:
    """The clubs in which the student currently holds a position, by name."""
    stmt = (
        select(ClubRow)
        .join(OfficerRow, col(OfficerRow.club_id) == col(ClubRow.id))
        .where(col(OfficerRow.student_pk) == student_pk)
        .where(col(OfficerRow.until).is_(None))
        .order_by(col(ClubRow.name_key))
    )
    return [to_club(row) for row in await tx.session.scalars(stmt)]


async def is_officer(tx: Tx, student_pk: int, club_id: int) -> bool:
    stmt = (
        select(col(OfficerRow.id))
        .where(col(OfficerRow.student_pk) == student_pk)
        .where(col(OfficerRow.club_id) == club_id)
        .where(col(OfficerRow.until).is_(None))
    )
    return (await tx.session.scalars(stmt)).first() is not None


# --- officers' terms and history -----------------------------------------------------------------


async def current_officers(tx: Tx, club_id: int) -> list[tuple[str, Student]]:
    """The club's current officers as (position, student), the president first."""
    stmt = (
        select(col(OfficerRow.position), StudentRow)
        .join(StudentRow, col(StudentRow.id) == col(OfficerRow.student_pk))
        .where(col(OfficerRow.club_id) == club_id)
        .where(col(OfficerRow.until).is_(None))
        .order_by(col(OfficerRow.position) != PRESIDENT, col(OfficerRow.since))
    )
    rows = (await tx.session.execute(stmt)).all()
    return [(position, to_student(row)) for position, row in rows]


async def officer_accounts(tx: Tx, club_ids: list[int]) -> dict[int, list[tuple[int, Language]]]:
    """The reachable accounts of these clubs' current officers, by club: (user_id, language)."""
    if not club_ids:
        return {}
    stmt = (
        select(col(OfficerRow.club_id), col(AccountRow.user_id), col(AccountRow.language))
        .join(AccountRow, col(AccountRow.student_pk) == col(OfficerRow.student_pk))
        .where(col(OfficerRow.club_id).in_(club_ids))
        .where(col(OfficerRow.until).is_(None))
        .where(col(AccountRow.unreachable_at).is_(None))
        .order_by(col(OfficerRow.club_id), col(AccountRow.user_id))
    )
    found: dict[int, list[tuple[int, Language]]] = {}
    for club_id, user_id, language in (await tx.session.execute(stmt)).all():
        found.setdefault(club_id, []).append((user_id, Language(language)))
    return found


async def end_all(tx: Tx, club_id: int, now: datetime) -> None:
    """End every current position in the club."""
    ended = await tx.session.scalars(
        update(OfficerRow)
        .where(col(OfficerRow.club_id) == club_id)
        .where(col(OfficerRow.until).is_(None))
        .values(until=now)
        .returning(col(OfficerRow.student_pk))
    )
    await students_menus_due(tx, list(ended.all()))


async def take_office(
    tx: Tx,
    club_id: int,
    winners: list[tuple[int, str]],
    election_id: int,
    now: datetime,
) -> None:
    """Winners (student pk, position) take office: the terms of whoever held those positions,
    and any other position the winners held, end now; one transaction, one history."""
    positions = sorted({position for _, position in winners})
    students = [pk for pk, _ in winners]
    stmt = (
        update(OfficerRow)
        .where(col(OfficerRow.club_id) == club_id)
        .where(col(OfficerRow.until).is_(None))
        .where(col(OfficerRow.position).in_(positions) | col(OfficerRow.student_pk).in_(students))
        .values(until=now)
        .returning(col(OfficerRow.student_pk))
    )
    ended = list((await tx.session.scalars(stmt)).all())
    await tx.session.flush()
    for student_pk, position in winners:
        tx.session.add(
            OfficerRow(
                club_id=club_id,
                student_pk=student_pk,
                position=position,
                since=now,
                election_id=election_id,
            )
        )
    await tx.session.flush()
    await students_menus_due(tx, [*ended, *students])


async def history(tx: Tx, club_id: int) -> list[Term]:
    """Every term of the club's officers, oldest first."""
    stmt = (
        select(OfficerRow)
        .where(col(OfficerRow.club_id) == club_id)
        .order_by(col(OfficerRow.since), col(OfficerRow.id))
    )
    return [
        Term(row.student_pk, row.position, row.since, row.until, row.election_id)
        for row in await tx.session.scalars(stmt)
    ]
