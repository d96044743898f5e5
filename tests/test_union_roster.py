"""SU-5: the roster's optional eligibility columns, validated like the others."""

from __future__ import annotations

import pytest

from bot.domain.unions import DegreeLevel, Eligibility, RankBasis
from bot.services import roster
from storage import unions
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import STUDENT_HEADER, student_line

HEADER = STUDENT_HEADER + ",major,grade,degree_level,major_rank_pct,rank_basis,failed_courses"


async def _import(db: Database, *lines: str) -> None:
    async with db.transaction() as session:
        await roster.import_students(
            Tx(session, db), utcnow(), "\n".join([HEADER, *lines]).encode()
        )


async def _eligibility(db: Database) -> dict[str, Eligibility]:
    async with db.transaction() as session:
        tx = Tx(session, db)
        pks = await unions.student_pks(tx, ["S1", "S2", "S3"])
        found = await unions.eligibility_of(tx, list(pks.values()))
    by_pk = {pk: sid for sid, pk in pks.items()}
    return {by_pk[pk]: e for pk, e in found.items()}


async def test_the_columns_are_stored_and_updated(db: Database) -> None:
    await _import(
        db,
        student_line("S1") + ",Physics,2,undergrad,25,year,0",
        student_line("S2") + ",,,,,,",
    )
    found = await _eligibility(db)
    assert found["S1"] == Eligibility("Physics", 2, DegreeLevel.UNDERGRAD, 25, RankBasis.YEAR, 0)
    assert found["S2"] == Eligibility()
    await _import(db, student_line("S1") + ",Physics,3,undergrad,40,semester,1")
    assert (await _eligibility(db))["S1"].failed_courses == 1
    # A roster without the columns leaves them as they are.
    async with db.transaction() as session:
        await roster.import_students(
            Tx(session, db), utcnow(), "\n".join([STUDENT_HEADER, student_line("S1")]).encode()
        )
    assert (await _eligibility(db))["S1"].grade == 3


async def test_every_error_of_a_line_is_listed_and_nothing_is_imported(db: Database) -> None:
    with pytest.raises(roster.ImportRejected) as caught:
        await _import(
            db,
            student_line("S1") + ",Physics,9,bachelor,101,weekly,x",
            student_line("S2") + ",Physics,0,,,year,",
            student_line("S3") + ",Physics,1,phd,10,year,0",
        )
    errors = {e.line: e.reason for e in caught.value.errors}
    assert sorted(errors) == [2, 3]
    for column in ("grade", "degree_level", "major_rank_pct", "rank_basis", "failed_courses"):
        assert column in errors[2], column
    assert "grade 0" in errors[3]
    assert "rank_basis is given without major_rank_pct" in errors[3]
    assert await _eligibility(db) == {}
