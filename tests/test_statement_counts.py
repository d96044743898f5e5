"""No query per row: each staff or batch command sends the same number of statements for a
small university and for one five times its size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import event

from bot.domain.values import Language, Role
from bot.flows.privacy import notice_version
from bot.services import roster
from storage import clubs, officers, people, privacy
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.conftest import MakeDb
from tests.harness import BOT_ID, BOT_USERNAME, Campus, Chat, student_line
from tests.statements import counted

STAFF = 9001
SMALL, LARGE = 6, 30
ADVISORS = "staff_id,name,department,party_member"


async def university(db: Database, size: int) -> Campus:
    """`size` active clubs, each with a president who has a bound account, `size` advisors and
    `3 * size` students; staff holds the staff role."""
    from bot.core.engine import Engine
    from bot.domain.policy import Policy
    from bot.flows import build_router

    engine = Engine(db, Policy(), build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    campus = Campus(db, engine)
    await campus.students(*(student_line(f"S{i}") for i in range(3 * size)))
    lines = [f"Club {i},academic,CS Dept,2020-09-01,S{i}" for i in range(size)]
    now = utcnow()
    async with db.transaction() as session:
        tx = Tx(session, db)
        header = "name,category,guidance_unit,founded,president"
        await roster.import_clubs(
            tx, now, "\n".join([header, *lines]).encode(), policy=engine.policy, cal=engine.cal
        )
        advisors = [f"T{i},Teacher {i},CS,{'yes' if i % 2 else 'no'}" for i in range(size)]
        await roster.import_advisors(tx, now, "\n".join([ADVISORS, *advisors]).encode())
        students = await people.students_by_ids(tx, [f"S{i}" for i in range(size)])
        for i in range(size):
            await people.ensure_account(tx, 5000 + i, Language.EN, now)
            await people.bind(tx, 5000 + i, students[f"S{i}"].id, now)
            await privacy.give_consent(tx, 5000 + i, notice_version(engine.policy), now)
        await people.ensure_account(tx, STAFF, Language.EN, now)
        await people.grant(tx, STAFF, Role.STAFF, now)
        assert len(await officers.officer_accounts(tx, list(range(1, size + 1)))) == size
    return campus


Work = Callable[[Campus], Awaitable[object]]


async def issue_codes(campus: Campus) -> object:
    return await campus.codes()


async def review_open(campus: Campus) -> object:
    reply = await Chat(campus.engine, STAFF).send("/review_open 2026 2026-12-31")
    assert "review" in reply.lower(), reply
    return reply


async def export_clubs(campus: Campus) -> object:
    staff = Chat(campus.engine, STAFF)
    outcome = await staff.deliver(staff.incoming(text="/export clubs"))
    assert outcome.replies[0].attachment is not None
    return await outcome.replies[0].attachment.read()


async def import_students_again(campus: Campus) -> object:
    """Re-importing the whole roster with one change per student."""
    size = await _size(campus)
    lines = [student_line(f"S{i}", rank=30) for i in range(3 * size)]
    return await campus.students(*lines)


async def _size(campus: Campus) -> int:
    async with campus.db.transaction() as session:
        return len(await clubs.all_clubs(Tx(session, campus.db)))


@pytest.mark.parametrize(
    "work",
    [issue_codes, review_open, export_clubs, import_students_again],
    ids=lambda w: w.__name__,
)
async def test_statements_do_not_grow_with_the_data(
    make_db: MakeDb, backend: str, work: Work
) -> None:
    counts = []
    for size in (SMALL, LARGE):
        db = await make_db(backend)
        campus = await university(db, size)
        with counted(db) as sent:
            await work(campus)
        counts.append(len(sent))
    assert counts[0] == counts[1], f"{counts}: grows with the data"


async def test_a_ballot_press_costs_what_a_join_costs(db: Database) -> None:
    """Each press of the ballot (open, mark, cast) reads the paper and the voter's state in one
    statement and runs on the driver's connection, as /join does: no ORM session, no re-run."""
    from bot.services import elections
    from tests.elections import OFFICER, Club

    club = await Club.seeded(db)
    await club.w.import_clubs("Go Club,academic,CS Dept,2020-09-01,,,,,")
    member = club.chat(1002)
    with counted(db) as sent:
        await member.send("/join Go Club")
    join = len(sent)
    club_id = await club.club_id()  # before the transaction: SQLite has one writer
    async with db.transaction() as session:
        await elections.start_general_meeting(
            Tx(session, db),
            club.w.policy,
            club.w.clock.now(),
            club_id,
            ["Adopt the charter"],
            started_by=OFFICER,
        )
    await club.tick(minutes=1)
    voter = club.chat(1003)
    sessions: list[str] = []

    def in_session(*_: object) -> None:
        sessions.append("session")

    presses = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", in_session)
    try:
        for press in (
            lambda: club.press_sent(1003, "Vote"),
            lambda: voter.click("Yes"),
            lambda: voter.click("Cast my ballot"),
        ):
            with counted(db) as sent:
                await press()
            presses.append(len(sent))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", in_session)
    assert "Receipt" in voter.said, voter.said
    opened, marked, cast = presses
    assert opened <= join, presses
    assert marked <= join, presses
    # The vote: the voter's row flipped and one ballot for the one motion.
    assert cast <= join + 2, presses
    assert sessions == [], "a ballot press went through the ORM session"
