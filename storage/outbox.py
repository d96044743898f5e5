"""The outbox: messages the bot sends on its own initiative, one row each, unique by key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import col

from bot.replies import Button, Keyboard, Reply
from storage.models import OutboxRow
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    chat_id: int
    reply: Reply
    attempts: int


async def enqueue(
    tx: Tx, key: str, chat_id: int, text: str, due_at: datetime, buttons: Keyboard = ()
) -> bool:
    """Queue a message once: a second call with the same key does nothing (False)."""
    rows = [[{"text": b.text, "data": b.data, "url": b.url} for b in row] for row in buttons]
    stmt = (
        tx.insert(OutboxRow)
        .values(
            key=key,
            chat_id=chat_id,
            text=text,
            buttons=json.dumps(rows),
            status="pending",
            attempts=0,
            due_at=due_at,
            created_at=due_at,
        )
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def claim_due(tx: Tx, now: datetime, lease: timedelta, limit: int) -> list[Pending]:
    """Take up to `limit` due messages for `lease`; other workers skip them meanwhile."""
    stmt = (
        select(OutboxRow)
        .where(col(OutboxRow.status) == "pending")
        .where(col(OutboxRow.due_at) <= now)
        .where((col(OutboxRow.claimed_until).is_(None)) | (col(OutboxRow.claimed_until) < now))
        .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
        .limit(limit)
    )
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(await tx.session.scalars(stmt))
    for row in rows:
        row.claimed_until = now + lease
    return [_pending(row) for row in rows]


def _pending(row: OutboxRow) -> Pending:
    assert row.id is not None
    keyboard = tuple(
        tuple(Button(b["text"], b.get("data"), b.get("url")) for b in r)
        for r in json.loads(row.buttons)
    )
    return Pending(row.id, row.chat_id, Reply(row.text, keyboard), row.attempts)


async def settle(
    tx: Tx,
    outbox_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record how a send ended: sent, or failed for good, or pending again from `retry_at`."""
    values: dict[str, object] = {"status": status, "claimed_until": None, "last_error": error}
    if status == "sent":
        values["sent_at"] = now
    if retry_at is not None:
        values["due_at"] = retry_at
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.id) == outbox_id)
        .values(attempts=OutboxRow.attempts + 1, **values)
    )
    await tx.session.execute(stmt)


async def release(tx: Tx, ids: list[int], retry_at: datetime) -> None:
    """Give claimed rows back unsent, due again at `retry_at` (no attempt is counted)."""
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(ids))
        .values(claimed_until=None, due_at=retry_at)
    )
    await tx.session.execute(stmt)
