"""A bare echo bot on one framework: the ceiling clubbot is measured against.

python -m bench.echo aiogram|ptb BASE_URL TOKEN [tuned]

`tuned` gives the echo bot clubbot's own settings: on aiogram, no FSM and the answer models kept
(see `bot/handlers/aiogram.py`); on both, the start-up objects frozen out of the garbage
collector's full scans (`bot/app/root.py`). Without them, it is the framework as a new bot gets it
(python-telegram-bot with clubbot's number of updates in flight).
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys


async def aiogram_echo(base_url: str, token: str, stop: asyncio.Event, tuned: bool) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dispatcher = Dispatcher(disable_fsm=tuned)

    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    dispatcher.message.register(echo)
    if tuned:
        from bot.handlers import aiogram as front_end  # it keeps aiogram's answer models

        assert front_end.METHODS
        gc.collect()
        gc.freeze()
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    await stop.wait()
    await dispatcher.stop_polling()
    await polling


async def ptb_echo(base_url: str, token: str, stop: asyncio.Event, tuned: bool) -> None:
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
    if tuned:
        gc.collect()
        gc.freeze()
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def main(framework: str, base_url: str, token: str, *flags: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    runner = aiogram_echo if framework == "aiogram" else ptb_echo
    await runner(base_url, token, stop, "tuned" in flags)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
