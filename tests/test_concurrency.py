"""The database holds the two-club cap under concurrent joins, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.domain.values import Category, MembershipLimitReached, Student
from bot.flows import build_router
from bot.services import memberships
from storage import clubs, people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import Campus, Chat, student_line

ATTEMPTS = 50
REPETITIONS = 20
CLUBS = ATTEMPTS


async def _club_ids(db: Database) -> list[int]:
    async with db.transaction() as session:
        tx = Tx(session, db)
        found, _ = await clubs.active_page(tx, Category.ACADEMIC, 0, 100)
        return [club.id for club in found]


async def test_join_race_keeps_cap(
    make_db: Callable[..., Awaitable[Database]], backend: str, policy: Policy
) -> None:
    """50 simultaneous joins by one student, each to another club, through two database handles
    (as two processes would have), 20 times: exactly 2 memberships, 48 limit answers."""
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    campus = Campus(db, Engine(db, policy, build_router(), bot_id=1, bot_username="b"))
    await campus.clubs(*(f"Club {i}" for i in range(CLUBS)))
    await campus.students(*(student_line(f"R{n}") for n in range(REPETITIONS)))
    club_ids = await _club_ids(db)

    for n in range(REPETITIONS):
        async with db.transaction() as session:
            rows = await people.students_by_ids(Tx(session, db), [f"R{n}"])
            student = rows[f"R{n}"]

        async def attempt(i: int, student: Student = student) -> str:
            handle = db if i % 2 else other
            try:
                async with handle.transaction() as session:
                    await memberships.join(
                        Tx(session, handle), policy, utcnow(), student, club_ids[i % CLUBS]
                    )
            except MembershipLimitReached:
                return "limit"
            except Exception as exc:
                return f"other: {type(exc).__name__}"
            return "joined"

        results = Counter(await asyncio.gather(*(attempt(i) for i in range(ATTEMPTS))))
        cap = policy.max_clubs_per_student
        assert results == Counter({"joined": cap, "limit": ATTEMPTS - cap}), results
        async with db.transaction() as session:
            held = await clubs.active_memberships(Tx(session, db), student.id)
        assert len(held) == policy.max_clubs_per_student


@pytest.mark.parametrize("attempts", [20])
async def test_join_race_through_the_engine(campus: Campus, engine: Engine, attempts: int) -> None:
    """Concurrent /join commands from one user across many clubs: the cap holds and every
    update gets an answer."""
    await campus.clubs(*(f"Club {i}" for i in range(attempts)))
    alice = await campus.bound("S1", 1001)
    answers = await asyncio.gather(*(alice.send(f"/join Club {i}") for i in range(attempts)))
    assert sum("Welcome to" in a for a in answers) == 2
    assert sum("already in 2 clubs" in a for a in answers) == attempts - 2
    assert "Club" in await Chat(engine, 1001).send("/myclubs")
