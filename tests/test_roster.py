"""Roster and club imports: every bad row listed, nothing imported unless every row is good."""

from __future__ import annotations

import pytest

from bot.services import roster
from storage import people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import CLUB_HEADER, STUDENT_HEADER, student_line


async def _import_students(db: Database, data: bytes) -> roster.ImportReport:
    async with db.transaction() as session:
        return await roster.import_students(Tx(session, db), utcnow(), data)


async def test_import_is_an_upsert(db: Database) -> None:
    first = "\n".join([STUDENT_HEADER, student_line("S1"), student_line("S2")]).encode()
    report = await _import_students(db, first)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    again = "\n".join([STUDENT_HEADER, student_line("S1", rank=90), student_line("S2")])
    report = await _import_students(db, again.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)


async def test_bad_rows_are_all_listed_and_nothing_is_imported(db: Database) -> None:
    data = "\n".join(
        [
            STUDENT_HEADER,
            student_line("S1"),
            "S2,Name,College,Class,expelled,no,10,none",
            "S3,Name,College,Class,enrolled,maybe,10,none",
            "S4,Name,College,Class,enrolled,no,101,none",
            "S5,Name,College,Class,enrolled,no,10,communist",
            "S6,Na\u202eme,College,Class,enrolled,no,10,none",
            ",Name,College,Class,enrolled,no,10,none",
            "S7,too,few",
            student_line("S1"),
        ]
    ).encode()
    with pytest.raises(roster.ImportRejected) as caught:
        await _import_students(db, data)
    lines = [(e.line, e.reason.split(" ")[0]) for e in caught.value.errors]
    assert lines == [
        (3, "status"),
        (4, "disciplinary"),
        (5, "rank_pct"),
        (6, "political"),
        (7, "name"),
        (8, "student_id"),
        (9, "wrong"),
        (10, "duplicate"),
    ]
    async with db.transaction() as session:
        assert await people.students_by_ids(Tx(session, db), ["S1"]) == {}


def test_encoding_and_header_problems() -> None:
    with pytest.raises(roster.ImportRejected, match="1 error") as caught:
        roster.parse_students((STUDENT_HEADER + "\nS1,李雷,x,y,enrolled,no,1,none").encode("gbk"))
    assert "not UTF-8" in caught.value.errors[0].reason
    with pytest.raises(roster.ImportRejected) as caught:
        roster.parse_students(b"student_id,name\nS1,x")
    assert "header lacks college" in caught.value.errors[0].reason


def test_excel_bom_is_accepted() -> None:
    data = ("\ufeff" + STUDENT_HEADER + "\n" + student_line("S1", "李雷")).encode("utf-8")
    [record] = roster.parse_students(data)
    assert record.name == "李雷"


def test_club_names_unique_after_normalization() -> None:
    data = "\n".join(
        [
            CLUB_HEADER,
            "Chess Club,academic,Dept,2020-01-01",
            "ＣＨＥＳＳ  club,other,Dept,2021-01-01",
            "Go,sports,Dept,2020-01-01",
            "Bridge,other,Dept,01/02/2020",
        ]
    ).encode()
    with pytest.raises(roster.ImportRejected) as caught:
        roster.parse_clubs(data)
    assert [(e.line, e.reason.split(" ")[0]) for e in caught.value.errors] == [
        (3, "duplicate"),
        (4, "category"),
        (5, "founded"),
    ]
