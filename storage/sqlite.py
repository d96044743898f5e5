"""SQLite for asyncio, run on the event loop's own thread.

SQLite lives in this process: a statement on a warm page cache takes microseconds, so aiosqlite's
hand-off to a worker thread and back, four times per statement, costs more than the statement. And
while a transaction waits for those hand-offs it holds SQLite's only write lock, so every other
update queues behind the event loop's latency. This dialect is the standard `sqlite3` driver marked
as async-capable: SQLAlchemy's asyncio layer runs its calls inline, and a whole transaction runs
without yielding to the loop.

The price is that a statement blocks the loop while it runs. So `Database.transaction()` asks
for the write lock with a busy timeout of a few milliseconds and waits for another process's lock
with `asyncio.sleep`, never inside SQLite; and the statements on the hot path are index lookups of
a few rows. A report that scans whole tables should run on a thread of its own.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util.concurrency import await_, in_greenlet

DRIVER = "inloop"


async def _ready() -> None:
    return None


def _checkpoint() -> None:
    # `AsyncConnection.execute` insists that a statement awaited something; awaiting a finished
    # coroutine satisfies it without yielding to the event loop.
    if in_greenlet():
        await_(_ready())


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        _checkpoint()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        _checkpoint()
        return super().executemany(sql, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio layer calls this on an async driver's cursor; nothing to do."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class SQLiteDialect_inloop(SQLiteDialect_pysqlite):  # noqa: N801 (SQLAlchemy's naming)
    """`sqlite3`, called inline from SQLAlchemy's asyncio layer."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # A queue that waits with asyncio, not with a thread lock that would block the loop.
        return pool.AsyncAdaptedQueuePool

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        # Connections may be closed by the garbage collector on another thread at exit.
        kwargs["check_same_thread"] = False
        kwargs["factory"] = _Connection
        return args, kwargs


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inloop")
