"""Transactions on the driver's connection, and Tx's short way past the session: the same values
as the session's, inside the same transaction, and nothing left behind on any error."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, select

from bot.domain.values import Language
from storage import clubs, conversations, people
from storage.db import Database
from storage.models import AccountRow, MembershipRow, RoleGrantRow, table_of
from storage.tx import Statement, Tx, transact
from tests.conftest import MakeDb
from tests.harness import Campus, student_line

_member = table_of(MembershipRow)
_account = table_of(AccountRow)
# Dates, times, booleans, NULLs and counts: the values whose conversion differs per driver.
_MEMBERSHIP_TIMES = select(
    _member.c.joined_at, _member.c.ended_at, _member.c.slot, _member.c.end_reason
).where(_member.c.student_pk == bindparam("pk"))
_ACCOUNT_FLAGS = select(
    _account.c.language_chosen, _account.c.created_at, _account.c.unreachable_at
).where(_account.c.user_id == bindparam("uid"))


def _typed(rows: Any) -> list[list[tuple[type, object]]]:
    return [[(type(value), value) for value in row] for row in rows]


async def _campus_with_a_member(campus: Campus) -> tuple[int, int]:
    await campus.students(student_line("B1"))
    await campus.clubs("Chess Club")
    chat = await campus.bound("B1", 501)
    await chat.send("/join Chess Club")
    await chat.send("/leave")  # enters the leave flow: a stored conversation
    async with campus.db.transaction() as session:
        account = await session.get(AccountRow, 501)
        assert account is not None
        assert account.student_pk is not None
        return account.student_pk, 501


async def test_fast_rows_equal_the_sessions_rows(campus: Campus) -> None:
    student_pk, user_id = await _campus_with_a_member(campus)
    statements: list[tuple[Statement, dict[str, Any]]] = [
        (conversations._LOAD, {"chat": user_id, "user": user_id}),
        (clubs._MEMBERSHIPS, {"pk": student_pk}),
        (clubs._ACTIVE_COUNTS, {}),
        (clubs._BY_KEY, {"key": "chess club"}),
        (people._RECORD_ROLES, {"pk": student_pk, "user_id": user_id}),
        (_MEMBERSHIP_TIMES, {"pk": student_pk}),
        (_ACCOUNT_FLAGS, {"uid": user_id}),
    ]
    expected = []
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        for stmt, params in statements:
            expected.append(_typed(await session.execute(stmt, params)))
            assert expected[-1], stmt
            assert _typed(await tx.rows(stmt, params)) == expected[-1], stmt
        row = await tx.first(conversations._LOAD, {"chat": user_id, "user": user_id})
        assert (row.conv_flow, row.language) == ("leave", Language.EN.value)
        times = await tx.first(_MEMBERSHIP_TIMES, {"pk": student_pk})
        assert isinstance(times.joined_at, datetime)
    # And with no session at all, on the driver's own connection.
    async with campus.db.driver_transaction() as driver:
        tx = Tx.on_driver(driver, campus.db)
        for (stmt, params), rows in zip(statements, expected, strict=True):
            assert _typed(await tx.rows(stmt, params)) == rows, stmt


async def test_a_fast_statement_sees_what_the_session_holds_back(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        tx = Tx(session, db)
        session.add(AccountRow(user_id=77, language="en", language_chosen=False, created_at=now))
        session.add(RoleGrantRow(user_id=77, role="staff", granted_at=now))
        assert await people.roles_of(tx, 77) == {people.Role.STAFF}


async def test_a_fast_first_statement_is_inside_the_transaction(db: Database) -> None:
    now = datetime.now(UTC)
    written = 0

    async def write_then_fail() -> None:
        nonlocal written
        async with db.transaction() as session:
            tx = Tx(session, db)
            written = await tx.run(people._NEW_ACCOUNT, {"uid": 78, "lang": "en", "now": now})
            raise RuntimeError("roll it back")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert written == 1
    async with db.transaction() as session:
        assert await session.get(AccountRow, 78) is None


async def test_run_counts_the_rows_it_touched(campus: Campus) -> None:
    student_pk, _ = await _campus_with_a_member(campus)
    now = datetime.now(UTC)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        assert await clubs.end_memberships(tx, student_pk, now, "left") == 1
        assert await clubs.end_memberships(tx, student_pk, now, "left") == 0


async def test_an_in_list_is_refused_rather_than_compiled_wrong(db: Database) -> None:
    stmt = select(_account.c.user_id).where(_account.c.language.in_(("en", "zh")))
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="IN"):
            await Tx(session, db).rows(stmt)


async def test_work_without_the_session_runs_once_on_the_driver(db: Database) -> None:
    now = datetime.now(UTC)
    attempts: list[bool] = []

    async def work(tx: Tx) -> int:
        attempts.append(tx._session is None)
        return await tx.run(people._NEW_ACCOUNT, {"uid": 80, "lang": "en", "now": now})

    assert await transact(db, work, session=False) == 1
    assert attempts == [True]
    async with db.transaction() as session:
        assert await session.get(AccountRow, 80) is not None


@pytest.mark.reruns
async def test_work_that_needs_the_session_runs_again_in_a_session(db: Database) -> None:
    """The first attempt wrote before it reached for the session: it is rolled back, so the
    second attempt's insert of the same key does not collide with it; the re-run is counted."""
    now = datetime.now(UTC)
    attempts: list[bool] = []

    async def work(tx: Tx) -> str:
        attempts.append(tx._session is None)
        await tx.run(people._NEW_ACCOUNT, {"uid": 81, "lang": "en", "now": now})
        account = await tx.session.get(AccountRow, 81)
        assert account is not None
        return account.language

    assert await transact(db, work, session=False) == "en"
    assert attempts == [True, False]
    assert db.reruns == 1
    async with db.transaction() as session:
        rows = await session.execute(select(_account.c.user_id).where(_account.c.user_id == 81))
        assert len(rows.all()) == 1


