"""Fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema) and a bot core."""

from __future__ import annotations

import faulthandler
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.chat.replies import Incoming, Outcome, Reply
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from storage import migrate
from storage.db import Database
from tests.harness import BOT_ID, BOT_USERNAME, TRANSCRIPT, Campus, Chat, privacy_leaks
from tests.reminders import FakeTelegram

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


async def _pg_schema(action: str, schema: str) -> None:
    conn = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(
            f'{action} SCHEMA "{schema}"' + (" CASCADE" if action == "DROP" else "")
        )
    finally:
        await conn.close()


MakeDb = Callable[..., Awaitable[Database]]

# No test here takes a minute; one that hangs (a deadlock, a wait for a message that never
# comes) ends the run with every thread's stack after this long, not at CI's time limit.
HANG_SECONDS = float(os.environ.get("CLUBBOT_TEST_HANG_SECONDS", "300"))


@pytest.fixture(autouse=True)
def hang_watchdog() -> object:
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def transcript(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record every message the chat and Telegram fakes deliver to a person, for the privacy
    scan that `make_db` runs on each database before dropping it."""
    TRANSCRIPT.messages.clear()
    deliver, send = Chat.deliver, FakeTelegram.send

    async def delivered(chat: Chat, inc: Incoming) -> Outcome:
        outcome = await deliver(chat, inc)
        for reply in outcome.replies:
            TRANSCRIPT.record(chat.user_id, reply)
        if outcome.toast and outcome.toast.text:
            TRANSCRIPT.record(chat.user_id, Reply(outcome.toast.text))
        return outcome

    async def sent(fake: FakeTelegram, chat_id: int, reply: Reply) -> None:
        await send(fake, chat_id, reply)
        TRANSCRIPT.record(chat_id, reply)

    monkeypatch.setattr(Chat, "deliver", delivered)
    monkeypatch.setattr(FakeTelegram, "send", sent)


@pytest.fixture
async def make_db(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[MakeDb]:
    """A factory of migrated databases on a backend; all are dropped after the test, which fails
    if any work ran twice (a route declared fast that needed the ORM session: see
    `storage/tx.py`), unless it is marked `reruns` to test that very fallback."""
    made: list[tuple[Database, str | None]] = []
    # Each database once (not the second handles on it), for the privacy scan.
    scanned: list[Database] = []

    async def make(backend: str, *, share: Database | None = None) -> Database:
        if share is not None:  # a second handle on the same database, as another process has
            db = Database(share.url, schema=share.schema)
            made.append((db, None))
            return db
        if backend == "sqlite":
            db = Database(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
            made.append((db, None))
        else:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            await _pg_schema("CREATE", schema)
            db = Database(PG_URL, schema=schema)
            made.append((db, schema))
        await migrate.upgrade(db)
        scanned.append(db)
        return db

    yield make
    # PRIV-4: nobody but staff and the student sees a student's restricted values.
    leaks = []
    if TRANSCRIPT.messages:
        for db in scanned:
            leaks += await privacy_leaks(db, TRANSCRIPT.messages)
    reruns = sum(db.reruns for db, _ in made)
    for db, schema in made:
        await db.dispose()
        if schema is not None:
            await _pg_schema("DROP", schema)
    if request.node.get_closest_marker("reruns") is None:
        assert reruns == 0, f"{reruns} transaction(s) ran twice: declare those routes' needs"
    assert not leaks, "restricted values shown to others:\n" + "\n".join(leaks)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(make_db: MakeDb, backend: str) -> Database:
    return await make_db(backend)


@pytest.fixture
def policy() -> Policy:
    # A scripted user sends faster than any person; the throttle has tests of its own.
    return Policy(throttle_updates=1000)


@pytest.fixture
def engine(db: Database, policy: Policy) -> Engine:
    return Engine(db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)


@pytest.fixture
def campus(db: Database, engine: Engine) -> Campus:
    return Campus(db, engine)
