"""Students' activity records (second classroom): /myactivities, and `clubbot export
activities` opened with openpyxl; both in statements that do not grow with the records."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app.cli import main
from bot.domain.activities import ActivityAudience
from bot.services import signups
from storage import checkin, people
from storage.db import Database
from storage.tx import Tx
from tests.activities import OFFICER, seeded
from tests.checkins import approved
from tests.conftest import MakeDb
from tests.harness import CLUB_HEADER, STUDENT_HEADER, student_line
from tests.reminders import CAL
from tests.statements import counted

S2, S3 = OFFICER + 1, OFFICER + 2


async def _present(db: Database, activity_id: int, *student_ids: str, at: datetime) -> None:
    async with db.transaction() as session:
        tx = Tx(session, db)
        found = await people.students_by_ids(tx, list(student_ids))
        for sid in student_ids:
            assert await checkin.add(tx, activity_id, found[sid].id, "code", OFFICER, at)


async def test_my_activities_lists_attended_signed_up_and_hours(db: Database) -> None:
    club = await seeded(db, members=3)
    now = club.w.clock.now()
    second = club.chat(S2)
    assert "—" in await second.send("/myactivities")
    assert "0 activities attended, 0 hours" in second.said
    past = await approved(db, now - timedelta(days=3), "Blitz night", in_hours=1)
    other = await approved(db, now - timedelta(days=2), "Simul", in_hours=1)
    await approved(db, now, "Spring open", in_hours=48, audience=ActivityAudience.STUDENTS)
    await _present(db, past, "S2", "S3", at=now)
    await _present(db, other, "S2", at=now)
    async with db.transaction() as session:
        tx = Tx(session, db)
        student = (await people.students_by_ids(tx, ["S2"]))["S2"]
        coming = await signups.upcoming(tx, now, student, 0)
        await signups.sign_up(tx, CAL, now, student, coming.entries[0][0].id)

    shown = await second.send("/myactivities")
    assert "2 activities attended, 4.0 hours" in shown
    assert "Academic and science: 4.0 h" in shown
    assert "Blitz night — Chess Club, 2.0 h" in shown
    assert "Spring open — Chess Club: ✅ Signed up" in shown
    assert "1 activity attended, 2.0 hours" in await club.chat(S3).send("/myactivities")
    # Someone without a student record has no activity record.
    assert "First bind your student record" in await club.chat(4242).send("/myactivities")


async def _my_statements(db: Database, n: int) -> int:
    club = await seeded(db, members=2)
    now = club.w.clock.now()
    for i in range(n):
        act = await approved(db, now - timedelta(days=i + 1), f"Night {i}", in_hours=1)
        await _present(db, act, "S2", at=now)
    with counted(db) as sent:
        assert f"{n} activit" in await club.chat(S2).send("/myactivities")
    return len(sent)


async def _export_statements(db: Database, n: int) -> int:
    club = await seeded(db, members=2)
    now = club.w.clock.now()
    for i in range(n):
        act = await approved(db, now - timedelta(days=i + 1), f"Night {i}", in_hours=1)
        await _present(db, act, "S1", "S2", at=now)
    with counted(db) as sent:
        async with db.transaction() as session:
            found = await checkin.records(Tx(session, db))
    assert len(found) == 2 * n
    return len(sent)


async def test_records_do_not_grow_with_their_number(make_db: MakeDb, backend: str) -> None:
    assert await _my_statements(await make_db(backend), 2) == await _my_statements(
        await make_db(backend), 10
    )
    assert await _export_statements(await make_db(backend), 2) == await _export_statements(
        await make_db(backend), 10
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


async def _seed(url: str) -> None:
    db = Database(url)
    try:
        start = datetime.fromisoformat("2026-03-10T11:00:00+00:00")  # 19:00 in Shanghai
        march = await approved(db, start - timedelta(hours=2), "March talk", in_hours=2)
        april = await approved(db, start + timedelta(days=30), "April walk", in_hours=2)
        await _present(db, march, "S1", "S2", at=start)
        await _present(db, april, "S2", at=start)
    finally:
        await db.dispose()


def test_export_activities_writes_the_second_classroom_workbook(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    students = env / "students.csv"
    students.write_text("\n".join([STUDENT_HEADER, student_line("S1"), student_line("S2")]))
    clubs = env / "clubs.csv"
    clubs.write_text(f"{CLUB_HEADER}\nChess Club,academic,CS Dept,2020-09-01\n")
    assert main(["import", "students", str(students)]) == 0
    assert main(["import", "clubs", str(clubs)]) == 0
    asyncio.run(_seed(f"sqlite:///{env / 'cli.db'}"))

    out = env / "records.xlsx"
    assert main(["export", "activities", str(out)]) == 0
    assert "3 activity records" in capsys.readouterr().out
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == (
        "student_id",
        "name",
        "college",
        "activity",
        "club",
        "kind",
        "date",
        "hours",
        "category",
    )
    assert [(r[0], r[3], r[7], r[8]) for r in rows[1:]] == [
        ("S1", "March talk", 2.0, "academic"),
        ("S2", "March talk", 2.0, "academic"),
        ("S2", "April walk", 2.0, "academic"),
    ]
    assert str(rows[1][6]).startswith("2026-03-10")

    assert (
        main(["export", "activities", str(out), "--from", "2026-03-01", "--to", "2026-03-31"]) == 0
    )
    assert "2 activity records" in capsys.readouterr().out
    assert len(list(load_workbook(out).active.iter_rows())) == 3
    assert (
        main(["export", "activities", str(out), "--from", "2026-04-01", "--to", "2026-03-01"]) == 1
    )
    assert "before" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "activities", str(env / "records.pdf")])


async def _owed_statements(db: Database, n: int) -> tuple[int, int]:
    """Statements of /activity_report listing `n` owed reports, and of the organizer's /checkin
    with `n` activities open at once."""
    club = await seeded(db, members=2)
    now = club.w.clock.now()
    for i in range(n):
        act = await approved(db, now - timedelta(days=1, hours=i), f"Past {i}", in_hours=1)
        await _present(db, act, "S2", at=now)
        await approved(db, now, f"Now {i}", in_hours=0.25)
    officer = club.chat(OFFICER)
    with counted(db) as listing:
        assert "Several activities wait for their report" in await officer.send("/activity_report")
    with counted(db) as opened:
        assert "Which one?" in await officer.send("/checkin")
    return len(listing), len(opened)


async def test_owed_reports_and_open_check_ins_do_not_grow(make_db: MakeDb, backend: str) -> None:
    few = await _owed_statements(await make_db(backend), 2)
    many = await _owed_statements(await make_db(backend), 8)
    assert few == many, (few, many)
