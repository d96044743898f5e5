"""What the core asks of a Telegram front end; `bot/handlers/` implements it per framework."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.chat.replies import BotCommand, Incoming, Outcome, Reply
from bot.domain.values import Language

# The update kinds the bot handles, asked for explicitly (getUpdates, setWebhook): Telegram
# otherwise keeps the list of the last call, whatever it was.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


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


class NotSent(DeliveryError):
    """No connection reached Telegram (refused, or timed out connecting): safe to retry."""


class MaybeDelivered(DeliveryError):
    """The request timed out after it was sent: the message may have arrived."""


class NotAnUpdate(ValueError):
    """A body posted to the webhook that is not a Telegram update."""


Handler = Callable[[Incoming], Awaitable[Outcome]]
T = TypeVar("T")


class Pace(Protocol):
    """The limits replies are sent within (shared with the outbox's delivery)."""

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Make one call to `chat_id` in its turn; a `RetryAfter` it raises is waited out
        and the call made again."""
        ...

    async def edit(self, call: Callable[[], Awaitable[T]]) -> T:
        """Edit the message a user just pressed: not a new message, so not held to the chat's
        one-a-second turn (a user pressing on must see each edit at once), but a `RetryAfter`
        is waited out like a send's."""
        ...


class FrontEnd(Protocol):
    """One Telegram framework, seen from the core."""

    async def open(self) -> BotIdentity:
        """Connect and ask Telegram who the bot is."""
        ...

    async def register_commands(self, menus: dict[Language, list[BotCommand]]) -> None:
        """Publish the command menu in each language (setMyCommands)."""
        ...

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        """Give one private chat a command menu of its own (setMyCommands with the chat's scope),
        or with None take it away, so the default shows again (deleteMyCommands). Unreachable
        when the user blocked the bot or never opened a chat with it."""
        ...

    async def start(self, handler: Handler) -> None:
        """Pass every update received from now on to `handler`."""
        ...

    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch updates with getUpdates until `stop` is set (after `start`; again later)."""
        ...

    async def listen(self, url: str, secret: str) -> None:
        """Have Telegram post updates to `url` with `secret` in their header (setWebhook)."""
        ...

    async def feed(self, raw: dict[str, Any]) -> None:
        """Take one update posted to the webhook: it is handled in the background, so the
        answer to Telegram does not wait. NotAnUpdate when `raw` is not an update."""
        ...

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send one message, raising a DeliveryError subclass when it fails."""
        ...

    def pace_with(self, pace: Pace) -> None:
        """Send the replies to updates within `pace`'s limits."""
        ...

    async def close(self) -> None:
        """Finish the updates in hand, then disconnect."""
        ...
