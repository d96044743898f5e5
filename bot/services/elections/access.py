"""Who may do what in an election, who votes in it and who hears of it (ORG-3, REG-7).

Every action re-reads the election through `election`, which refuses a club that may no longer
act, checks its phase with `require_phase`, and leaves each change in the audit log (`record`).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.elections import Election, Phase, UnknownElection, WrongPhase
from bot.domain.policy import Level
from bot.domain.values import (
    Category,
    Club,
    ClubNotActive,
    ClubStatus,
    Role,
    Student,
    UnknownClub,
)
from storage import advisors, audit, clubs, officers, people, units
from storage import applications as applications_store
from storage import deadlines as deadlines_store
from storage import elections as elections_store
from storage.deadlines import Recipient
from storage.tx import Tx


async def record(
    tx: Tx, now: datetime, actor: int | None, what: str, row: Election, **after: object
) -> None:
    """An election's state change, into the audit log in its own transaction.

    Never a ballot, a voter or a time of voting: the secret ballot (ORG-5) stays secret here.
    """
    await audit.append(
        tx,
        now,
        actor,
        f"election.{what}",
        club_id=row.club_id,
        subject=f"election:{row.id}",
        after={"phase": row.phase, **after},
    )


# --- who may do what -------------------------------------------------------------------------


async def is_advisor(tx: Tx, user_id: int, club_id: int) -> bool:
    """The club's current advisor."""
    mine = await people.advisor_of_account(tx, user_id)
    current = await advisors.current(tx, club_id)
    return mine is not None and current is not None and current.advisor.id == mine.id


async def is_rep(tx: Tx, user_id: int, club_id: int) -> bool:
    """A representative of the club's guidance unit."""
    unit_id = await clubs.unit_of(tx, club_id)
    return unit_id is not None and unit_id in await units.units_represented_by(tx, user_id)


async def is_staff(tx: Tx, user_id: int) -> bool:
    """Staff of the student affairs office."""
    return Role.STAFF in await people.roles_of(tx, user_id)


async def may_start(tx: Tx, user_id: int, student: Student | None, club_id: int) -> bool:
    """An officer of the club, its advisor, or staff."""
    student_pk = (
        student.id if student is not None else await elections_store.student_pk_of(tx, user_id)
    )
    if student_pk is not None and await officers.is_officer(tx, student_pk, club_id):
        return True
    return await is_advisor(tx, user_id, club_id) or await is_staff(tx, user_id)


async def may_review(tx: Tx, user_id: int, row: Election) -> bool:
    """The advisor reviews the candidates (staff may act in their place)."""
    return await advises(tx, user_id, row) or await is_staff(tx, user_id)


async def advises(tx: Tx, user_id: int, row: Election) -> bool:
    """The club's advisor; at a founding meeting, the advisor the application names."""
    if row.club_id is not None:
        return await is_advisor(tx, user_id, row.club_id)
    app = await application(tx, row)
    mine = await people.advisor_of_account(tx, user_id)
    return mine is not None and app.advisor_pk == mine.id


async def founding_meetings_seen(
    tx: Tx, user_id: int, student: Student | None, advisor_pk: int | None, staff: bool
) -> list[tuple[Election, Club]]:
    """The founding meetings (of clubs not founded yet) this person follows: as a founding
    member or the sponsor, as the application's advisor, or as staff."""
    rows = await elections_store.founding_meetings(
        tx,
        student_pk=student.id if student is not None else None,
        advisor_pk=advisor_pk,
        every=staff,
    )
    return [(row, await club_of(tx, row)) for row in rows]


# --- the voters: the club's members, or at a founding meeting its founding members (ORG-3) ---


async def application(tx: Tx, row: Election) -> applications_store.Application:
    """The application whose founding meeting this is."""
    assert row.application_id is not None
    app = await applications_store.get(tx, row.application_id)
    if app is None:
        raise UnknownElection()
    return app


