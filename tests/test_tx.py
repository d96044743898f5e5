"""Tx's short way past the session gives what the session gives, inside the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, select

from bot.domain import Language
from storage import clubs, conversations, people
from storage.db import Database
from storage.models import AccountRow, MembershipRow, RoleGrantRow, table_of
from storage.tx import Statement, Tx
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
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        for stmt, params in statements:
            expected = _typed(await session.execute(stmt, params))
            assert expected, stmt
            assert _typed(await tx.rows(stmt, params)) == expected, stmt
        row = await tx.first(conversations._LOAD, {"chat": user_id, "user": user_id})
        assert (row.conv_flow, row.language) == ("leave", Language.EN.value)
        times = await tx.first(_MEMBERSHIP_TIMES, {"pk": student_pk})
        assert isinstance(times.joined_at, datetime)


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
