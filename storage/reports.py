"""Reads for reports, off the chat path: a thread of their own, read-only connections of their own.

A staff report (the ledger, exports, charts) scans whole tables. On the chat path that would hold
SQLite's write lock and the event loop for as long as it runs (the in-loop driver runs every
statement on the loop's thread, `storage/sqlite.py`), and on PostgreSQL it would hold one of the
connections that chat updates wait for. So reports read here instead:

- on one thread with its own event loop, so the queries, the rows turned into values and the
  computation on them leave the chat loop free (Python switches threads every few milliseconds);
- through an engine of their own with `REPORT_CONNECTIONS` connections: a separate budget, so a
  burst of reports waits for its own connections and never takes one from a voter;
- in a read-only transaction that sees one snapshot: SQLite's deferred BEGIN under WAL (readers do
  not block the writer, nor it them), PostgreSQL's REPEATABLE READ READ ONLY.

The work gets a `Tx` like any other, so storage functions serve both paths; a write in it fails.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from storage.db import Database
    from storage.tx import Tx

T = TypeVar("T")

# Connections (and so reports at once) per process. Two keep one report from waiting on another
# while leaving the chat pool's connections and the machine's cores to the updates.
REPORT_CONNECTIONS = 2


class Reader:
    """The reports' thread, loop and read-only engine, started at the first read."""

    def __init__(self, db: Database, connect_args: dict[str, Any]) -> None:
        self._db = db
        self._connect_args = connect_args
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: AsyncEngine | None = None
        self._started = threading.Lock()
        self._slots: asyncio.Semaphore | None = None

    @property
    def engine(self) -> AsyncEngine | None:
        return self._engine

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """`work(tx)` in a read-only transaction on the reports' thread; its result or error."""
        loop = self._start()
        future: Future[T] = asyncio.run_coroutine_threadsafe(self._run(work), loop)
        return await asyncio.wrap_future(future)

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._started:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="clubbot-reports", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def _run(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        from storage.tx import Tx

        if self._engine is None:
            self._engine = self._create_engine()
            self._slots = asyncio.Semaphore(REPORT_CONNECTIONS)
        assert self._slots is not None
        async with self._slots:
            sessions = async_sessionmaker(self._engine, expire_on_commit=False)
            async with sessions() as session:
                try:
                    return await work(Tx(session, self._db))
                finally:
                    await session.rollback()

    def _create_engine(self) -> AsyncEngine:
        url = make_url(self._db.url)
        args = dict(self._connect_args)
        if self._db.is_sqlite:
            engine = create_async_engine(url, connect_args=args, pool_size=REPORT_CONNECTIONS)
            _read_only_sqlite(engine)
            return engine
        settings = dict(args.pop("server_settings", {}))
        settings |= {
            "default_transaction_read_only": "on",
            "default_transaction_isolation": "repeatable read",
        }
        return create_async_engine(
            url,
            connect_args=args | {"server_settings": settings},
            pool_size=REPORT_CONNECTIONS,
            max_overflow=0,
        )

    async def close(self) -> None:
        """Dispose of the engine on its loop, then stop the loop and its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._engine is not None:
            engine = self._engine
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(engine.dispose(), loop))
            self._engine = None
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)
        loop.close()
        self._loop = self._thread = None


def _read_only_sqlite(engine: AsyncEngine) -> None:
    from storage.db import prepare_sqlite

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        prepare_sqlite(dbapi_connection)
        dbapi_connection.execute("PRAGMA query_only=ON")

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Deferred: a read transaction, one snapshot for all its statements, no write lock.
        connection.exec_driver_sql("BEGIN")
