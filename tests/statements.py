"""Counting the statements a piece of work sends to the database, to pin away per-row queries."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from storage.db import Database
from storage.tx import Tx


@contextlib.contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The statements sent inside the block, through the ORM session or `Tx`'s prebuilt ones
    (BEGIN, COMMIT and the conversation's lock aside), reports' reading connections included."""
    sent: list[str] = []
    original = Tx._execute

    async def execute(self: Tx, stmt: Any, params: Any) -> Any:
        sent.append(str(stmt).split("\n", 1)[0])
        return await original(self, stmt, params)

    def cursor(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The chat's engine and the reports' (started lazily on their own thread).
        reader = db.read_engine
        if conn.engine is db.engine.sync_engine or (
            reader is not None and conn.engine is reader.sync_engine
        ):
            sent.append(statement.split("\n", 1)[0])

    Tx._execute = execute  # type: ignore[method-assign]
    event.listen(Engine, "before_cursor_execute", cursor)
    try:
        yield sent
    finally:
        Tx._execute = original  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", cursor)
