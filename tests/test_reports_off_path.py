"""Reports run off the chat path: on their own thread, connections and read-only snapshot.

The ledger's computation is held mid-build (its read transaction open) on a `threading.Event`:
a report on the chat loop would block that loop, and one in the chat's write transaction would
hold SQLite's write lock, so another student's /join could not be answered until it ended.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import text

from bot.domain import compliance
from storage import db as db_module
from storage.db import Database
from storage.tx import Tx, transact
from tests.conftest import MakeDb
from tests.harness import Campus
from tests.test_status import staff_chat


async def test_a_chat_is_answered_while_the_ledger_is_built(
    campus: Campus, monkeypatch: pytest.MonkeyPatch
) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    staff = await staff_chat(campus)
    inside, release = threading.Event(), threading.Event()
    compute = compliance.compute

    def held(snapshot: compliance.Snapshot, policy: Any) -> list[compliance.RuleReport]:
        inside.set()
        if not release.wait(20):
            raise AssertionError("the ledger was never released")
        return compute(snapshot, policy)

    monkeypatch.setattr(compliance, "compute", held)
    ledger = asyncio.create_task(staff.send("/ledger"))
    assert await asyncio.to_thread(inside.wait, 20), "the ledger never started"

    # The ledger is mid-build: another chat writes, and is answered.
    joined = await asyncio.wait_for(alice.send("/join Chess Club"), 15)
    assert "Chess Club" in joined, joined
    assert "not" not in joined, joined
    assert not ledger.done()

    release.set()
    answer = await asyncio.wait_for(ledger, 15)
    assert "ledger" in answer.lower(), answer
    # It saw the data as it stood when it began (one snapshot), and the next one sees the join.
    assert "Chess Club" in await alice.send("/myclubs")


async def test_a_report_cannot_write(db: Database) -> None:
    async def write(tx: Tx) -> None:
        await tx.session.execute(text("DELETE FROM student"))

    with pytest.raises(Exception, match=r"(?i)read.only|readonly"):
        await db.read(write)


async def test_reports_read_one_snapshot_while_others_write(db: Database) -> None:
    """Two reads in one report agree although a write commits between them."""
    between, written = threading.Event(), threading.Event()

    async def count(tx: Tx) -> tuple[int, int]:
        stmt = text("SELECT count(*) FROM guidance_unit")
        first = (await tx.session.execute(stmt)).scalar_one()
        between.set()
        await asyncio.to_thread(written.wait, 20)
        second = (await tx.session.execute(stmt)).scalar_one()
        return int(first), int(second)

    report = asyncio.create_task(db.read(count))
    await asyncio.to_thread(between.wait, 20)
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO guidance_unit (name, name_key, kind, created_at)"
                " VALUES ('U', 'u', 'college', CURRENT_TIMESTAMP)"
            )
        )
    written.set()
    first, second = await report
    assert first == second


@pytest.mark.postgres
async def test_a_busy_pool_makes_updates_wait_not_fail(
    make_db: MakeDb, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every chat connection busy for longer than the pool's wait: the next transaction waits
    again instead of failing (a voter in a burst was told "something went wrong")."""
    monkeypatch.setattr(db_module, "PG_POOL_SIZE", 1)
    monkeypatch.setattr(db_module, "POOL_WAIT_SECONDS", 0.2)
    db = await make_db("postgres")

    async def units(tx: Tx) -> int:
        found = await tx.session.execute(text("SELECT count(*) FROM guidance_unit"))
        return int(found.scalar_one())

    async with db.transaction() as busy:
        await busy.execute(text("SELECT 1"))  # holds the pool's one connection
        waiting = asyncio.create_task(transact(db, units))
        await asyncio.sleep(0.7)  # three of the pool's waits
        assert not waiting.done()
    assert await asyncio.wait_for(waiting, 10) == 0
    assert "waiting again" in caplog.text
