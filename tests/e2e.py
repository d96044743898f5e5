"""Running the real bot, on a real framework, against the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app.frontends import make_front_end
from bot.app.root import App, build_app, serve
from bot.app.settings import Framework, Settings
from emulator import BotApiEmulator, Message, SimUser
from storage import migrate

FRAMEWORKS = [Framework.AIOGRAM.value, Framework.PTB.value]


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


async def press(emu: BotApiEmulator, user: SimUser, label: str) -> None:
    await user.click(await latest(user, label), label)
    await emu.wait_idle(timeout=10)
