"""The bot's update queue with getUpdates semantics: offsets, long polling and conflicts."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.models import ApiError, JsonDict
from emulator.notify import Notifier

TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass
class _Poll:
    """A getUpdates request that is waiting for updates."""

    woken: asyncio.Future[None]
    terminated: bool = False

    def wake(self) -> None:
        if not self.woken.done():
            self.woken.set_result(None)


class UpdateQueue:
    """Updates waiting to be fetched and confirmed by the bot."""

    def __init__(self, on_change: Callable[[], None], first_id: int = 1) -> None:
        # Unconfirmed updates in update_id order: confirming pops from the left, so every
        # operation is O(1) per update however many are queued.
        self._queue: deque[JsonDict] = deque()
        # Redelivered updates are handed out once regardless of the offset; they count as
        # confirmed by the bot's next getUpdates.
        self._redelivered: deque[JsonDict] = deque()
        self._handed_out: list[JsonDict] = []
        self._history: dict[int, JsonDict] = {}
        self._last_id = first_id - 1
        self._allowed: frozenset[str] | None = None
        self._poll: _Poll | None = None
        self._closed = False
        self._on_change = on_change
        self.poll_started = Notifier()

    @property
    def pending(self) -> int:
        """Updates the bot has not confirmed yet."""
        return len(self._queue) + len(self._redelivered) + len(self._handed_out)

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is currently waiting."""
        return self._poll is not None

    def push(self, update: JsonDict) -> int:
        """Queue an update, assigning the next update_id if it has none; returns the id."""
        if "update_id" not in update:
            update = {"update_id": self._last_id + 1, **update}
        update_id = int(update["update_id"])
        self._last_id = max(self._last_id, update_id)
        self._history[update_id] = update
        if self._is_allowed(update):
            self._queue.append(update)
            self._updates_arrived()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Hand an already delivered update (same update_id) to the bot once more."""
        if update_id not in self._history:
            raise KeyError(f"no update with update_id {update_id} was ever queued")
        if self._queue and self._queue[0]["update_id"] <= update_id:
            return  # not confirmed yet, so the bot will get it again anyway
        self._redelivered.append(self._history[update_id])
        self._updates_arrived()

    def drop_pending(self) -> None:
        """Forget all unconfirmed updates (drop_pending_updates=True)."""
        self._queue.clear()
        self._redelivered.clear()
        self._handed_out.clear()
        self._on_change()

    def set_allowed_updates(self, types: list[Any] | None) -> None:
        """Like Telegram, restrict the update types created from now on; empty means all."""
        self._allowed = frozenset(types) if types else None

    def close(self) -> None:
        """Answer a waiting long poll now and make later ones return at once."""
        self._closed = True
        if self._poll is not None:
            self._poll.wake()

    async def get(self, offset: int | None, limit: int, wait: float) -> list[JsonDict]:
        """getUpdates: confirm below `offset`, then return up to `limit` updates, long polling."""
        self._confirm(offset)
        if self._poll is not None:
            # Telegram answers the older of two concurrent getUpdates with 409.
            self._poll.terminated = True
            self._poll.wake()
        batch = self._take(limit)
        if batch or wait <= 0 or self._closed:
            return batch
        poll = _Poll(asyncio.get_running_loop().create_future())
        self._poll = poll
        self.poll_started.notify()
        try:
            await asyncio.wait({poll.woken}, timeout=wait)
        finally:
            if self._poll is poll:
                self._poll = None
        if poll.terminated:
            raise ApiError(409, TERMINATED)
        return self._take(limit)

    def _is_allowed(self, update: JsonDict) -> bool:
        if self._allowed is None:
            return True
        return any(key in self._allowed for key in update if key != "update_id")

    def _updates_arrived(self) -> None:
        if self._poll is not None:
            self._poll.wake()
        self._on_change()

    def _confirm(self, offset: int | None) -> None:
        confirmed = len(self._handed_out)
        self._handed_out.clear()
        if offset is not None and offset < 0:
            # A negative offset keeps only the last -offset updates, as in the Bot API.
            while len(self._queue) > -offset:
                self._queue.popleft()
                confirmed += 1
        elif offset:
            while self._queue and self._queue[0]["update_id"] < offset:
                self._queue.popleft()
                confirmed += 1
        if confirmed:
            self._on_change()

    def _take(self, limit: int) -> list[JsonDict]:
        batch: list[JsonDict] = []
        while self._redelivered and len(batch) < limit:
            update = self._redelivered.popleft()
            self._handed_out.append(update)
            batch.append(update)
        batch.extend(itertools.islice(self._queue, limit - len(batch)))
        return batch
