"""The database handle: engine, write transactions and the backend-specific locking."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite

UpsertableInsert = SqliteInsert | PgInsert

# SQLite: how long one attempt at the write lock may block the event loop, and how long a
# transaction waits in all for another process to release it.
BUSY_TIMEOUT_MS = 5
LOCK_WAIT_SECONDS = 30.0

# PostgreSQL: connections this process keeps open. A transaction beyond them waits for one to be
# returned rather than opening a connection of its own: SQLAlchemy's default overflow opened and
# closed one every few updates under load (a server process forked each time), which cost more
# than the updates themselves. Ten keep both of the machine's cores busy with round trips.
PG_POOL_SIZE = 10


def async_url(url: str) -> str:
    """Map `sqlite:///path` and `postgresql://…` to the async drivers this project uses."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername=f"sqlite+{sqlite.DRIVER}"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


class Database:
    """One engine; `transaction()` is the only way the application writes.

    SQLite: every transaction begins IMMEDIATE (the write lock is taken before the first read, so a
    count-then-insert cannot interleave with another process), and one asyncio lock per process
    queues this process's writers instead of letting them spin on SQLITE_BUSY. When another process
    holds the lock, the wait is an `asyncio.sleep` (see `storage/sqlite.py`).
    PostgreSQL: READ COMMITTED plus `SELECT … FOR UPDATE` on the row a rule is about.
    """

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.schema = schema
        connect_args: dict[str, Any] = {}
        pool: dict[str, Any] = {}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = BUSY_TIMEOUT_MS / 1000
        else:
            pool = {"pool_size": PG_POOL_SIZE, "max_overflow": 0}
            if schema is not None:
                connect_args["server_settings"] = {"search_path": schema}
        # No pool_pre_ping: on asyncpg it costs three round trips per transaction. A connection
        # found dead is invalidated by SQLAlchemy, and the engine runs the update again.
        self.engine: AsyncEngine = create_async_engine(
            self.url, echo=echo, connect_args=connect_args, **pool
        )
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one write transaction: committed on exit, rolled back on error."""
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        if self.is_sqlite:
            # SQLite runs inline and never yields inside a transaction: give the other tasks
            # a turn between transactions, so a long batch job cannot starve the updates.
            await asyncio.sleep(0)
        async with lock:
            session = await self._begin()
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
            finally:
                await session.close()

    async def _begin(self) -> AsyncSession:
        """A new session; on SQLite with its write lock already taken, waiting without blocking."""
        if not self.is_sqlite:
            return self._sessions()
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.001
        while True:
            session = self._sessions()
            try:
                await session.connection()  # BEGIN IMMEDIATE
                return session
            except OperationalError as error:
                await session.close()
                if "locked" not in str(error.orig) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    def insert(self, table: Any) -> UpsertableInsert:
        """An INSERT that supports `on_conflict_do_nothing()` on this backend."""
        return sqlite_insert(table) if self.is_sqlite else pg_insert(table)

    async def lock_rows(self, session: AsyncSession, table: str, ids: list[int]) -> None:
        """Serialize writers about these rows (PostgreSQL row locks; SQLite holds the db lock)."""
        if self.is_sqlite or not ids:
            return
        stmt = text(f"SELECT id FROM {table} WHERE id = ANY(:ids) ORDER BY id FOR UPDATE")
        await session.execute(stmt, {"ids": ids})

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide when a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
