"""The database holds the unions' invariants too (two imports can race): nobody sits in two
presidiums, nobody holds two posts in one union, no congress has more present than elected."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from storage import unions as store
from storage.db import Database
from storage.tx import Tx
from tests import unions as data

POST = {"position": "president", "term_start": date(2025, 9, 1), "from_college_union": False}


async def _ids(db: Database) -> tuple[int, int, int]:
    async with db.transaction() as session:
        tx = Tx(session, db)
        unions = await store.unions_by_keys(tx, ["engineering su", "arts su"])
        pks = await store.student_pks(tx, ["S20"])
    return unions["engineering su"].id, unions["arts su"].id, pks["S20"]


async def test_two_presidiums_are_refused_by_the_database(db: Database) -> None:
    await data.load(db)
    engineering, arts, student = await _ids(db)
    async with db.transaction() as session:
        await store.replace_posts(
            Tx(session, db),
            [engineering],
            {},
            [(engineering, None, {**POST, "student_pk": student})],
        )
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            # Written past the import's own check, as a racing import would.
            await store.replace_posts(
                Tx(session, db), [arts], {}, [(arts, None, {**POST, "student_pk": student})]
            )


async def test_more_present_than_representatives_is_refused_by_the_database(
    db: Database,
) -> None:
    await data.load(db)
    engineering, _, _ = await _ids(db)
    values = {"kind": "congress", "representatives": 5, "present": 6, "seats": 1, "candidates": 2}
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await store.upsert_congresses(
                Tx(session, db), {(engineering, date(2026, 5, 1)): values}
            )
