"""Conversation state and the record of processed updates.

These statements run for every update, so they are built once, here, with bind parameters: a
statement built per call costs more in SQLAlchemy than SQLite takes to run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ConversationRow, ProcessedUpdateRow, table_of
from storage.tx import Tx

_conv = table_of(ConversationRow)
_processed = table_of(ProcessedUpdateRow)


@dataclass(slots=True)
class Conversation:
    """Where a chat with one user stands; `stored` is False until it first enters a flow."""

    chat_id: int
    user_id: int
    flow: str | None = None
    state: str | None = None
    data: str = "{}"
    step: int = 0
    stored: bool = False


_CLAIMED: dict[str, Any] = {
    "bot_id": bindparam("bot"),
    "update_id": bindparam("update"),
    "processed_at": bindparam("now"),
}
_CLAIM_SQLITE = sqlite.insert(_processed).values(**_CLAIMED).on_conflict_do_nothing()
_CLAIM_PG = postgresql.insert(_processed).values(**_CLAIMED).on_conflict_do_nothing()
_KEY = (_conv.c.chat_id == bindparam("chat")) & (_conv.c.user_id == bindparam("user"))
_LOAD = select(_conv.c.flow, _conv.c.state, _conv.c.data, _conv.c.step).where(_KEY)
_LOAD_LOCKED = _LOAD.with_for_update()
_CREATE = (
    postgresql.insert(_conv)
    .values(
        chat_id=bindparam("chat"),
        user_id=bindparam("user"),
        data="{}",
        step=0,
        updated_at=bindparam("now"),
    )
    .on_conflict_do_nothing()
)
_INSERT = _conv.insert()
_UPDATE = (
    update(_conv)
    .where(_KEY)
    .values(
        flow=bindparam("new_flow"),
        state=bindparam("new_state"),
        data=bindparam("new_data"),
        step=bindparam("new_step"),
        updated_at=bindparam("now"),
    )
)


async def claim_update(tx: Tx, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update as processed; False when it already was (a redelivery)."""
    params = {"bot": bot_id, "update": update_id, "now": now}
    stmt = _CLAIM_SQLITE if tx.db.is_sqlite else _CLAIM_PG
    return bool((await tx.session.execute(stmt, params)).rowcount)  # type: ignore[attr-defined]


async def forget_updates(tx: Tx, before: datetime) -> int:
    """Drop records older than any redelivery Telegram would still make."""
    stmt = delete(_processed).where(_processed.c.processed_at < before)
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def load(tx: Tx, chat_id: int, user_id: int, now: datetime) -> Conversation:
    """The conversation, locked for this transaction.

    On PostgreSQL the row is inserted first if missing, so that two processes handling the same
    conversation queue on its row lock; SQLite's IMMEDIATE transaction already serializes them.
    """
    key = {"chat": chat_id, "user": user_id}
    stmt = _LOAD
    if not tx.db.is_sqlite:
        await tx.session.execute(_CREATE, {**key, "now": now})
        stmt = _LOAD_LOCKED
    row = (await tx.session.execute(stmt, key)).first()
    if row is None:
        # Not written yet: a user who never enters a flow costs no write.
        return Conversation(chat_id, user_id)
    return Conversation(chat_id, user_id, row.flow, row.state, row.data, row.step, stored=True)


async def save(tx: Tx, conv: Conversation, now: datetime) -> None:
    """Write the conversation's new state with the transaction."""
    if conv.stored:
        changes = {"new_flow": conv.flow, "new_state": conv.state, "new_data": conv.data}
        key = {"chat": conv.chat_id, "user": conv.user_id}
        await tx.session.execute(_UPDATE, {**key, **changes, "new_step": conv.step, "now": now})
        return
    row: dict[str, Any] = {"chat_id": conv.chat_id, "user_id": conv.user_id, "flow": conv.flow}
    row |= {"state": conv.state, "data": conv.data, "step": conv.step, "updated_at": now}
    await tx.session.execute(_INSERT, row)
    conv.stored = True