async def test_an_error_in_a_driver_transaction_rolls_it_back(db: Database) -> None:
    now = datetime.now(UTC)

    async def write_then_fail() -> None:
        async with db.driver_transaction() as driver:
            tx = Tx.on_driver(driver, db)
            assert await tx.run(people._NEW_ACCOUNT, {"uid": 82, "lang": "en", "now": now})
            raise RuntimeError("roll it back")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with db.driver_transaction() as driver:  # the connection is usable again
        assert await Tx.on_driver(driver, db).scalar(_ACCOUNT_FLAGS, {"uid": 82}) is None


@pytest.mark.parametrize("kind", ["driver", "session"])
async def test_transactions_on_one_serial_key_take_turns(
    make_db: MakeDb, backend: str, kind: str
) -> None:
    """Two handles on one database, as two processes have: the second transaction on the same
    key waits until the first ends. On PostgreSQL, another key does not wait."""
    first = await make_db(backend)
    second = await make_db(backend, share=first)
    inside, leave = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first.driver_transaction(serial=7):
            inside.set()
            await leave.wait()

    def enter(key: int) -> contextlib.AbstractAsyncContextManager[Any]:
        return second.driver_transaction(key) if kind == "driver" else second.transaction(key)

    async def visit(key: int) -> None:
        async with enter(key):
            pass

    holding = asyncio.create_task(hold())
    try:
        await inside.wait()
        if backend == "postgres":
            await asyncio.wait_for(visit(8), timeout=5)
        waiting = asyncio.create_task(visit(7))
        await asyncio.sleep(0.2)
        assert not waiting.done()
    finally:
        leave.set()
        await holding
    await asyncio.wait_for(waiting, timeout=5)


async def test_a_failed_commit_leaves_the_sqlite_connection_usable(make_db: MakeDb) -> None:
    """A COMMIT that fails (here a deferred foreign key) would leave SQLite's transaction, and the
    file's write lock, open on the process's one driver connection."""
    db = await make_db("sqlite")
    now = datetime.now(UTC)

    async def orphan_membership() -> None:
        async with db.driver_transaction() as driver:
            driver.execute("PRAGMA defer_foreign_keys = ON")
            tx = Tx.on_driver(driver, db)
            await tx.run(clubs._JOIN_SQLITE, {"pk": 999, "club": 999, "new_slot": 1, "now": now})

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await orphan_membership()
    async with db.driver_transaction() as driver:
        tx = Tx.on_driver(driver, db)
        assert await tx.run(people._NEW_ACCOUNT, {"uid": 83, "lang": "en", "now": now}) == 1
    async with db.transaction() as session:  # and the file's write lock is free
        assert await session.get(AccountRow, 83) is not None


@pytest.mark.postgres
async def test_a_transaction_cancelled_while_it_waits_for_the_lock(
    make_db: MakeDb, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while BEGIN waits for the conversation's lock: its connection does not go back
    to the pool inside a transaction, and the lock is free once its holder is done."""
    first = await make_db("postgres")
    second = await make_db("postgres", share=first)
    inside, leave = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first.driver_transaction(serial=9):
            inside.set()
            await leave.wait()

    async def visit() -> None:
        async with second.driver_transaction(serial=9):
            pass

    holding = asyncio.create_task(hold())
    await inside.wait()
    waiting = asyncio.create_task(visit())
    await asyncio.sleep(0.1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    leave.set()
    await holding
    await asyncio.wait_for(visit(), timeout=5)
    assert "active transaction" not in caplog.text


_SET_LANGUAGE_CHOSEN = (
    _account.update()
    .where(_account.c.user_id == bindparam("uid"))
    .values(language_chosen=bindparam("chosen"))
)


async def test_single_statement_work_commits_alone_and_refuses_a_second(db: Database) -> None:
    """`transact(..., single=True)`: one statement, committed by itself (no BEGIN and COMMIT on
    PostgreSQL); a second statement in such work raises, and nothing of it is done."""
    now = datetime.now(UTC)
    await transact(db, lambda tx: people.ensure_account(tx, 83, Language.EN, now), session=False)

    async def choose(tx: Tx) -> int:
        return await tx.run(_SET_LANGUAGE_CHOSEN, {"uid": 83, "chosen": True})

    assert await transact(db, choose, session=False, single=True) == 1

    async def chosen(tx: Tx) -> Any:
        return await tx.scalar(_ACCOUNT_FLAGS, {"uid": 83})

    assert await transact(db, chosen, session=False) is True

    async def two(tx: Tx) -> None:
        await tx.scalar(_ACCOUNT_FLAGS, {"uid": 83})
        await tx.run(_SET_LANGUAGE_CHOSEN, {"uid": 83, "chosen": False})

    with pytest.raises(RuntimeError, match="single statement"):
        await transact(db, two, session=False, single=True)
    assert await transact(db, chosen, session=False) is True
