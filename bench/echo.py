"""A bare echo bot on one framework: the ceiling clubbot is measured against.

python -m bench.echo aiogram|ptb BASE_URL TOKEN
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def aiogram_echo(base_url: str, token: str, stop: asyncio.Event) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dispatcher = Dispatcher()

    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    dispatcher.message.register(echo)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    await stop.wait()
    await dispatcher.stop_polling()
    await polling


async def ptb_echo(base_url: str, token: str, stop: asyncio.Event) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.handlers.ptb import CONCURRENT_UPDATES  # the same setting as clubbot's front end

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "?")

    app.add_handler(MessageHandler(filters.ALL, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def main(framework: str, base_url: str, token: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    runner = aiogram_echo if framework == "aiogram" else ptb_echo
    await runner(base_url, token, stop)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
