"""Telegram's limits for messages a bot sends on its own: a global pace, per chat, per group.

Pure bookkeeping over timestamps (seconds): the delivery asks when the next message may start
and records when each one starts and when its answer comes; it never sleeps here, so tests
drive it with a fake clock.

Every limit counts from the *answer* to an earlier request, not from its start: a request
reaches Telegram somewhere between the two, so however the network delays either request,
two messages cannot arrive closer together than the limit allows. The even pace (one message
every 1/rate seconds) counts from starts: it only spreads the messages out.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from bot.chat.frontend import RetryAfter
from bot.domain.policy import Policy

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a reply waits to be woken by the answer it depends on before it looks again (it is
# woken at once when the answer comes; this is a safety net).
ANSWER_WAIT = 1.0
# A reply Telegram refuses with 429 this many times in a row is given up (and logged).
REPLY_ATTEMPTS = 5

SECOND = 1.0
MINUTE = 60.0
UNKNOWN = float("inf")  # the answer has not come yet


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


@dataclass(slots=True)
class _Send:
    chat_id: int
    started: float
    answered: float = UNKNOWN
    # Replies waiting for this answer (`Pacer.turn`), woken when it comes.
    waiters: list[asyncio.Future[None]] | None = None


def _basis(send: _Send) -> float:
    """When a limit starts counting: the answer, or (not known yet) at least the start."""
    return send.answered if send.answered != UNKNOWN else send.started


class Throttle:
    """When the next message may start, overall and to a given chat."""

    def __init__(self, policy: Policy) -> None:
        self._pace = SECOND / policy.delivery_rate_per_second
        # At most `per_second` messages in any second: message k starts a second after the
        # answer to message k - per_second.
        self._per_second = int(policy.delivery_rate_per_second)
        self.chat_gap = SECOND / policy.delivery_chat_rate_per_second
        self._group_limit = policy.delivery_group_rate_per_minute
        self._next_start = 0.0
        self._recent: deque[_Send] = deque(maxlen=self._per_second)
        self._last: dict[int, _Send] = {}
        self._groups: dict[int, deque[_Send]] = {}
        self._tickets = itertools.count()
        self._open: dict[int, _Send] = {}

    def blocked(self, chat_id: int) -> bool:
        """An answer this chat's next message depends on has not come yet."""
        last = self._last.get(chat_id)
        if last is not None and last.answered == UNKNOWN:
            return True
        sends = self._groups.get(chat_id)
        full = sends is not None and len(sends) >= self._group_limit
        return full and sends is not None and sends[0].answered == UNKNOWN

    def ready_at(self, chat_id: int) -> float:
        """The earliest start for this chat (the global limits aside); a lower bound while it
        is `blocked`."""
        last = self._last.get(chat_id)
        if last is None:
            return float("-inf")
        ready = _basis(last) + self.chat_gap
        sends = self._groups.get(chat_id)
        if sends is not None and len(sends) >= self._group_limit:
            ready = max(ready, _basis(sends[0]) + MINUTE)
        return ready

    def next_slot(self) -> float | None:
        """The earliest start of any message; None until an answer this depends on comes."""
        slot = self._next_start
        if len(self._recent) >= self._per_second:
            oldest = self._recent[0]
            if oldest.answered == UNKNOWN:
                return None
            slot = max(slot, oldest.answered + SECOND)
        return slot

    def start(self, chat_id: int, at: float) -> int:
        """A message to `chat_id` starts at `at`; the ticket is for `answered`."""
        send = _Send(chat_id, at)
        ticket = next(self._tickets)
        self._open[ticket] = send
        self._next_start = max(self._next_start, at) + self._pace
        self._recent.append(send)
        self._last[chat_id] = send
        if is_group(chat_id):
            self._groups.setdefault(chat_id, deque(maxlen=self._group_limit)).append(send)
        return ticket

    def last(self, chat_id: int) -> _Send | None:
        """The latest message to this chat this process remembers."""
        return self._last.get(chat_id)

    def awaited(self, chat_id: int) -> _Send | None:
        """The message whose answer a new message to this chat waits for (`blocked`, or no
        `next_slot`), or None when it can be given a start."""
        last = self._last.get(chat_id)
        if last is not None and last.answered == UNKNOWN:
            return last
        sends = self._groups.get(chat_id)
        if sends is not None and len(sends) >= self._group_limit and sends[0].answered == UNKNOWN:
            return sends[0]
        if len(self._recent) >= self._per_second and self._recent[0].answered == UNKNOWN:
            return self._recent[0]
        return None

    def answered(self, ticket: int, at: float) -> None:
        """The answer to a message came (whatever it said); whoever waits for it goes on."""
        send = self._open.pop(ticket)
        send.answered = at
        for waiter in send.waiters or ():
            if not waiter.done():
                waiter.set_result(None)
        send.waiters = None

    def hold(self, until: float) -> None:
        """Telegram asked to wait (429): no message starts before `until`."""
        self._next_start = max(self._next_start, until)

    def forget(self, now: float) -> None:
        """Drop chats whose limits no longer matter, so memory stays small."""
        horizon = now - max(self.chat_gap, MINUTE)
        for chat_id in [c for c, s in self._last.items() if s.answered < horizon]:
            del self._last[chat_id]
            self._groups.pop(chat_id, None)


