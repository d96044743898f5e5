"""Sending the outbox: claim due rows, send them, record how each send ended.

The rows are the truth, so a restart loses nothing and several processes never send one row
twice: a row is claimed for a lease before it is sent and settled after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.frontend import MaybeDelivered, RetryAfter, Unreachable
from bot.replies import Reply
from storage import outbox
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
MAX_ATTEMPTS = 5


class Sender(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> None: ...


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, … (attempts made so far)."""
    return timedelta(seconds=30 * 2 ** max(0, attempts - 1))


async def deliver_due(db: Database, sender: Sender, clock: Callable[[], datetime] = utcnow) -> int:
    """One tick: send what is due; returns how many messages went out."""
    async with db.transaction() as session:
        due = await outbox.claim_due(Tx(session, db), clock(), LEASE, BATCH)
    sent = 0
    for index, item in enumerate(due):
        try:
            await sender.send(item.chat_id, item.reply)
        except RetryAfter as exc:
            # Telegram holds every send: release this one and the rest of the batch.
            retry_at = clock() + timedelta(seconds=exc.seconds)
            await _release(db, [p.id for p in due[index:]], retry_at)
            break
        except Unreachable as exc:
            await _settle(db, item.id, "unreachable", clock(), str(exc))
        except MaybeDelivered as exc:
            # It may have arrived: sending again could say it twice. Staff see it instead.
            await _settle(db, item.id, "uncertain", clock(), str(exc))
        except Exception as exc:  # a DeliveryError or anything else: retried with back-off
            log.warning("outbox %s: send failed: %s", item.id, exc)
            attempts = item.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await _settle(db, item.id, "failed", clock(), str(exc))
            else:
                await _settle(
                    db, item.id, "pending", clock(), str(exc), clock() + backoff(attempts)
                )
        else:
            await _settle(db, item.id, "sent", clock())
            sent += 1
    return sent


async def _settle(
    db: Database,
    outbox_id: int,
    status: str,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    async with db.transaction() as session:
        await outbox.settle(
            Tx(session, db),
            outbox_id,
            status,
            now,
            error=error[:500] if error else None,
            retry_at=retry_at,
        )


async def _release(db: Database, ids: list[int], retry_at: datetime) -> None:
    async with db.transaction() as session:
        await outbox.release(Tx(session, db), ids, retry_at)
