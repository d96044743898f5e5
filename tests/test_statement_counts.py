"""No query per row: each staff or batch command sends the same number of statements for a
small university and for one five times its size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.domain.values import Language, Role
from bot.flows.privacy import notice_version
from bot.services import roster
from storage import advisors, clubs, officers, people, privacy
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


async def ledger(campus: Campus) -> object:
    """/ledger, a page button of its summary, a rule's list, and its export."""
    staff = Chat(campus.engine, STAFF)
    assert "ORG-2" in await staff.send("/ledger")
    await staff.click("Next")
    assert "ORG-5" in await staff.send("/ledger ORG-5")
    outcome = await staff.deliver(staff.incoming(text="/ledger export"))
    assert outcome.replies[0].attachment is not None
    return await outcome.replies[0].attachment.read()


async def reminders_scan(campus: Campus) -> object:
    """A tick a year on, when every club's deadlines have steps due: one batch of them."""
    from bot.services import reminders
    from schedules.deadlines import refresh_all

    policy, cal, now = campus.engine.policy, campus.engine.cal, utcnow()
    await refresh_all(campus.db, policy, cal, now)
    size = await _size(campus)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        report = await reminders.scan(tx, policy, cal, now + timedelta(days=400), 10 * size)
    assert report.deadlines >= size, report
    assert report.messages >= size, report
    return report


async def import_students_again(campus: Campus) -> object:
    """Re-importing the whole roster with one change per student."""
    size = await _size(campus)
    lines = [student_line(f"S{i}", rank=30) for i in range(3 * size)]
    return await campus.students(*lines)


async def import_clubs_history(campus: Campus) -> object:
    """Importing the clubs file three times with its history columns: every club gets a new
    president, an advisor, a general meeting and a review; then another advisor (replacing
    the first); then the same advisor for a longer term (a renewal). Each time every club's
    founding date changes too."""
    size = await _size(campus)
    header = f"name,category,guidance_unit,founded,{','.join(roster.CLUB_EXTRAS)}"
    reports = []
    for turn in (0, 1, 2):
        lines = [
            f"Club {i},academic,CS Dept,2020-09-0{1 + turn},S{size + i},"
            f"T{(i + min(turn, 1)) % size},"
            f"2027-0{1 + turn}-28,2025-0{5 + turn}-20,202{2 + turn}-11-20"
            for i in range(size)
        ]
        async with campus.db.transaction() as session:
            report = await roster.import_clubs(
                Tx(session, campus.db),
                utcnow(),
                "\n".join([header, *lines]).encode(),
                policy=campus.engine.policy,
                cal=campus.engine.cal,
            )
        assert (report.appointments, report.meetings, report.reviews) == (size,) * 3, report
        assert report.updated == (size if turn else 0), report
        reports.append(report)
    assert [report.presidents for report in reports] == [size, 0, 0], reports
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        held = await advisors.current_by_club(tx)
    assert sorted(a.advisor.staff_id for a in held.values()) == sorted(
        f"T{i}" for i in range(size)
    )
    assert {a.term_end.month for a in held.values()} == {3}
    return reports


async def import_new_clubs(campus: Campus) -> object:
    """Importing a clubs file of as many new clubs, each with its whole history."""
    size = await _size(campus)
    header = f"name,category,guidance_unit,founded,{','.join(roster.CLUB_EXTRAS)}"
    lines = [
        f"New {i},academic,Unit {i},2020-09-01,S{size + i},T{i},,2025-05-20,2025-11-20"
        for i in range(size)
    ]
    async with campus.db.transaction() as session:
        report = await roster.import_clubs(
            Tx(session, campus.db),
            utcnow(),
            "\n".join([header, *lines]).encode(),
            policy=campus.engine.policy,
            cal=campus.engine.cal,
        )
    assert (report.created, report.presidents, report.appointments) == (size,) * 3, report
    return report


async def _size(campus: Campus) -> int:
    async with campus.db.transaction() as session:
        return len(await clubs.all_clubs(Tx(session, campus.db)))


