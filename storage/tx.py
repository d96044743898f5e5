"""The handle a use case passes to repositories: one transaction, with or without a session.

The statements every update runs (`storage/conversations.py`, `people.py`, `clubs.py`) go through
`Tx.rows`, `first`, `scalar` and `run`: each is compiled once per dialect, and executed on the
driver's own connection inside the transaction, with SQLAlchemy's own conversion of parameters
and results. That skips the session and Core's execution machinery, which cost more than the
statement itself: on the development machine, 220 µs of CPU per statement through the session
against 100 µs on asyncpg's connection (and 15 µs against SQLite's own).

`transact(db, work, session=False)` goes one step further: it runs the work in
`Database.driver_transaction()`, with no session, pool checkout or greenlet at all. The caller
says which it needs (the router knows it of each route), so work runs once. Work on the driver
that reaches for `tx.session` anyway raises `SessionNeeded`: that attempt is rolled back, the work
runs again in a session transaction, and `db.reruns` counts it (a route declared wrongly; the
test suite holds it at zero).
"""

from __future__ import annotations

import asyncio
import logging
from collections import namedtuple
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

from storage.db import (
    POOL_WAIT_SECONDS,
    ConnectionLost,
    Database,
    UpsertableInsert,
    lost_connection,
)

log = logging.getLogger(__name__)
Processor = Callable[[Any], Any] | None
Statement = Select[*tuple[Any, ...]] | UpdateBase
T = TypeVar("T")


class SessionNeeded(BaseException):
    """Work in a driver transaction reached for the ORM session; `transact` runs it again. (Not an
    Exception: an `except Exception` in the work must not swallow it and commit half the work.)"""


async def transact(
    db: Database,
    work: Callable[[Tx], Awaitable[T]],
    *,
    serial: int | None = None,
    session: bool = True,
    single: bool = False,
) -> T:
    """`work(tx)` in one write transaction: in a session, or with `session=False` on the driver's
    connection alone. `work` must have no effect outside the database: it runs again from the
    start when the server dropped the connection before the commit (a restart), and, on the
    driver, when it reached for the session after all (counted in `db.reruns`).
    `serial`: see `Database`. `single` (with `session=False`): the work is one statement, sent
    without BEGIN and COMMIT on PostgreSQL (a second statement raises)."""
    attempt = 1
    while True:
        try:
            return await _once(db, work, serial, session, single)
        except PoolTimeout:
            # Every connection stayed busy for the pool's whole wait: the work never reached the
            # database (its first statement waits for the connection), so it waits again.
            log.warning("no database connection free for %ss: waiting again", POOL_WAIT_SECONDS)
        except ConnectionLost:
            if attempt == _ATTEMPTS:
                raise
            attempt += 1
            log.warning("the database dropped the connection: running the work again")


# A dropped connection expires both pools (`Database._forget_connections`), so the second attempt
# runs on a new one; a third is for a restart that dropped that one too.
_ATTEMPTS = 3


async def _once(
    db: Database,
    work: Callable[[Tx], Awaitable[T]],
    serial: int | None,
    session: bool,
    single: bool = False,
) -> T:
    if not session:
        try:
            async with db.driver_transaction(serial, single=single) as driver:
                return await work(Tx.on_driver(driver, db, single=single))
        except SessionNeeded:
            db.reruns += 1
            log.warning("work on the driver's connection needed the session: ran it again")
    async with db.transaction(serial) as orm:
        return await work(Tx(orm, db))


