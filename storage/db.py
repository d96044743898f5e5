"""The database handle: engine, write transactions and the backend-specific locking."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from sqlalchemy import BigInteger, bindparam, event, func, select, text
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite
from storage.reports import Reader

if TYPE_CHECKING:
    from storage.tx import Tx

UpsertableInsert = SqliteInsert | PgInsert
T = TypeVar("T")


class ConnectionLost(Exception):
    """The server dropped the connection (a restart) before the transaction committed: nothing of
    it stays, so `storage.tx.transact` runs the work again on a fresh connection."""


# SQLSTATE classes of a connection the server ended: 08 connection exception, 57P operator
# intervention (admin_shutdown, crash_shutdown, cannot_connect_now).
_LOST_STATES = ("08", "57P")


def lost_connection(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the connection is gone, whichever of the ways
    asyncpg and SQLAlchemy report it: an exception raised while the client had not yet seen
    the socket close is the server's FATAL message, not a closed connection."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        e = pending.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, asyncpg.ConnectionDoesNotExistError | ConnectionError):
            return True
        state = getattr(e, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_LOST_STATES):
            return True
        pending += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return False


# SQLite: how long one attempt at the write lock may block the event loop, and how long a
# transaction waits in all for another process to release it.
BUSY_TIMEOUT_MS = 5
LOCK_WAIT_SECONDS = 30.0

# PostgreSQL: connections this process keeps open, in each of its two pools (SQLAlchemy's, and
# the driver's own for `driver_transaction`). A transaction beyond them waits for one to be
# returned rather than opening a connection of its own: SQLAlchemy's default overflow opened and
# closed one every few updates under load (a server process forked each time), which cost more
# than the updates themselves. Ten keep both of the machine's cores busy with round trips.
PG_POOL_SIZE = 10
# How long a transaction waits for one of them before `transact` asks again (it never fails for
# want of a connection: under a burst, updates wait their turn).
POOL_WAIT_SECONDS = 30.0


def async_url(url: str) -> str:
    """Map `sqlite:///path` and `postgresql://…` to the async drivers this project uses."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername=f"sqlite+{sqlite.DRIVER}"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def _owner_only(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) before SQLite does, so that they are
    readable by their owner only whatever the umask: they hold students' records. SQLite gives
    its -wal and -shm files the database file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def sqlite_file(url: str) -> str | None:
    """The file a `sqlite:///path` URL names; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


class Database:
    """One engine; `transaction()` is the only way the application writes.

    SQLite: every transaction begins IMMEDIATE (the write lock is taken before the first read, so a
    count-then-insert cannot interleave with another process), and one asyncio lock per process
    queues this process's writers instead of letting them spin on SQLITE_BUSY. When another process
    holds the lock, the wait is an `asyncio.sleep` (see `storage/sqlite.py`).
    PostgreSQL: READ COMMITTED plus `SELECT … FOR UPDATE` on the row a rule is about.

    `driver_transaction()` is the same transaction on the driver's own connection, for work that
    needs no ORM session (see `storage/tx.py`): SQLite's one connection per process, or a small
    asyncpg pool beside SQLAlchemy's.

    Both take an optional `serial` key: transactions that name the same key run one at a time,
    across processes (PostgreSQL: a transaction-scoped advisory lock, taken with BEGIN; SQLite:
    BEGIN IMMEDIATE already serializes every writer).
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
                _owner_only(Path(parsed.database))
            connect_args["timeout"] = BUSY_TIMEOUT_MS / 1000
        else:
            pool = {
                "pool_size": PG_POOL_SIZE,
                "max_overflow": 0,
                "pool_timeout": POOL_WAIT_SECONDS,
            }
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
        self._connect_args = connect_args
        self._sqlite: sqlite3.Connection | None = None
        self._asyncpg: asyncpg.Pool | None = None
        self._asyncpg_lock = asyncio.Lock()
        # Reports read on a thread and connections of their own (`storage/reports.py`).
        self._reader = Reader(self, connect_args)
        # Work started on the driver's connection that turned out to need the session, and ran
        # again (see `storage.tx.transact`): a route declared fast that is not. Tests hold it at 0.
        self.reruns = 0

    @contextlib.asynccontextmanager
    async def transaction(self, serial: int | None = None) -> AsyncIterator[AsyncSession]:
        """A session inside one write transaction: committed on exit, rolled back on error."""
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        if self.is_sqlite:
            # SQLite runs inline and never yields inside a transaction: give the other tasks
            # a turn between transactions, so a long batch job cannot starve the updates.
            await asyncio.sleep(0)
        async with lock:
            session = await self._begin()
            try:
                if serial is not None and not self.is_sqlite:
                    await session.execute(_SERIAL, {"key": serial})
                yield session
            except BaseException as error:
                await session.rollback()
                if not self.is_sqlite and lost_connection(error):
                    await self._forget_connections()
                    raise ConnectionLost(str(error)) from error
                raise
            else:
                await session.commit()  # a failure here is not retried: it may have committed
            finally:
                await session.close()

    async def _begin(self) -> AsyncSession:
        """A new session; on SQLite with its write lock already taken, waiting without blocking."""
        if not self.is_sqlite:
            return self._sessions()

        async def attempt() -> AsyncSession:
            session = self._sessions()
            try:
                await session.connection()  # BEGIN IMMEDIATE
            except OperationalError:
                await session.close()
                raise
            return session

        return await _until_unlocked(attempt)

    @contextlib.asynccontextmanager
    async def driver_transaction(
        self, serial: int | None = None, *, single: bool = False
    ) -> AsyncIterator[Any]:
        """A write transaction on the driver's own connection (`sqlite3` or `asyncpg`), with the
        same locking as `transaction()`: committed on exit, rolled back on error.

        `single`: the work is one statement, which on PostgreSQL commits by itself: no BEGIN and
        COMMIT around it, one round trip instead of three."""
        if self._write_lock is None:
            async with self._asyncpg_transaction(serial, single and serial is None) as connection:
                yield connection
            return
        await asyncio.sleep(0)  # as in `transaction()`: other tasks get a turn first
        async with self._write_lock:
            connection = self._sqlite_connection()

            async def begin() -> None:
                connection.execute("BEGIN IMMEDIATE")

            await _until_unlocked(begin)
            try:
                yield connection
                connection.commit()
            except BaseException:
                # Also after a failed COMMIT, which leaves SQLite's transaction (and the file's
                # write lock) open on this, the process's one connection.
                if connection.in_transaction:
                    connection.rollback()
                raise

    def _sqlite_connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            dialect = self.engine.dialect
            args, kwargs = dialect.create_connect_args(self.engine.url)
            connect: Any = sqlite3.connect
            connection: sqlite3.Connection = connect(*args, **kwargs, **self._connect_args)
            prepare_sqlite(connection)
            self._sqlite = connection
        return self._sqlite

    @contextlib.asynccontextmanager
    async def _asyncpg_transaction(
        self, serial: int | None, single: bool = False
    ) -> AsyncIterator[asyncpg.Connection]:
        pool = self._asyncpg or await self._asyncpg_pool()
        # One message, one round trip: the serial lock is taken with BEGIN (an int, formatted
        # here, is the only thing put into the SQL).
        begin = "BEGIN" if serial is None else f"BEGIN; SELECT pg_advisory_xact_lock({serial:d})"
        async with pool.acquire() as connection:
            try:
                try:
                    if not single:
                        await connection.execute(begin)
                    yield connection
                except BaseException as error:
                    if not lost_connection(error):
                        raise
                    # Nothing committed; every connection opened before the drop is suspect.
                    connection.terminate()
                    await self._forget_connections()
                    raise ConnectionLost(str(error)) from error
                if not single:
                    await connection.execute("COMMIT")
            except asyncio.CancelledError:
                connection.terminate()  # see `_end`
                raise
            except BaseException:
                await _end(connection)
                raise

    async def _asyncpg_pool(self) -> asyncpg.Pool:
        async with self._asyncpg_lock:
            if self._asyncpg is None:
                url = self.engine.url.set(drivername="postgresql")
                self._asyncpg = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=0,
                    max_size=PG_POOL_SIZE,
                    reset=_keep_session,
                    **self._connect_args,
                )
            return self._asyncpg

    async def _forget_connections(self) -> None:
        """After a dropped connection: both pools open new connections from now on (a server
        restart dropped all of them), so the run that follows does not meet another dead one."""
        if self._asyncpg is not None:
            await self._asyncpg.expire_connections()
        await self.engine.dispose(close=False)

    def insert(self, table: Any) -> UpsertableInsert:
        """An INSERT that supports `on_conflict_do_nothing()` on this backend."""
        return sqlite_insert(table) if self.is_sqlite else pg_insert(table)

    async def lock_rows(self, session: AsyncSession, table: str, ids: list[int]) -> None:
        """Serialize writers about these rows (PostgreSQL row locks; SQLite holds the db lock)."""
        if self.is_sqlite or not ids:
            return
        stmt = text(f"SELECT id FROM {table} WHERE id = ANY(:ids) ORDER BY id FOR UPDATE")
        await session.execute(stmt, {"ids": ids})

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """`work(tx)` in a read-only transaction off the event loop (a report: see `Reader`)."""
        return await self._reader.read(work)

    @property
    def read_engine(self) -> AsyncEngine | None:
        """The reports' engine, once the first report has started it."""
        return self._reader.engine

    async def dispose(self) -> None:
        await self._reader.close()
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._asyncpg is not None:
            await self._asyncpg.close()
            self._asyncpg = None
        await self.engine.dispose()


_SERIAL = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


async def _until_unlocked(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()` again until SQLite's write lock is free, sleeping in between (so the loop goes
    on while another process holds it); an error after LOCK_WAIT_SECONDS."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.001
    while True:
        try:
            return await attempt()
        except (OperationalError, sqlite3.OperationalError) as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


async def _end(connection: asyncpg.Connection) -> None:
    """Roll back what is open, so that no connection goes back to the pool inside a transaction;
    one that cannot roll back is closed (the server then rolls back and drops its locks). A
    cancelled task closes its connection at once instead: the query it cancelled may still be
    running on the server."""
    if connection.is_closed() or not connection.is_in_transaction():
        return
    try:
        await connection.execute("ROLLBACK")
    except BaseException:
        connection.terminate()
        raise


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """A connection goes back to the pool as it is. (asyncpg's default reset costs a round trip
    per transaction; this project sets no session state, and a transaction always ends first.)"""


def prepare_sqlite(connection: Any) -> None:
    """The pragmas of every connection this project opens to SQLite."""
    # Transactions begin when this project says so (BEGIN IMMEDIATE), not when the driver guesses.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        prepare_sqlite(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
