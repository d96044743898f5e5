"""Import reality (issue 17, part 7): a file that records an existing breach is imported with one
warning per row, and the ledger shows the breach; `strict` refuses it as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.cli import main
from bot.domain import compliance
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import roster
from bot.services import unions as union_imports
from storage import ledger as ledger_store
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests import unions as data
from tests.harness import STUDENT_HEADER, student_line

ADVISORS = "staff_id,name,department,party_member\nT1,Teacher One,CS,yes\n"
HEADER = "name,category,guidance_unit,founded,president,advisor"
# T1 guides three clubs (ADV-4 allows two); S2 ranks in the top 80% (ORG-5 wants 50%).
CLUBS = "\n".join(
    [
        HEADER,
        "Chess Club,academic,CS Dept,2020-09-01,S1,T1",
        "Go Club,academic,CS Dept,2020-09-01,S2,T1",
        "Bridge Club,academic,CS Dept,2020-09-01,S3,T1",
    ]
)


async def _world(db: Database) -> None:
    async with db.transaction() as session:
        tx = Tx(session, db)
        students = [student_line("S1"), student_line("S2", rank=80), student_line("S3")]
        await roster.import_students(tx, utcnow(), "\n".join([STUDENT_HEADER, *students]).encode())
        await roster.import_advisors(tx, utcnow(), ADVISORS.encode())


async def _clubs(db: Database, *, strict: bool) -> roster.ImportReport:
    async with db.transaction() as session:
        return await roster.import_clubs(
            Tx(session, db),
            utcnow(),
            CLUBS.encode(),
            policy=Policy(),
            cal=Calendar.named(),
            strict=strict,
        )


async def test_existing_breaches_are_imported_with_a_warning_and_shown(db: Database) -> None:
    await _world(db)
    with pytest.raises(roster.ImportRejected) as caught:
        await _clubs(db, strict=True)
    assert [(e.line, e.reason) for e in caught.value.errors] == [
        (3, "president S2: top 80% of the class, not within the top 50% (ORG-5)"),
        (4, caught.value.errors[1].reason),
    ]
    assert "already guides 2 clubs" in caught.value.errors[1].reason
    report = await _clubs(db, strict=False)
    assert (report.created, report.presidents, report.appointments) == (3, 3, 3)
    assert [(w.line, w.reason.split(" ")[0]) for w in report.warnings] == [
        (3, "president"),
        (4, caught.value.errors[1].reason.split(" ")[0]),
    ]
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), data.TODAY)
    reports = {r.rule: r for r in compliance.compute(snap, Policy())}
    assert [(f.ref, dict(f.params)["count"]) for f in reports["ADV-4"].findings] == [("T1", "3")]
    assert [f.ref for f in reports["ORG-5"].findings] == ["S2"]


async def test_a_union_over_its_cap_is_imported_with_a_warning_per_row(db: Database) -> None:
    await data.load(db)
    tight = Policy(su_school_staff=2)
    posts = (
        "union,student_id,position,department,term_start\n"
        "School SU,S1,president,,2025-09-01\n"
        "School SU,S2,vice_president,,2025-09-01\n"
        "School SU,S3,head,Study,2025-09-01\n"
        "School SU,S4,staff,Study,2025-09-01\n"
    )
    with pytest.raises(roster.ImportRejected) as caught:
        async with db.transaction() as session:
            await union_imports.import_posts(
                Tx(session, db), utcnow(), posts.encode(), policy=tight, strict=True
            )
    assert [e.line for e in caught.value.errors] == [4, 5]
    async with db.transaction() as session:
        report = await union_imports.import_posts(
            Tx(session, db), utcnow(), posts.encode(), policy=tight
        )
    assert [(w.line, w.reason) for w in report.warnings] == [
        (4, "School SU's person number 3, over SU-1's cap of 2"),
        (5, "School SU's person number 4, over SU-1's cap of 2"),
    ]
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), data.TODAY)
    su_1 = compliance.RULES["SU-1"](snap, tight)
    assert [(f.name, dict(f.params)["count"]) for f in su_1.findings] == [
        ("School SU", "4"),
        ("Graduate SU", "7"),
    ]


def test_the_command_warns_and_strict_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    students = [student_line("S1"), student_line("S2", rank=80), student_line("S3")]
    files = {
        "students": "\n".join([STUDENT_HEADER, *students]),
        "advisors": ADVISORS,
        "clubs": CLUBS,
    }
    for kind, text in files.items():
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
    assert main(["import", "students", "students.csv"]) == 0
    assert main(["import", "advisors", "advisors.csv"]) == 0
    capsys.readouterr()
    assert main(["import", "clubs", "clubs.csv", "--strict"]) == 1
    assert "nothing imported; 2 lines have errors" in capsys.readouterr().err
    assert main(["import", "clubs", "clubs.csv"]) == 0
    out, err = capsys.readouterr()
    assert "3 created" in out
    assert "warning: 2 rows record an existing breach" in err
    assert "line 3: president S2" in err