class Tx:
    """One transaction: a session in it (or, from `transact`, the driver's connection alone),
    and a short way past the session for prebuilt statements."""

    __slots__ = ("_driver", "_left", "_session", "db")

    def __init__(self, session: AsyncSession, db: Database) -> None:
        self._session: AsyncSession | None = session
        self.db = db
        self._driver: Any = None
        self._left: int | None = None

    @classmethod
    def on_driver(cls, driver: Any, db: Database, *, single: bool = False) -> Tx:
        """A Tx with no session, on a driver connection inside `db.driver_transaction()`;
        `single`: for one statement only (outside a transaction on PostgreSQL)."""
        tx = cls.__new__(cls)
        tx._session, tx.db, tx._driver = None, db, driver
        tx._left = 1 if single else None
        return tx

    @property
    def session(self) -> AsyncSession:
        """The ORM session; in a driver transaction, `SessionNeeded` (see `transact`)."""
        if self._session is None:
            raise SessionNeeded("this work needs the ORM session: run it through `transact`")
        return self._session

    def insert(self, table: Any) -> UpsertableInsert:
        """An INSERT that supports `on_conflict_do_nothing()` on this backend."""
        return self.db.insert(table)

    async def rows(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> list[Any]:
        """All result rows of a prebuilt statement, as named tuples."""
        return (await self._execute(stmt, params))[0]

    async def first(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> Any:
        """The first result row of a prebuilt statement, or None."""
        found = (await self._execute(stmt, params))[0]
        return found[0] if found else None

    async def scalar(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = await self.first(stmt, params)
        return None if row is None else row[0]

    async def run(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> int:
        """Execute a prebuilt INSERT, UPDATE or DELETE; how many rows it touched."""
        return (await self._execute(stmt, params))[1]

    async def let_others_run(self) -> None:
        """In a long stretch of work between statements, let the event loop serve other updates
        for a moment. On PostgreSQL only: there they run on connections of their own; a SQLite
        transaction runs on the loop's thread holding the only write lock, and yielding there
        would make every other update wait longer (`storage/sqlite.py`)."""
        if not self.db.is_sqlite:
            await asyncio.sleep(0)

    async def _execute(
        self, stmt: Statement, params: Mapping[str, Any] | None
    ) -> tuple[list[Any], int]:
        if self._left is not None:
            if self._left == 0:
                raise RuntimeError("a second statement in work declared a single statement")
            self._left -= 1
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            await session.flush()  # what the ORM holds back must be visible to the statement
        driver = self._driver if self._driver is not None else await self._driver_connection()
        compiled = _compiled(stmt, self.db.engine.dialect)
        if self.db.is_sqlite:
            cursor = driver.execute(compiled.sql, compiled.args(params))
            found = cursor.fetchall() if cursor.description else []
            return compiled.convert(found, cursor.description), cursor.rowcount
        if compiled.returns_rows:
            records = await driver.fetch(compiled.sql, *compiled.args(params))
            return compiled.convert(records, None), len(records)
        status = await driver.execute(compiled.sql, *compiled.args(params))
        return [], int(status.rsplit(" ", 1)[-1])

    async def _driver_connection(self) -> Any:
        """The driver's connection under the session's, inside its transaction."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        self._driver = driver
        if not self.db.is_sqlite and not driver.is_in_transaction():
            await _begin(connection, raw)
        return driver


async def _begin(connection: AsyncConnection, raw: Any) -> None:
    """BEGIN on asyncpg, as SQLAlchemy's adapter would send it with its first statement, so that
    the adapter commits or rolls back what runs here. A connection the server has dropped is
    invalidated, and the transaction reports it lost (`transact` runs the work again)."""
    try:
        await raw.dbapi_connection._start_transaction()
    except Exception as error:
        if not lost_connection(error):
            raise
        await connection.invalidate(error)
        raise DBAPIError("BEGIN", None, error, connection_invalidated=True) from error


class _Compiled:
    """A statement compiled for one dialect: its SQL, its parameters' order and conversions, and
    its result columns' conversions."""

    def __init__(self, stmt: Statement, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self._compiled = compiled
        self.sql = compiled.string
        names = compiled.positiontup or []
        binds = [compiled.binds[name] for name in names]
        if any(bind.expanding for bind in binds):
            raise ValueError("IN renders its values late: write them as OR or = ANY")
        self._names = names
        self._binds: list[Processor] = [
            bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds
        ]
        columns = list(stmt.exported_columns)
        self.returns_rows = bool(columns)
        processors: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._width = len(processors)
        # None when every value comes back from the driver as it is.
        self._results: list[Processor] | None = processors if any(processors) else None
        self._row: Callable[..., Any] | None = None

    def args(self, params: Mapping[str, Any] | None) -> list[Any]:
        values = self._compiled.construct_params(params)
        return [
            value if process is None else process(value)
            for value, process in zip((values[n] for n in self._names), self._binds, strict=True)
        ]

    def convert(self, found: Sequence[Any], description: Any) -> list[Any]:
        if not found:
            return []
        make = self._row
        if make is None:
            # sqlite3 describes its columns; an asyncpg Record knows its keys.
            keys = [d[0] for d in description] if description else list(found[0].keys())
            if len(keys) != self._width:
                raise ValueError(f"{len(keys)} columns where the statement has {self._width}")
            row_type: Any = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
            make = self._row = row_type._make
        processors = self._results
        if processors is None:
            return [make(row) for row in found]
        return [
            make(v if p is None else p(v) for v, p in zip(row, processors, strict=True))
            for row in found
        ]


_CACHE: dict[tuple[int, str], tuple[Statement, _Compiled]] = {}


def _compiled(stmt: Statement, dialect: Dialect) -> _Compiled:
    key = (id(stmt), dialect.name)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not stmt:
        # The statement is kept with its compiled form, so its id cannot be reused.
        cached = _CACHE[key] = (stmt, _Compiled(stmt, dialect))
    return cached[1]
