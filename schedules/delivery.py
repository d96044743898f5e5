"""Sending the outbox: claim due rows, send them within Telegram's limits, record each end.

The rows are the truth, so a restart loses nothing and several processes never send one row
twice: a row is claimed for a lease before it is sent and settled after. Only one process
sends at a time (the `sender` lease), so the rate limits hold across processes; a 429 pauses
that lease for everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.chat.frontend import MaybeDelivered, RetryAfter, Unreachable
from bot.chat.replies import Reply
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import reminders
from schedules.throttle import Throttle
from storage import leases, outbox
from storage.db import Database
from storage.outbox import Pending
from storage.tx import Tx
from storage.types import utcnow

log = logging.getLogger(__name__)

SENDER = "sender"
# How long a claimed row stays with its sender before another may take it.
LEASE = timedelta(minutes=2)
# How long the right to send outlives its last renewal (each batch and each tick renew it):
# after a crash, another process starts sending at most this much later.
SENDER_LEASE = timedelta(seconds=60)
BATCH = 50
# Sends in flight at once: enough to keep the pace over a slow network, few enough to stop
# quickly when Telegram answers 429.
CONCURRENCY = 8
# A claimed row whose chat may not receive anything for longer than this goes back to the
# table, due when its chat is ready, instead of holding up the batch.
CHAT_WAIT = 0.5
# The drain keeps going while a row falls due within this many seconds.
HORIZON = 2.0
# On shutdown, how long to wait for the sends in flight.
STOP_WAIT = 10.0
# How long to wait for an answer before looking at the batch again.
ANSWER_WAIT = 1.0


class Sender(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> None: ...


class Clock(Protocol):
    """Time for the delivery: read it and wait on it (tests pass a fake that never sleeps)."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    """Real waits; the time from `read` (the system's, unless the app keeps its own clock)."""

    read: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.read()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def backoff(policy: Policy, attempts: int) -> timedelta:
    """Wait before the next attempt: base, 2 × base, 4 × base, … (attempts made so far)."""
    return timedelta(seconds=policy.delivery_backoff_seconds * 2 ** max(0, attempts - 1))


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class Delivery:
    """The sending side of one process; keep one per process (it holds the rate state)."""

    db: Database
    sender: Sender
    policy: Policy
    cal: Calendar
    clock: Clock = field(default_factory=SystemClock)
    holder: str = field(default_factory=lambda: f"{os.getpid()}:{uuid.uuid4().hex[:12]}")
    # Told how each send ended: ok, retry_after, unreachable or failed (the metrics count them).
    count_send: Callable[[str], None] = field(default=lambda result: None)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.policy)
        self._paused_until: float | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._answer = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    async def deliver_due(self) -> int:
        """Send everything that is due (and what falls due meanwhile); how many went out."""
        self._idle.clear()
        try:
            return await self._drain()
        finally:
            self._idle.set()

    async def _drain(self) -> int:
        sent = 0
        while not self._stopping:
            now = self.clock.now()
            if self._paused_until is not None:
                if self._paused_until > now.timestamp():
                    return sent
                self._paused_until = None
            async with self.db.transaction() as session:
                tx = Tx(session, self.db)
                if not await leases.acquire(tx, SENDER, self.holder, now, SENDER_LEASE):
                    return sent
                paused = await leases.paused_until(tx, SENDER)
                if paused is not None and paused > now:
                    return sent
                quiet = self.cal.quiet_until(
                    now, self.policy.quiet_hours_start, self.policy.quiet_hours_end
                )
                await outbox.settle_interrupted(tx, now)
                batch = await outbox.claim_due(tx, now, LEASE, BATCH, quiet)
                upcoming = None if batch else await outbox.next_due(tx, now, quiet)
            if not batch:
                wait = (upcoming - now).total_seconds() if upcoming is not None else None
                if wait is None or wait > HORIZON:
                    return sent
                await self.clock.sleep(max(wait, 0.0))
                continue
            sent += await self._send_batch(batch)
            if self._paused_until is not None:
                return sent
        return sent

    async def close(self) -> None:
        """Finish the sends in flight, then let another process send at once (on shutdown)."""
        self._stopping = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_WAIT):
                await self._idle.wait()
        async with self.db.transaction() as session:
            await leases.release(Tx(session, self.db), SENDER, self.holder, self.clock.now())

    async def _send_batch(self, batch: list[Pending]) -> int:
        waiting = list(batch)
        results: list[bool] = []
        while waiting:
            if self._paused_until is not None or self._stopping:
                at = _instant(self._paused_until) if self._paused_until else self.clock.now()
                await self._release(waiting, at)
                break
            now = self.clock.now().timestamp()
            free = [p for p in waiting if not self.throttle.blocked(p.chat_id)]
            ready = next((p for p in free if self.throttle.ready_at(p.chat_id) <= now), None)
            if ready is None:
                soonest = min(self.throttle.ready_at(p.chat_id) for p in waiting)
                if soonest - now > CHAT_WAIT:
                    await self._release_until_ready(waiting)
                    break
                if free:
                    await self.clock.sleep(
                        min(self.throttle.ready_at(p.chat_id) for p in free) - now
                    )
                else:
                    await self._await_answer()
                continue
            slot = self.throttle.next_slot()
            if slot is None:
                await self._await_answer()
                continue
            if slot > now:
                await self.clock.sleep(slot - now)
                continue
            await self._slots.acquire()
            # Recorded before the send: a crash before its answer is recorded leaves the row
            # uncertain, never due again.
            async with self.db.transaction() as session:
                going = await outbox.start_sending(Tx(session, self.db), ready.id)
            if not going or self._paused_until is not None or self._stopping:
                self._slots.release()
                if not going:  # cleared meanwhile
                    waiting.remove(ready)
                continue  # a pause or a stop gives it back with the rest
            waiting.remove(ready)
            ticket = self.throttle.start(ready.chat_id, self.clock.now().timestamp())
            self._spawn(self._send_one(ready, ticket, results))
            # Let the send start now, at the time just recorded, not at the next wait.
            await asyncio.sleep(0)
        await asyncio.gather(*self._tasks)
        self.throttle.forget(self.clock.now().timestamp())
        return sum(results)

    async def _await_answer(self) -> None:
        """Wait for the answer to a message in flight (limits count from answers)."""
        self._answer.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ANSWER_WAIT):
                await self._answer.wait()

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            finally:
                self._slots.release()

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_one(self, item: Pending, ticket: int, results: list[bool]) -> None:
        try:
            try:
                await self.sender.send(item.chat_id, item.reply)
            finally:
                self.throttle.answered(ticket, self.clock.now().timestamp())
                self._answer.set()
        except RetryAfter as exc:
            self.count_send("retry_after")
            # Telegram holds every send: this one, the rest of the batch, and other processes.
            until = self.clock.now() + timedelta(seconds=exc.seconds)
            self._paused_until = max(self._paused_until or 0.0, until.timestamp())
            await self._write(lambda tx: self._hold(tx, item, until))
        except Unreachable as exc:
            self.count_send("unreachable")
            log.info("outbox %s: chat %s unreachable: %s", item.id, item.chat_id, exc)
            reason = str(exc)
            await self._write(lambda tx: self._unreachable(tx, item, reason))
        except MaybeDelivered as exc:
            self.count_send("failed")
            # It may have arrived: sending again could say it twice. Staff see it instead.
            await self._settle(item.id, outbox.UNCERTAIN, str(exc))
        except Exception as exc:  # a DeliveryError or anything else: retried with back-off
            self.count_send("failed")
            log.warning("outbox %s: send failed: %s", item.id, exc)
            attempts = item.attempts + 1
            if attempts >= self.policy.delivery_max_attempts:
                await self._settle(item.id, outbox.FAILED, str(exc))
            else:
                retry_at = self.clock.now() + backoff(self.policy, attempts)
                await self._settle(item.id, outbox.PENDING, str(exc), retry_at)
        else:
            self.count_send("ok")
            await self._settle(item.id, outbox.SENT)
            results.append(True)

    async def _hold(self, tx: Tx, item: Pending, until: datetime) -> None:
        await outbox.release(tx, [item.id], until)
        await leases.pause(tx, SENDER, until)

    async def _unreachable(self, tx: Tx, item: Pending, error: str) -> None:
        now = self.clock.now()
        await outbox.settle(tx, item.id, outbox.UNREACHABLE, now, error=error[:500])
        await reminders.escalate_unreachable(
            tx, self.policy, self.cal, now, item.chat_id, item.reminder
        )

    async def _write(self, work: Callable[[Tx], Awaitable[None]]) -> None:
        async with self.db.transaction() as session:
            await work(Tx(session, self.db))

    async def _settle(
        self,
        outbox_id: int,
        status: str,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        now = self.clock.now()
        await self._write(
            lambda tx: outbox.settle(
                tx, outbox_id, status, now, error=error[:500] if error else None, retry_at=retry_at
            )
        )

    async def _release(self, items: list[Pending], at: datetime) -> None:
        await self._write(lambda tx: outbox.release(tx, [p.id for p in items], at))

    async def _release_until_ready(self, items: list[Pending]) -> None:
        """Give rows back due when their chat may receive them, one chat's rows spread out."""
        queued: dict[int, int] = {}
        due: list[tuple[int, datetime]] = []
        for item in items:
            ahead = queued.get(item.chat_id, 0)
            queued[item.chat_id] = ahead + 1
            at = self.throttle.ready_at(item.chat_id) + ahead * self.throttle.chat_gap
            due.append((item.id, _instant(at)))
        await self._write(lambda tx: outbox.release_each(tx, due))
