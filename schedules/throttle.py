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

import itertools
from collections import deque
from dataclasses import dataclass

from bot.domain.policy import Policy

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

    def answered(self, ticket: int, at: float) -> None:
        """The answer to a message came (whatever it said)."""
        self._open.pop(ticket).answered = at

    def forget(self, now: float) -> None:
        """Drop chats whose limits no longer matter, so memory stays small."""
        horizon = now - max(self.chat_gap, MINUTE)
        for chat_id in [c for c, s in self._last.items() if s.answered < horizon]:
            del self._last[chat_id]
            self._groups.pop(chat_id, None)
