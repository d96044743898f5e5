"""Applications under concurrency, through two database handles (as two processes would have),
on SQLite and PostgreSQL: reviewers at once give one decision; simultaneous signatures are
counted exactly and move the application on once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.domain.values import ApplicationChanged, Student
from bot.flows import build_router
from bot.services import applications as service
from bot.services.applications import Action
from storage import applications as applications_store
from storage import people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.establishing import ADVISOR, REP, REVIEWER, REVIEWER2, SPONSOR, last, seed, submit
from tests.harness import BOT_ID, BOT_USERNAME, Campus, Chat, student_line

SIGNERS = 30


async def _campus(
    make_db: Callable[..., Awaitable[Database]], backend: str, policy: Policy
) -> tuple[Campus, Database]:
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    engine = Engine(db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    return Campus(db, engine), other


async def _students(db: Database, ids: list[str]) -> list[Student]:
    async with db.transaction() as session:
        rows = await people.students_by_ids(Tx(session, db), ids)
    return [rows[i] for i in ids]


async def test_two_reviewers_at_once_give_one_decision(
    make_db: Callable[..., Awaitable[Database]], backend: str
) -> None:
    policy = Policy(min_sponsors=1)
    campus, other = await _campus(make_db, backend, policy)
    advisor = await seed(campus, students=2)
    sponsor = await campus.bound("S1", SPONSOR)
    await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    await Chat(campus.engine, REP).press((await last(campus, REP)).data("Accept"))

    async def attempt(i: int) -> str:
        handle = campus.db if i % 2 else other
        reviewer = REVIEWER if i % 2 else REVIEWER2
        action, comment = (Action.APPROVE, None) if i % 3 else (Action.REJECT, "No.")
        try:
            async with handle.transaction() as session:
                await service.decide(
                    Tx(session, handle), policy, utcnow(), reviewer, 1, action, comment
                )
        except ApplicationChanged:
            return "changed"
        except Exception as exc:
            return f"other: {type(exc).__name__}: {exc}"
        return "decided"

    results = Counter(await asyncio.gather(*(attempt(i) for i in range(10))))
    assert results == Counter({"decided": 1, "changed": 9}), results
    async with campus.db.transaction() as session:
        events = await applications_store.events(Tx(session, campus.db), 1)
    assert [e.what for e in events if e.from_state == "committee"] in (["approve"], ["reject"])


async def test_thirty_simultaneous_signatures_are_counted_exactly(
    make_db: Callable[..., Awaitable[Database]], backend: str
) -> None:
    policy = Policy(min_sponsors=SIGNERS + 1)
    campus, other = await _campus(make_db, backend, policy)
    advisor = await seed(campus, students=1)
    await campus.students(*(student_line(f"C{i}") for i in range(SIGNERS)))
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    signers = await _students(campus.db, [f"C{i}" for i in range(SIGNERS)])

    async def attempt(i: int) -> str:
        handle = campus.db if i % 2 else other
        student = signers[i % SIGNERS]
        try:
            async with handle.transaction() as session:
                signed = await service.sign(
                    Tx(session, handle), policy, utcnow(), 7000 + i, student, token
                )
        except Exception as exc:
            return f"other: {type(exc).__name__}: {exc}"
        return "signed" if signed.new else "twice"

    # Every signer twice at the same moment: each counts once.
    results = Counter(await asyncio.gather(*(attempt(i) for i in range(2 * SIGNERS))))
    assert results == Counter({"signed": SIGNERS, "twice": SIGNERS}), results
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        assert await applications_store.count(tx, 1) == SIGNERS + 1
        app = await applications_store.get(tx, 1)
        events = await applications_store.events(tx, 1)
    assert app is not None
    assert app.state == "unit_review"
    assert [e.what for e in events].count("ready") == 1
