"""End to end: no log line carries the bot token, even where a library logs a failure with the
URL it called (a charter whose download fails), in this process's records and a bot's stderr."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import logs
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from emulator import BotApiEmulator, Message, SimUser
from emulator.server import DOWNLOAD
from storage import migrate
from storage.db import Database
from tests.e2e import FRAMEWORKS, bind, button_text, running_bot
from tests.establishing import seed
from tests.harness import Campus

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n" + b"Charter of the Robotics Club.\n" * 50
SPONSOR = 1001


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@pytest.fixture
def configured_logging() -> Iterator[None]:
    """What `logs.configure` changes in this process, put back after the test."""
    root = logging.getLogger()
    level, factory = root.level, logging.getLogRecordFactory()
    chatty = {name: logging.getLogger(name).level for name in logs.CHATTY_LOGGERS}
    yield
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    for name, was in chatty.items():
        logging.getLogger(name).setLevel(was)


async def _seeded(tmp_path: Path) -> tuple[str, str]:
    """A SQLite file with students, advisors and a unit; (its URL, the sponsor's code)."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    try:
        await migrate.upgrade(db)
        campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
        await seed(campus, students=2)
        codes = await campus.codes()
    finally:
        await db.dispose()
    return url, codes["S1"]


async def _until(user: SimUser, needle: str) -> Message:
    for _ in range(20):
        message = await user.wait_message(timeout=15)
        if needle in (message.text or ""):
            return message
    raise AssertionError(f"no message with {needle!r}")


async def _charter_whose_download_fails(emu: BotApiEmulator, code: str) -> None:
    """An application up to its charter, whose download answers 500."""
    sponsor = emu.user(SPONSOR, language_code="en")
    await bind(sponsor, code)
    await _until(sponsor, "bound")
    await sponsor.send("/establish")
    await _until(sponsor, "name")
    await sponsor.send("Robotics Club")
    ask = await _until(sponsor, "category")
    await sponsor.click(ask, button_text(ask, "Academic"))
    await sponsor.wait_edit(ask)
    await sponsor.send("We build robots.")
    unit = await _until(sponsor, "guidance unit")
    await sponsor.click(unit, "CS Dept")
    chosen = await sponsor.wait_edit(unit)
    await sponsor.click(chosen, button_text(chosen, "Teacher One"))
    await sponsor.wait_edit(chosen)
    emu.fail_next(DOWNLOAD, error_code=500)
    await sponsor.send_document(PDF, file_name="charter.pdf", mime_type="application/pdf")
    answer = await sponsor.wait_message(timeout=15)
    assert "could not fetch that file" in (answer.text or ""), answer.text
    await emu.wait_idle()


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.usefixtures("configured_logging")
async def test_a_failed_download_logs_no_token_in_this_process(
    emu: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture, framework: str
) -> None:
    """Every record, as pytest's own handler (not the app's formatter) captures it."""
    url, code = await _seeded(tmp_path)
    logs.configure("DEBUG", json_lines=False, secrets=[emu.token])
    caplog.set_level(logging.DEBUG)
    async with running_bot(emu, framework, url):
        await _charter_whose_download_fails(emu, code)
    assert any("could not download" in r.getMessage() for r in caplog.records)
    captured = [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert [line for line in captured if emu.token in line] == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_failed_download_logs_no_token_on_stderr(
    emu: BotApiEmulator, tmp_path: Path, framework: str
) -> None:
    """`clubbot run` at DEBUG: every line it writes to standard error."""
    url, code = await _seeded(tmp_path)
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "BOT_FRAMEWORK": framework,
        "DATABASE_URL": url,
        "LOG_LEVEL": "DEBUG",
    }
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            await emu.wait_polling(timeout=20)
            await _charter_whose_download_fails(emu, code)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=20) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    lines = stderr.read_text(encoding="utf-8").splitlines()
    assert any("could not download" in line for line in lines)
    assert [line for line in lines if emu.token in line] == []