class Pacer:
    """Replies to updates, sent within the same limits as the outbox (share its `Throttle`),
    and sent again after the wait a 429 asks for instead of dropped."""

    def __init__(
        self,
        throttle: Throttle,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.throttle = throttle
        self._now = now
        self._sleep = sleep
        # Replies take their slots one at a time, in order: only the first waits for the answer
        # that frees the next slot, the others wait in line without waking (a batch of a
        # thousand replies all woken by every answer cost more CPU than answering them).
        self._line = asyncio.Lock()
        # Replies to one chat queue by chat first, so one waiting out its chat's pace does
        # not hold the line for the others.
        self._chats: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def _chat(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._chats.setdefault(chat_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._chats[chat_id]

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to `chat_id` may start; record its start and its answer."""
        async with self._chat(chat_id):
            last = self.throttle.last(chat_id)
            while last is not None and last.answered == UNKNOWN:
                await self._answer_of(last)
                last = self.throttle.last(chat_id)
            async with self._line:
                while (awaited := self.throttle.awaited(chat_id)) is not None:
                    await self._answer_of(awaited)
                ticket, at = self._take(chat_id)
        try:
            now = self._now()
            if at > now:
                # Slept once, not until the clock says so: the app's clock may be a test's.
                await self._sleep(at - now)
            yield
        finally:
            self.throttle.answered(ticket, self._now())

    def _take(self, chat_id: int) -> tuple[int, float]:
        now = self._now()
        at = max(self.throttle.ready_at(chat_id), self.throttle.next_slot() or now, now)
        # The slot is taken before waiting for it: replies waiting at once (aiogram handles a
        # whole batch of updates together) each get the next one, not all the same one.
        return self.throttle.start(chat_id, at), at

    async def _answer_of(self, send: _Send) -> None:
        """Until the answer to `send` comes (woken by `Throttle.answered`, not by looking every
        50 ms: a batch of a thousand replies, each looking 20 times a second, cost the
        bot more CPU than answering them), or ANSWER_WAIT at most, then the caller looks again."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if send.waiters is None:
            send.waiters = []
        send.waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, ANSWER_WAIT)
        except TimeoutError:
            pass
        finally:
            if send.waiters is not None and waiter in send.waiters:
                send.waiters.remove(waiter)

    async def edit(self, call: Callable[[], Awaitable[T]]) -> T:
        """An edit of the pressed message: made at once (Telegram's per-chat pace is about new
        messages, and a user pressing on must see each edit), a 429 waited out as for a send."""
        for _ in range(REPLY_ATTEMPTS - 1):
            try:
                return await call()
            except RetryAfter as exc:
                log.warning("edit: 429, made again in %s s", exc.seconds)
                self.throttle.hold(self._now() + exc.seconds)
                await self._sleep(exc.seconds)
        return await call()

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Make one Bot API call to `chat_id` in its turn; a 429 holds every sender for the
        time it asks, then the call is made again."""
        for _ in range(REPLY_ATTEMPTS - 1):
            try:
                async with self.turn(chat_id):
                    return await call()
            except RetryAfter as exc:
                log.warning("reply to %s: 429, sent again in %s s", chat_id, exc.seconds)
                self.throttle.hold(self._now() + exc.seconds)
                await self._sleep(exc.seconds)
        async with self.turn(chat_id):
            return await call()
