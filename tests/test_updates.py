"""At most once: a redelivered update changes nothing and is not answered again."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import event, text

from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from storage.db import PG_POOL_SIZE
from tests.conftest import PG_URL, MakeDb
from tests.harness import BOT_ID, BOT_USERNAME, Campus


async def test_same_update_twice_one_effect_one_answer(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club", "Go Club")
    alice = await campus.bound("S1", 1001)
    update = alice.incoming(text="/join Chess Club")
    first = await engine.handle(update)
    second = await engine.handle(update)
    assert "Welcome to" in first.replies[0].text
    assert second.duplicate
    assert not second.replies
    assert second.toast is None
    assert "1 of at most 2" in await alice.send("/myclubs")


async def test_same_update_concurrently_one_effect(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    update = alice.incoming(text="/join Chess Club")
    outcomes = await asyncio.gather(*(engine.handle(update) for _ in range(5)))
    assert sum(not o.duplicate for o in outcomes) == 1
    assert sum(len(o.replies) for o in outcomes) == 1


async def test_redelivered_button_press_is_ignored(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    press = alice.incoming(
        callback_id="q", callback_data=alice.button("Academic").data, message_id=1
    )
    assert "choose a club" in (await engine.handle(press)).replies[0].text
    again = await engine.handle(press)
    assert again.duplicate
    assert again.toast is None


async def _drop_connections(pids: list[int]) -> None:
    """What a server restart does to this process's idle connections: ended by the server, and
    gone from it before the next update (the client may not have read the close yet)."""
    admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
    try:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = ANY($1::int[])"
        for _ in range(1000):
            if await admin.fetchval(gone, pids):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the server kept {pids}")
    finally:
        await admin.close()


@pytest.mark.postgres
@pytest.mark.parametrize("run", range(20))
async def test_update_after_the_database_dropped_the_connection(make_db: MakeDb, run: int) -> None:
    """Run 20 times: the client may see the drop as a closed socket or as the server's FATAL
    message in answer to BEGIN, and either way the update runs again on a new connection."""
    db = await make_db("postgres")
    engine = Engine(db, Policy(), build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    campus = Campus(db, engine)
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    # Both of the process's pools: SQLAlchemy's (session routes), and the driver's own (fast).
    async with db.transaction() as session:
        pids = [(await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()]
    async with db.driver_transaction() as driver:
        pids.append(await driver.fetchval("SELECT pg_backend_pid()"))
    await _drop_connections(pids)
    assert "Welcome to" in await alice.send("/join Chess Club")  # fast: the driver's pool
    assert "Choose your language" in await alice.send("/language")  # the session's pool
    assert "1 of at most 2" in await alice.send("/myclubs")


@pytest.mark.postgres
async def test_more_transactions_than_connections_wait_for_one(make_db: MakeDb) -> None:
    """Three times the pool's size in flight: all of them commit, on the pool's own connections
    (none opened and closed beside it, which would fork a server process every time)."""
    db = await make_db("postgres")
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(db.engine.sync_engine, "connect", count)

    async def one(i: int) -> int:
        async with db.transaction() as session:
            stmt = text("SELECT CAST(:i AS integer) FROM pg_sleep(0.01)")
            return int((await session.execute(stmt, {"i": i})).scalar_one())

    for _ in range(3):
        assert await asyncio.gather(*(one(i) for i in range(3 * PG_POOL_SIZE))) == list(
            range(3 * PG_POOL_SIZE)
        )
    assert opened <= PG_POOL_SIZE
