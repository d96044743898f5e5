"""The outbox is sent once, held on 429, and never repeats a message that may have arrived."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.frontend import MaybeDelivered, RetryAfter, Unreachable
from bot.replies import Reply
from schedules.delivery import deliver_due
from storage import outbox
from storage.db import Database
from storage.models import OutboxRow
from storage.tx import Tx
from storage.types import utcnow


class FakeSender:
    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures = failures or {}

    async def send(self, chat_id: int, reply: Reply) -> None:
        failure = self.failures.pop(chat_id, None)
        if failure is not None:
            raise failure
        self.sent.append((chat_id, reply.text))


async def _queue(db: Database, *chats: int) -> None:
    async with db.transaction() as session:
        for chat in chats:
            await outbox.enqueue(Tx(session, db), f"k{chat}", chat, f"hello {chat}", utcnow())
            # the same key again is a no-op
            await outbox.enqueue(Tx(session, db), f"k{chat}", chat, "again", utcnow())


async def _statuses(db: Database) -> dict[int, str]:
    async with db.transaction() as session:
        return {r.chat_id: r.status for r in await session.scalars(select(OutboxRow))}


async def test_sent_once_across_ticks(db: Database) -> None:
    await _queue(db, 1, 2)
    sender = FakeSender()
    assert await deliver_due(db, sender) == 2
    assert await deliver_due(db, sender) == 0
    assert sender.sent == [(1, "hello 1"), (2, "hello 2")]


async def test_retry_after_holds_the_rest(db: Database) -> None:
    await _queue(db, 1, 2, 3)
    sender = FakeSender({2: RetryAfter(30)})
    assert await deliver_due(db, sender) == 1
    assert await _statuses(db) == {1: "sent", 2: "pending", 3: "pending"}
    assert await deliver_due(db, sender) == 0  # not due again for 30 s
    later = utcnow() + timedelta(seconds=31)
    assert await deliver_due(db, sender, clock=lambda: later) == 2


async def test_blocked_and_timed_out_are_not_retried(db: Database) -> None:
    await _queue(db, 1, 2, 3)
    sender = FakeSender({1: Unreachable("blocked"), 2: MaybeDelivered("read timeout")})
    await deliver_due(db, sender)
    assert await _statuses(db) == {1: "unreachable", 2: "uncertain", 3: "sent"}
    later = utcnow() + timedelta(hours=1)
    assert await deliver_due(db, sender, clock=lambda: later) == 0


async def test_other_failures_back_off_then_give_up(db: Database) -> None:
    await _queue(db, 1)
    now = utcnow()
    for attempt in range(5):
        sender = FakeSender({1: RuntimeError("boom")})
        await deliver_due(db, sender, clock=lambda at=now: at)
        now += timedelta(hours=1)
        expected = "pending" if attempt < 4 else "failed"
        assert await _statuses(db) == {1: expected}
