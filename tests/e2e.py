"""Running the real bot, on a real framework, against the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.app.frontends import make_front_end
from bot.app.root import App, build_app, serve
from bot.app.settings import Framework, Settings
from emulator import BotApiEmulator, Message, SimUser
from storage import migrate
from storage.db import Database

FRAMEWORKS = [Framework.AIOGRAM.value, Framework.PTB.value]
WEBHOOK_PATH = "/telegram/updates"
WEBHOOK_SECRET = "s3cret_webhook-token"


def button_text(message: Message, prefix: str) -> str:
    """The full text of the button whose label starts with `prefix`."""
    for row in message.buttons:
        for button in row:
            if button.text.startswith(prefix):
                return button.text
    raise AssertionError(f"no button {prefix!r} in {message.button_texts()}")


def daytime_zone() -> str:
    """A time zone where it is about noon now, so that quiet hours hold nothing back."""
    offset = 12 - datetime.now(UTC).hour  # from -11 to +12 hours
    # The Etc/GMT zones count the other way round: Etc/GMT-8 is UTC+8.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def settings_for(
    emu: BotApiEmulator,
    framework: str,
    database_url: str,
    timezone: str | None = None,
    policy_file: Path | None = None,
) -> Settings:
    return Settings(
        policy_file=policy_file,
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(emu.token),
        telegram_api_url=emu.base_url,
        bot_framework=Framework(framework),
        database_url=database_url,
        tick_seconds=0.2,
        timezone=timezone or daytime_zone(),
        http_listen="127.0.0.1:0",
    )


@dataclass
class RunningBot:
    emu: BotApiEmulator
    app: App


@contextlib.asynccontextmanager
async def running_bot(
    emu: BotApiEmulator,
    framework: str,
    database_url: str,
    timezone: str | None = None,
    policy_file: Path | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[RunningBot]:
    """The whole bot (`clubbot run` minus signals) serving the emulator until the block ends;
    on `clock` if given (a test moves it forward), else on UTC now."""
    settings = settings_for(emu, framework, database_url, timezone, policy_file)
    app = build_app(settings) if clock is None else build_app(settings, clock=clock)
    await migrate.upgrade(app.db)
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(app, make_front_end(settings, app.policy.charter_max_bytes), stop)
    )
    try:
        await emu.wait_polling(timeout=10)
        yield RunningBot(emu, app)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)


async def latest(user: SimUser, find: str, *, button: bool = True) -> Message:
    """The newest message to `user` with a button labelled `find` (or text containing it)."""
    async with asyncio.timeout(15):
        while True:
            for message in reversed(user.messages):
                if (find in message.button_texts()) if button else (find in (message.text or "")):
                    return message
            await asyncio.sleep(0.05)


async def bind(user: SimUser, code: str) -> None:
    """Send `/start CODE` and agree to the processing notice it shows first (PRIV-1); the
    answer to the code is the chat's next message."""
    await user.send(f"/start {code}")
    notice = await user.wait_message(timeout=10)
    data = [b.callback_data or "" for row in notice.buttons for b in row]
    agree = next(d for d in data if d.startswith("v1:consent:b:"))
    await user.click(notice, callback_data=agree)


async def press(emu: BotApiEmulator, user: SimUser, label: str) -> None:
    message = await latest(user, label)
    before = [(m.message_id, m.edit_count) for m in user.messages]
    await user.click(message, label)
    # A reply waits its turn (a chat gets one message a second) while the bot looks idle to the
    # emulator: wait for the chat to change, or a turn's length when the answer is a toast.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.5):
            while True:
                if [(m.message_id, m.edit_count) for m in user.messages] != before:
                    break
                await asyncio.sleep(0.05)
    await emu.wait_idle(timeout=10)


async def _answers(http: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            return answer.status == 200
    except aiohttp.ClientError:
        return False


def free_port() -> int:
    """A TCP port nobody listens on now (for a webhook URL that must name it in advance)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(
    emu: BotApiEmulator, framework: str, database_url: str, port: int, url: str | None = None
) -> Settings:
    """Settings of a bot in webhook mode, listening on `port`; Telegram posts to `url` (by
    default straight to that port)."""
    return settings_for(emu, framework, database_url).model_copy(
        update={
            "webhook_url": url or f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "webhook_secret": SecretStr(WEBHOOK_SECRET),
            "http_listen": f"127.0.0.1:{port}",
        }
    )


@contextlib.asynccontextmanager
async def webhook_bot(
    emu: BotApiEmulator, settings: Settings, db: Database | None = None
) -> AsyncIterator[RunningBot]:
    """The whole bot in webhook mode (on `db` if given) until the block ends."""
    app = build_app(settings, db)
    await migrate.upgrade(app.db)
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(app, make_front_end(settings, app.policy.charter_max_bytes), stop)
    )
    try:
        port = settings.listen_address()[1]
        async with asyncio.timeout(10), aiohttp.ClientSession() as http:
            while True:
                if emu.webhook_url and await _answers(http, port):
                    break
                await asyncio.sleep(0.05)
        yield RunningBot(emu, app)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
