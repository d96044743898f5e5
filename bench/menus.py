"""The menu tick after an upgrade marks every account due: how long it takes to go through them,
and what it costs the chats meanwhile.

    python -m bench.menus [ACCOUNTS]

ACCOUNTS (default 40,000) accounts, nine in ten bound to a student, one in fifty an officer, one
in a thousand staff, are marked due as migration 0010 leaves them; the tick (`schedules/menus.py`)
then runs to the end against a front end that answers at once. Reported per database: the time
to the end, statements, calls to Telegram (only the people whose menu is not the default), and
the longest the event loop was held between two of its turns (what a chat update waits at most
behind the tick).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import asyncpg
from sqlalchemy import event, text

from bot.chat.replies import BotCommand
from bot.core import menus
from bot.flows import build_router
from schedules.menus import MenuPublisher
from storage import migrate
from storage.db import Database
from tests.conftest import PG_URL

T = TypeVar("T")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class Front:
    def __init__(self) -> None:
        self.calls = 0

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        self.calls += 1


class Direct:
    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        return await call()

    async def edit(self, call: Callable[[], Awaitable[T]]) -> T:
        return await call()


async def _database(backend: str, folder: str) -> tuple[Database, str | None]:
    if backend == "sqlite":
        return Database(f"sqlite:///{folder}/{uuid.uuid4().hex}.db"), None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    await admin.close()
    return Database(PG_URL, schema=schema), schema


async def _seed(db: Database, accounts: int) -> None:
    """Students, accounts (bound to them but one in ten), officers and staff, all due."""
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO student (id, student_id, name, college, class_name, status,"
                " disciplinary, rank_pct, political, updated_at) VALUES (:id, :sid, 'S', 'C',"
                " 'K', 'enrolled', false, 10, 'none', :now)"
            ),
            [{"id": i, "sid": f"S{i}", "now": NOW} for i in range(1, accounts + 1)],
        )
        await session.execute(
            text(
                "INSERT INTO account (user_id, language, language_chosen, student_pk,"
                " created_at, menu_due) VALUES (:uid, 'zh', false, :pk, :now, true)"
            ),
            [
                {"uid": 10_000_000 + i, "pk": i if i % 10 else None, "now": NOW}
                for i in range(1, accounts + 1)
            ],
        )
        await session.execute(
            text(
                "INSERT INTO club (id, name, name_key, category, guidance_unit, founded,"
                " status, created_at) VALUES (1, 'Club', 'club', 'academic', 'U',"
                " :founded, 'active', :now)"
            ),
            {"founded": NOW.date(), "now": NOW},
        )
        await session.execute(
            text(
                "INSERT INTO officer (club_id, student_pk, position, since)"
                " VALUES (1, :pk, :position, :now)"
            ),
            [
                {"pk": i, "position": f"officer {i}", "now": NOW}
                for i in range(1, accounts + 1, 50)
                if i % 10
            ],
        )
        await session.execute(
            text(
                "INSERT INTO role_grant (user_id, role, granted_at) VALUES (:uid, 'staff', :now)"
            ),
            [{"uid": 10_000_000 + i, "now": NOW} for i in range(1, accounts + 1, 1000)],
        )


async def _loop_lag(stop: asyncio.Event) -> float:
    """The longest gap between two turns of the event loop while the tick runs."""
    worst, last = 0.0, time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        worst, last = max(worst, now - last - 0.001), now
    return worst


async def run(backend: str, accounts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db, schema = await _database(backend, folder)
        try:
            await migrate.upgrade(db)
            await _seed(db, accounts)
            statements = {"n": 0}

            def count(*_: object) -> None:
                statements["n"] += 1

            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            router, front = build_router(), Front()
            publisher = MenuPublisher(
                db, front, Direct(), lambda facts: menus.wanted(router, facts)
            )
            stop = asyncio.Event()
            lag = asyncio.create_task(_loop_lag(stop))
            started = time.perf_counter()
            await publisher.publish_due()
            took = time.perf_counter() - started
            stop.set()
            print(
                f"{backend:10} {accounts:>7,} accounts: {took:6.2f} s, "
                f"{statements['n']:,} statements, {front.calls:,} menus published, "
                f"event loop held at most {await lag * 1000:.0f} ms"
            )
        finally:
            await db.dispose()
            if schema is not None:
                admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
                await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
                await admin.close()


async def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    for backend in ("sqlite", "postgresql"):
        await run(backend, accounts)


if __name__ == "__main__":
    asyncio.run(main())
