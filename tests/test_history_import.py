"""The advisor bank, the guidance units, and clubs that existed before the bot: their
president, advisor and term, last general meeting and last review come from the clubs file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.services import roster
from storage import advisors, clubs, officers, units
from storage.db import Database
from storage.models import AppointmentRow, GeneralMeetingRow, GuidanceUnitRow, ReviewRow
from storage.tx import Tx
from tests.clock import FakeClock, local
from tests.harness import CLUB_HEADER
from tests.reminders import ADVISOR_HEADER, World

START = date(2026, 3, 2)


async def _world(db: Database) -> World:
    w = World(db, FakeClock(local(START, 9)))
    await w.seed("Chess Club,academic,CS Dept,2020-09-01,S1,T1,2026-08-31,2025-05-20,2025-11-20")
    return w


async def test_the_history_columns_make_officers_appointments_and_records(db: Database) -> None:
    w = await _world(db)
    async with db.transaction() as session:
        tx = Tx(session, db)
        club = await clubs.club_by_key(tx, "chess club")
        assert club is not None
        assert await officers.president(tx, club.id) is not None
        current = await advisors.current(tx, club.id)
        assert current is not None
        assert current.advisor.staff_id == "T1"
        assert current.term_end == date(2026, 8, 31)
        [meeting] = list(await session.scalars(select(GeneralMeetingRow)))
        assert (meeting.held_on, meeting.status, meeting.recorded_by) == (
            date(2025, 5, 20),
            "confirmed",
            None,
        )
        [review] = list(await session.scalars(select(ReviewRow)))
        assert (review.year, review.result) == (2025, "pass")
        [unit] = list(await session.scalars(select(GuidanceUnitRow)))
        assert (unit.name, unit.kind) == ("CS Dept", "department")
        assert await clubs.unit_of(tx, club.id) == unit.id
    assert await w.open_deadlines() == {
        "meeting": date(2026, 5, 20),
        "advisor_term": date(2026, 8, 31),
        "statement": date(2026, 8, 31),  # ACT-7: the spring semester's, by its last day
    }
    # The same file again changes nothing.
    report = await w.import_clubs(
        "Chess Club,academic,CS Dept,2020-09-01,S1,T1,2026-08-31,2025-05-20,2025-11-20"
    )
    assert (report.unchanged, report.presidents, report.appointments, report.meetings) == (
        1,
        0,
        0,
        0,
    )
    # A new advisor replaces the old one; a later meeting moves the deadline.
    report = await w.import_clubs("Chess Club,academic,CS Dept,2020-09-01,S2,T2,,2025-12-01,")
    assert (report.presidents, report.appointments, report.meetings) == (1, 1, 1)
    async with db.transaction() as session:
        rows = list(await session.scalars(select(AppointmentRow).order_by(AppointmentRow.id)))
    assert [(r.end_reason, r.term_end) for r in rows] == [
        ("replaced", date(2026, 8, 31)),
        (None, date(2027, 3, 2)),  # one term from today
    ]
    assert (await w.open_deadlines())["meeting"] == date(2026, 12, 1)


async def test_bad_history_rows_import_nothing(db: Database) -> None:
    w = await _world(db)
    tomorrow = (START + timedelta(days=1)).isoformat()
    with pytest.raises(roster.ImportRejected) as caught:
        await w.import_clubs(
            "Go Club,other,CS Dept,2021-01-01,S9,,,,",
            "Band,culture_sports,CS Dept,2021-01-01,,T9,,,",
            f"Bridge,other,CS Dept,2021-01-01,,,,{tomorrow},",
            "Chess Club,academic,CS Dept,2020-09-01,,,2026-09-01,,",
            # ADV-2: an ideological club needs a Party member; T2 is not.
            "Debate,ideological,CS Dept,2021-01-01,,T2,,,",
        )
    assert [(e.line, e.reason.split(" ")[0]) for e in caught.value.errors] == [
        (5, "advisor_term_end"),  # found while parsing, before the database is asked
    ]
    with pytest.raises(roster.ImportRejected) as caught:
        await w.import_clubs(
            "Go Club,other,CS Dept,2021-01-01,S9,,,,",
            "Band,culture_sports,CS Dept,2021-01-01,,T9,,,",
            f"Bridge,other,CS Dept,2021-01-01,,,,{tomorrow},",
            "Debate,ideological,CS Dept,2021-01-01,,T2,,,",
            # ADV-4: T1 already guides Chess Club; a second club is fine, a third is not.
            "Chess 2,academic,CS Dept,2021-01-01,,T1,,,",
            "Chess 3,academic,CS Dept,2021-01-01,,T1,,,",
        )
    reasons = [(e.line, e.reason) for e in caught.value.errors]
    assert [line for line, _ in reasons] == [2, 3, 4, 5, 7]
    assert "S9 is not in the roster" in reasons[0][1]
    assert "T9 is not in the advisor bank" in reasons[1][1]
    assert "in the future" in reasons[2][1]
    assert "Party member (ADV-2)" in reasons[3][1]
    assert "already guides 2 clubs" in reasons[4][1]
    async with db.transaction() as session:
        tx = Tx(session, db)
        assert await clubs.club_by_key(tx, "go club") is None
        assert await clubs.club_by_key(tx, "chess 2") is None


async def test_files_without_the_history_columns_still_import(db: Database) -> None:
    w = World(db, FakeClock(local(START, 9)))
    data = f"{CLUB_HEADER}\nChess Club,academic,New Unit,2026-01-10\n".encode()
    async with db.transaction() as session:
        report = await roster.import_clubs(
            Tx(session, db), w.clock.now(), data, policy=w.policy, cal=w.engine.cal
        )
    assert report.created == 1
    assert await w.open_deadlines() == {
        "meeting": date(2027, 1, 10),
        "statement": date(2026, 8, 31),
    }
    async with db.transaction() as session:
        unit = await units.unit_by_name(Tx(session, db), "new unit")
    assert unit is not None
    assert unit.kind is None  # known by name only, until the units file says what it is


async def test_advisor_and_unit_files_are_validated_and_upserted(db: Database) -> None:
    now = local(START, 9)
    bad = "\n".join([ADVISOR_HEADER, "T1,One,CS,maybe", "T1,One,CS,yes", ",x,y,no"]).encode()
    with pytest.raises(roster.ImportRejected) as caught:
        roster.parse_advisors(bad)
    assert [(e.line, e.reason.split(" ")[0]) for e in caught.value.errors] == [
        (2, "party_member"),
        (4, "staff_id"),
    ]
    with pytest.raises(roster.ImportRejected) as caught:
        roster.parse_units(b"name,kind\nCS Dept,faculty\n")
    assert "kind 'faculty' is not one of department|party_org|research" in str(
        caught.value.errors[0]
    )
    async with db.transaction() as session:
        tx = Tx(session, db)
        good = "\n".join([ADVISOR_HEADER, "T1,One,CS,yes"]).encode()
        assert (await roster.import_advisors(tx, now, good)).created == 1
        again = "\n".join([ADVISOR_HEADER, "T1,One,Maths,yes"]).encode()
        assert (await roster.import_advisors(tx, now, again)).updated == 1
        await roster.import_units(tx, now, b"name,kind\nCS Dept,department\n")
        report = await roster.import_units(tx, now, b"name,kind\ncs dept,party_org\n")
        assert report.updated == 1
        assert (await units.unit_by_name(tx, "CS DEPT")).kind == "party_org"  # type: ignore[union-attr]
