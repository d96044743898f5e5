"""The front-end factory: the adapter `BOT_FRAMEWORK` names, imported only when chosen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.app.settings import Framework, Settings
from bot.chat.frontend import FrontEnd
from bot.chat.replies import BotCommand, Reply


def make_front_end(settings: Settings, document_limit: int = 0) -> FrontEnd:
    """The adapter `BOT_FRAMEWORK` names, imported only when chosen. It downloads the bytes of
    a document the user sends when the file is at most `document_limit` bytes (the policy's
    charter limit, for a bot that serves updates; none by default), so the core never waits on
    the network inside a transaction."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    token = settings.bot_token.get_secret_value()
    if settings.bot_framework is Framework.PTB:
        from bot.handlers.ptb import PtbFrontEnd

        return PtbFrontEnd(token, settings.telegram_api_url, document_limit)
    from bot.handlers.aiogram import AiogramFrontEnd

    return AiogramFrontEnd(token, settings.telegram_api_url, document_limit)


class SenderOnDemand:
    """A front end made and opened on the first message there is to send: a `clubbot tick`
    with nothing to send imports no framework (aiogram alone takes seconds and ~170 MB) and
    asks Telegram nothing."""

    def __init__(self, make: Callable[[], FrontEnd]) -> None:
        self._make = make
        self._front: FrontEnd | None = None
        self._opening = asyncio.Lock()

    @property
    def opened(self) -> bool:
        return self._front is not None

    async def _opened(self) -> FrontEnd:
        if self._front is None:
            async with self._opening:  # the delivery sends several at once
                if self._front is None:
                    front = self._make()
                    await front.open()
                    self._front = front
        return self._front

    async def send(self, chat_id: int, reply: Reply) -> None:
        await (await self._opened()).send(chat_id, reply)

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        await (await self._opened()).set_menu(chat_id, commands)

    async def close(self) -> None:
        if self._front is not None:
            await self._front.close()
