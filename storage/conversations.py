"""Conversation state and the record of processed updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from storage.models import ConversationRow, ProcessedUpdateRow
from storage.tx import Tx


async def claim_update(tx: Tx, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update as processed; False when it already was (a redelivery)."""
    stmt = (
        tx.insert(ProcessedUpdateRow)
        .values(bot_id=bot_id, update_id=update_id, processed_at=now)
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def forget_updates(tx: Tx, before: datetime) -> int:
    """Drop records older than any redelivery Telegram would still make."""
    stmt = delete(ProcessedUpdateRow).where(col(ProcessedUpdateRow.processed_at) < before)
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def load(tx: Tx, chat_id: int, user_id: int, now: datetime) -> ConversationRow:
    """The conversation row, locked for this transaction (created on first use).

    On PostgreSQL the row is inserted first if missing, so that two processes handling the same
    conversation queue on its row lock; SQLite's IMMEDIATE transaction already serializes them.
    """
    where = (col(ConversationRow.chat_id) == chat_id, col(ConversationRow.user_id) == user_id)
    stmt = select(ConversationRow).where(*where)
    if not tx.db.is_sqlite:
        create = tx.insert(ConversationRow).values(
            chat_id=chat_id, user_id=user_id, data="{}", step=0, updated_at=now
        )
        await tx.session.execute(create.on_conflict_do_nothing())
        stmt = stmt.with_for_update()
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        # Not added to the session yet: a user who never enters a flow costs no write.
        row = ConversationRow(chat_id=chat_id, user_id=user_id, updated_at=now)
    return row


def keep(tx: Tx, row: ConversationRow) -> None:
    """Make sure the row is written with the transaction (a no-op for a loaded row)."""
    tx.session.add(row)
