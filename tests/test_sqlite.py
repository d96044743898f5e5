"""The in-loop SQLite driver: another process's write lock is waited for without blocking."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import storage.db
from storage.db import Database
from tests.conftest import MakeDb


def _other_process_holding_the_lock(db: Database) -> sqlite3.Connection:
    path = make_url(db.url).database
    assert path is not None
    assert Path(path).exists()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_waiting_for_another_writer_keeps_the_loop_running(make_db: MakeDb) -> None:
    db = await make_db("sqlite")
    other = _other_process_holding_the_lock(db)
    ticked = asyncio.Event()

    async def ticker() -> None:
        for _ in range(20):  # sleeps, each a turn of the event loop with its timers
            await asyncio.sleep(0.001)
        ticked.set()

    async def write() -> int:
        async with db.transaction() as session:
            return int((await session.execute(text("SELECT 1"))).scalar_one())

    writing = asyncio.create_task(write())  # it runs first, and is soon waiting for the lock
    ticking = asyncio.create_task(ticker())
    # The event loop goes on while the transaction waits (no clock: a busy machine only slows it).
    await asyncio.wait_for(ticked.wait(), timeout=30)
    assert not writing.done(), "the write lock is held elsewhere"
    other.commit()
    assert await asyncio.wait_for(writing, timeout=5) == 1
    ticking.cancel()
    other.close()
    # Each attempt may block the loop for the driver's busy timeout only: a few milliseconds.
    async with db.transaction() as session:
        busy = (await session.execute(text("PRAGMA busy_timeout"))).scalar_one()
    assert busy == storage.db.BUSY_TIMEOUT_MS <= 10


async def test_a_lock_held_too_long_is_an_error(
    make_db: MakeDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await make_db("sqlite")
    monkeypatch.setattr(storage.db, "LOCK_WAIT_SECONDS", 0.1)
    other = _other_process_holding_the_lock(db)
    with pytest.raises(OperationalError, match="locked"):
        async with db.transaction():
            pass
    other.rollback()
    async with db.transaction() as session:  # free again
        await session.execute(text("SELECT 1"))
    other.close()


async def test_a_run_of_transactions_lets_other_tasks_run(make_db: MakeDb) -> None:
    db = await make_db("sqlite")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    for _ in range(50):  # a batch job: one small transaction after another
        async with db.transaction() as session:
            await session.execute(text("SELECT 1"))
    assert ticks - before >= 49, "the ticker ran between the transactions"
    ticking.cancel()
