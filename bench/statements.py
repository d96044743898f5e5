"""Statements per update: `/join NAME`, `/leave NAME`, and the three presses of a ballot (open,
mark, cast), on SQLite and PostgreSQL, with the transactions that ran twice.

    python -m bench.statements

Counts every statement the update's work sends: through `Tx`'s prebuilt statements and through
the ORM session (SQLAlchemy's cursor events), BEGIN and COMMIT aside. Uses the test suite's
campus (tests/elections.py): a club of six members with a general-meeting motion open.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import event

from bot.services import elections
from storage import migrate
from storage.db import Database
from storage.tx import Tx
from tests.conftest import PG_URL
from tests.elections import OFFICER, Club

COUNT = {"statements": 0}
_execute = Tx._execute


async def _counted(self: Tx, stmt: Any, params: Any) -> tuple[list[Any], int]:
    COUNT["statements"] += 1
    return await _execute(self, stmt, params)


async def _database(backend: str, folder: str) -> tuple[Database, str | None]:
    if backend == "sqlite":
        db, schema = Database(f"sqlite:///{folder}/{uuid.uuid4().hex}.db"), None
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        await admin.close()
        db = Database(PG_URL, schema=schema)
    await migrate.upgrade(db)

    def cursor(*_: object) -> None:
        COUNT["statements"] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", cursor)
    return db, schema


async def _count(db: Database, update: Callable[[], Awaitable[object]]) -> str:
    COUNT["statements"], reruns = 0, db.reruns
    await update()
    return f"{COUNT['statements']} (re-runs {db.reruns - reruns})"


async def one(backend: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db, schema = await _database(backend, folder)
        club = await Club.seeded(db)
        await club.w.import_clubs("Go Club,academic,CS Dept,2020-09-01,,,,,")
        member = club.chat(1002)
        join = await _count(db, lambda: member.send("/join Go Club"))
        leave = await _count(db, lambda: member.send("/leave Go Club"))
        club_id = await club.club_id()
        async with db.transaction() as session:
            await elections.start_general_meeting(
                Tx(session, db),
                club.w.policy,
                club.w.clock.now(),
                club_id,
                ["Adopt the charter"],
                started_by=OFFICER,
            )
        await club.tick(minutes=1)
        voter = club.chat(1003)
        opened = await _count(db, lambda: club.press_sent(1003, "Vote"))
        marked = await _count(db, lambda: voter.click("Yes"))
        cast = await _count(db, lambda: voter.click("Cast my ballot"))
        assert "Receipt" in voter.said, voter.said
        print(f"{backend:9} /join NAME {join}; /leave NAME {leave}; ballot: open {opened},")
        print(f"{'':9} mark {marked}, cast {cast}")
        await db.dispose()
        if schema is not None:
            admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.close()


async def main() -> None:
    Tx._execute = _counted  # type: ignore[method-assign]
    for backend in ("sqlite", "postgres"):
        await one(backend)


if __name__ == "__main__":
    asyncio.run(main())