async def _founders(tx: Tx, row: Election) -> list[applications_store.Signer]:
    assert row.application_id is not None
    return [s for s in await applications_store.signers(tx, row.application_id) if s.founder]


async def is_member(tx: Tx, row: Election, student_pk: int) -> bool:
    """A member of the club (at a founding meeting, a founding member)."""
    if row.club_id is not None:
        return await elections_store.is_member(tx, row.club_id, student_pk)
    return any(s.student.id == student_pk for s in await _founders(tx, row))


async def member_pks(tx: Tx, row: Election) -> list[int]:
    """The students on the roll when voting opens, by record."""
    if row.club_id is not None:
        return sorted(await clubs.member_pks(tx, row.club_id))
    return sorted(s.student.id for s in await _founders(tx, row))


async def members(tx: Tx, row: Election) -> list[Student]:
    """The members (at a founding meeting, the founding members) by name: whom a member may
    nominate."""
    if row.club_id is not None:
        return await people.students_by_pks(tx, await clubs.member_pks(tx, row.club_id))
    founders = [s.student for s in await _founders(tx, row)]
    return sorted(founders, key=lambda s: (s.name, s.id))


async def member_accounts(tx: Tx, row: Election) -> list[Recipient]:
    """The members' accounts, to write to."""
    if row.club_id is not None:
        return await elections_store.member_accounts(tx, row.club_id)
    return [
        Recipient(s.user_id, await people.language_of(tx, s.user_id))
        for s in await _founders(tx, row)
    ]


async def recipients(tx: Tx, row: Election, level: Level) -> list[Recipient]:
    """The people of `level` for this election; at a founding meeting the application's advisor
    stands for the advisor, its sponsor for the officers, and staff for everyone else."""
    if row.club_id is not None:
        return (await deadlines_store.recipients(tx, level, [row.club_id])).get(row.club_id, [])
    app = await application(tx, row)
    if level is Level.ADVISOR:
        found = (
            await elections_store.advisor_recipient(tx, app.advisor_pk) if app.advisor_pk else None
        )
        return [] if found is None else [found]
    if level is Level.OFFICERS:
        return [Recipient(app.sponsor_user, await people.language_of(tx, app.sponsor_user))]
    if level is Level.STAFF:
        return (await deadlines_store.recipients(tx, level, [0])).get(0, [])
    return []


# --- the election and its club ---------------------------------------------------------------


async def club(tx: Tx, club_id: int) -> Club:
    """The club, or UnknownClub."""
    found = await clubs.club(tx, club_id)
    if found is None:
        raise UnknownClub(name=str(club_id))
    return found


async def club_of(tx: Tx, row: Election) -> Club:
    """The election's club; for a founding meeting, the club the application would found
    (not stored yet: its id is 0 and nothing reads the club table through it)."""
    if row.club_id is not None:
        return await club(tx, row.club_id)
    assert row.application_id is not None
    return await founding_club(tx, row.application_id)


async def founding_club(tx: Tx, app_id: int) -> Club:
    """The club an approved application would found, as its founding meeting sees it."""
    app = await applications_store.get(tx, app_id)
    if app is None:
        raise UnknownElection()
    assert app.category is not None
    return Club(
        id=0,
        name=app.name,
        category=Category(app.category),
        guidance_unit="",
        founded=app.meeting_on or app.created_at.date(),
        status=ClubStatus.ACTIVE,
    )


async def election(tx: Tx, election_id: int, *, lock: bool = False) -> tuple[Election, Club]:
    """The election and its club; refused when the club may no longer act (REG-7)."""
    row = await elections_store.get(tx, election_id, lock=lock)
    if row is None:
        raise UnknownElection()
    found = await club_of(tx, row)
    if not row.founding and found.status is not ClubStatus.ACTIVE:
        # REG-7: a club that may not act elects nobody.
        raise ClubNotActive(club=found.name)
    return row, found


def require_phase(row: Election, *allowed: Phase) -> None:
    """Refuse an action that does not belong to the election's phase."""
    if row.phase not in allowed:
        raise WrongPhase(phase=row.phase.value)
