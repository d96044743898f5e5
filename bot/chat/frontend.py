"""What the core asks of a Telegram front end; `bot/handlers/` implements it per framework."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.chat.replies import BotCommand, Incoming, Outcome, Reply
from bot.domain.values import Language


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


class DeliveryError(Exception):
    """A message the bot sent on its own initiative did not go through."""


class RetryAfter(DeliveryError):
    """Telegram asked to hold all sending (HTTP 429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(DeliveryError):
    """The user blocked the bot or the account is gone (HTTP 403): retrying will not help."""


class MaybeDelivered(DeliveryError):
    """The request timed out after it was sent: the message may have arrived."""


Handler = Callable[[Incoming], Awaitable[Outcome]]
T = TypeVar("T")


class Pace(Protocol):
    """The limits replies are sent within (shared with the outbox's delivery)."""

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Make one call to `chat_id` in its turn; a `RetryAfter` it raises is waited out
        and the call made again."""
        ...


class FrontEnd(Protocol):
    """One Telegram framework, seen from the core."""

    async def open(self) -> BotIdentity:
        """Connect and ask Telegram who the bot is."""
        ...

    async def register_commands(self, menus: dict[Language, list[BotCommand]]) -> None:
        """Publish the command menu in each language (setMyCommands)."""
        ...

    async def serve(self, handler: Handler, stop: asyncio.Event) -> None:
        """Poll for updates and pass each to `handler` until `stop` is set."""
        ...

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send one message, raising a DeliveryError subclass when it fails."""
        ...

    def pace_with(self, pace: Pace) -> None:
        """Send the replies to updates within `pace`'s limits."""
        ...

    async def close(self) -> None: ...