@pytest.mark.parametrize(
    "work",
    [
        issue_codes,
        review_open,
        export_clubs,
        ledger,
        reminders_scan,
        import_students_again,
        import_clubs_history,
        import_new_clubs,
    ],
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


async def test_a_ledger_page_press_reads_no_ledger(make_db: MakeDb, backend: str) -> None:
    """Issue 18: /ledger computes the ledger once (40 statements at any size) and keeps its
    pages; its page buttons show them again in a few statements, the same at both sizes."""
    ledger, presses = [], []
    for size in (SMALL, LARGE):
        db = await make_db(backend)
        campus = await university(db, size)
        staff = Chat(campus.engine, STAFF)
        with counted(db) as sent:
            assert "ORG-2" in await staff.send("/ledger")
        ledger.append(len(sent))
        first_page = staff.said
        with counted(db) as sent:
            await staff.click("Next")
        presses.append(len(sent))
        assert staff.said != first_page
        with counted(db) as sent:
            await staff.click("◀ Previous")
        assert staff.said == first_page
        assert len(sent) == presses[-1]
    assert presses[0] == presses[1], presses
    # What any report's button costs (whether it was recorded, the turn, the permission; then
    # the claim with the turn, the answer kept) and one statement for the pages: not the
    # ledger's dozens.
    assert presses[0] <= 8, presses
    assert ledger[0] >= 5 * presses[0], (ledger, presses)


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


async def test_the_advisor_list_of_establish_does_not_grow_with_the_bank(
    make_db: MakeDb, backend: str
) -> None:
    """/establish's advisor step weighs ADV-2 and ADV-4 for the whole bank in a few statements:
    the same for a bank five times larger. Half the bank guides two clubs each, the limit, and
    is not offered."""
    counts = []
    for size in (SMALL, LARGE):
        db = await make_db(backend)
        campus = await university(db, size)
        header = f"name,category,guidance_unit,founded,{','.join(roster.CLUB_EXTRAS)}"
        lines = [f"Club {i},academic,CS Dept,2020-09-01,S{i},T{i // 2},,," for i in range(size)]
        async with db.transaction() as session:
            await roster.import_clubs(
                Tx(session, db),
                utcnow(),
                "\n".join([header, *lines]).encode(),
                policy=campus.engine.policy,
                cal=campus.engine.cal,
            )
            await roster.import_units(Tx(session, db), utcnow(), b"name,kind\nCS Dept,department")
        sponsor = await campus.bound(f"S{2 * size}", 7000)
        assert "name" in await sponsor.send("/establish")
        assert "category" in await sponsor.send("Robotics Club"), sponsor.said
        await sponsor.click("Academic and science")
        assert "purpose" in sponsor.said, sponsor.said
        assert "unit" in await sponsor.send("We build robots and compete."), sponsor.said
        with counted(db) as sent:
            await sponsor.click("CS Dept")
        offered = [b.text for row in sponsor.last_with_buttons().buttons for b in row]
        assert f"Teacher {size // 2} (CS)" in offered, offered
        assert "Teacher 0 (CS)" not in offered, offered
        counts.append(len(sent))
    assert counts[0] == counts[1], f"{counts}: grows with the data"


async def test_a_long_refresh_lets_other_updates_run(
    make_db: MakeDb, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: /review_open re-plans every club's deadlines (1,500 clubs: about 200 ms of CPU)
    and gives other updates a turn between chunks of clubs, instead of holding the loop."""
    from bot.services import reminders

    db = await make_db(backend)
    campus = await university(db, SMALL)
    monkeypatch.setattr(reminders, "YIELD_EVERY", 2)
    turns: list[int] = []
    original = Tx.let_others_run

    async def counting(self: Tx) -> None:
        turns.append(1)
        await original(self)

    monkeypatch.setattr(Tx, "let_others_run", counting)
    await review_open(campus)
    assert len(turns) >= SMALL // 2


async def test_only_postgresql_lets_others_run_inside_a_transaction(
    make_db: MakeDb, backend: str
) -> None:
    """On PostgreSQL another update runs meanwhile on a connection of its own; a SQLite
    transaction holds the only write lock on the loop's thread and must not yield."""
    import asyncio

    db = await make_db(backend)
    ran: list[int] = []

    async def other() -> None:
        ran.append(1)

    async with db.transaction() as session:
        task = asyncio.get_running_loop().create_task(other())
        await Tx(session, db).let_others_run()
        assert ran == ([] if db.is_sqlite else [1])
    await task
    assert ran == [1]
