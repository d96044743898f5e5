"""Light processes: the command line imports no Telegram framework unless it sends, and the bot
imports only the framework it runs (aiogram alone takes seconds to import and ~170 MB)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.frontends import SenderOnDemand
from bot.chat.frontend import BotIdentity
from bot.chat.replies import Reply
from tests.harness import CLUB_HEADER, STUDENT_HEADER, student_line

FRAMEWORKS = ("aiogram", "telegram")
# Runs commands one after another in a fresh interpreter; after each, prints its exit code and
# the frameworks imported so far.
PROBE = """
import json, sys
from bot.app.cli import main
for argv in json.loads(sys.argv[1]):
    code = main(argv)
    found = sorted({name.split(".")[0] for name in sys.modules} & {"aiogram", "telegram"})
    print("\\nMODULES " + json.dumps([code, found]), flush=True)
"""


Found = list[tuple[int, list[str]]]


def _clubbot(tmp_path: Path, *commands: tuple[str, ...], **env: str) -> Found:
    """`clubbot` commands run in one process: after each, its exit code and the frameworks
    imported so far."""
    # The machine's own policy file is not the test's (a test may give one in `env`).
    inherited = {k: v for k, v in os.environ.items() if k != "POLICY_FILE"}
    environ = {
        **inherited,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "BOT_TOKEN": "123456:not-a-real-token",
        "BOT_USERNAME": "uni_clubs_bot",
        # Nothing may be sent: a request would go nowhere.
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environ,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    assert len(lines) == len(commands), done.stdout + done.stderr
    return [tuple(json.loads(line.removeprefix("MODULES "))) for line in lines]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    students = tmp_path / "students.csv"
    students.write_text("\n".join([STUDENT_HEADER, student_line("S1"), student_line("S2")]))
    clubs = tmp_path / "clubs.csv"
    # Founded long ago: its general meeting is overdue, so a tick reminds whoever it can.
    clubs.write_text(f"{CLUB_HEADER}\nChess Club,academic,CS Dept,2020-09-01\n")
    return students, clubs


def test_commands_that_do_not_send_import_no_framework(tmp_path: Path) -> None:
    students, clubs = _files(tmp_path)
    commands = [
        ("db", "upgrade"),
        ("import", "students", str(students)),
        ("import", "clubs", str(clubs)),
        ("codes", str(tmp_path / "codes.csv")),
        ("ledger", str(tmp_path / "ledger.csv")),
        ("report", str(tmp_path / "report.docx")),
        ("export", "activities", str(tmp_path / "activities.xlsx")),
        ("audit", "verify"),
        ("tick", "--refresh"),  # nobody to remind of the meeting: nothing to send
    ]
    assert _clubbot(tmp_path, *commands) == [(0, [])] * len(commands)


@pytest.mark.parametrize(("framework", "module"), [("aiogram", "aiogram"), ("ptb", "telegram")])
def test_a_tick_that_sends_imports_its_framework(
    tmp_path: Path, framework: str, module: str
) -> None:
    _, clubs = _files(tmp_path)
    commands = [("import", "clubs", str(clubs)), ("grant", "staff", "42"), ("tick",)]
    # No quiet hours: at night in the university's zone a reminder waits for the morning, and
    # this test must not depend on the hour CI runs at (it failed at 22:37 Shanghai time).
    policy = tmp_path / "policy.toml"
    policy.write_text("quiet_hours_start = 08:00:00\nquiet_hours_end = 08:00:00\n")
    # Staff are reminded of the meeting: the framework is imported to send (Telegram is out of
    # reach here, and the reminder waits for the next tick).
    done = _clubbot(tmp_path, *commands, BOT_FRAMEWORK=framework, POLICY_FILE=str(policy))
    assert [found for _, found in done] == [[], [], [module]]


@pytest.mark.parametrize(
    ("framework", "module", "other"),
    [("aiogram", "aiogram", "telegram"), ("ptb", "telegram", "aiogram")],
)
def test_the_bot_imports_only_the_framework_it_runs(
    framework: str, module: str, other: str
) -> None:
    probe = f"""
import sys
from bot.app import cli, root
from bot.app.frontends import make_front_end
from bot.app.settings import Settings
front = make_front_end(Settings(bot_token="1:x", bot_framework="{framework}"))
print(type(front).__name__, "{module}" in sys.modules, "{other}" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _, has_own, has_other = done.stdout.split()
    assert (has_own, has_other) == ("True", "False"), done.stdout


class FakeFront:
    def __init__(self) -> None:
        self.opened = 0
        self.sent: list[int] = []

    async def open(self) -> BotIdentity:
        self.opened += 1
        await asyncio.sleep(0.01)  # the other sends wait for this one
        return BotIdentity(1, "bot")

    async def send(self, chat_id: int, reply: Reply) -> None:
        self.sent.append(chat_id)

    async def close(self) -> None:
        self.opened = -1


async def test_the_front_end_is_opened_once_on_the_first_send() -> None:
    made: list[FakeFront] = []

    def make() -> FakeFront:
        made.append(FakeFront())
        return made[-1]

    sender = SenderOnDemand(make)  # type: ignore[arg-type]
    await sender.close()  # never opened: nothing to close
    assert made == []
    assert not sender.opened
    await asyncio.gather(*(sender.send(chat, Reply("hi")) for chat in (1, 2, 3)))
    assert len(made) == 1
    assert made[0].opened == 1
    assert sorted(made[0].sent) == [1, 2, 3]
    await sender.close()
    assert made[0].opened == -1
