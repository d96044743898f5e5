"""Telegram's limits for messages a bot sends on its own: a global pace, per chat, per group.

Pure bookkeeping over timestamps (seconds): the delivery asks when a chat may receive its next
message and records each send; it never sleeps here, so tests drive it with a fake clock.
"""

from __future__ import annotations

from collections import deque

from bot.policy import Policy

# Requests reach Telegram with some jitter; keeping this much below each limit means jitter
# does not push two messages inside the same window.
MARGIN = 0.02
MINUTE = 60.0


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class Throttle:
    """When the next message may go out, overall and to a given chat."""

    def __init__(self, policy: Policy) -> None:
        self._pace = (1 + MARGIN) / policy.delivery_rate_per_second
        self.chat_gap = (1 + MARGIN) / policy.delivery_chat_rate_per_second
        self._group_limit = policy.delivery_group_rate_per_minute
        self._group_window = MINUTE * (1 + MARGIN)
        self._next_any = 0.0
        self._last: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}

    def ready_at(self, chat_id: int) -> float:
        """The earliest time this chat may receive a message (the global pace aside)."""
        ready = self._last.get(chat_id, float("-inf")) + self.chat_gap
        sends = self._groups.get(chat_id)
        if is_group(chat_id) and sends is not None and len(sends) >= self._group_limit:
            ready = max(ready, sends[0] + self._group_window)
        return ready

    def next_slot(self) -> float:
        """The earliest time any message may go out."""
        return self._next_any

    def record(self, chat_id: int, at: float) -> None:
        """A message to `chat_id` starts at `at`."""
        self._next_any = max(self._next_any, at) + self._pace
        self._last[chat_id] = at
        if is_group(chat_id):
            sends = self._groups.setdefault(chat_id, deque(maxlen=self._group_limit))
            sends.append(at)

    def forget(self, now: float) -> None:
        """Drop chats whose limits no longer matter, so memory stays small."""
        horizon = now - max(self.chat_gap, self._group_window)
        for chat_id in [c for c, at in self._last.items() if at < horizon]:
            del self._last[chat_id]
            self._groups.pop(chat_id, None)
