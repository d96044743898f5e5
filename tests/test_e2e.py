"""End to end: the same transcripts through aiogram and python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from bot.flows import build_router
from bot.services import roster
from emulator import BotApiEmulator, Message
from storage import migrate
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.e2e import FRAMEWORKS, bind, button_text, daytime_zone, running_bot
from tests.harness import Campus, student_line

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@dataclass
class Seeded:
    url: str
    campus: Campus
    codes: dict[str, str]


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    """A SQLite file with three clubs and two students holding fresh binding codes."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
    await campus.clubs("Chess Club", ("Band", "culture_sports"), "Go Club")
    await campus.students(student_line("S1", "Alice <A&B>"), student_line("S2"))
    yield Seeded(url, campus, await campus.codes())
    await db.dispose()


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_bind_join_flow_and_limit(
    emu: BotApiEmulator, seeded: Seeded, framework: str
) -> None:
    url, codes = seeded.url, seeded.codes
    async with running_bot(emu, framework, url):
        alice = emu.user(1001, first_name="Alice", language_code="en")
        await bind(alice, codes["S1"])
        bound = await alice.wait_message()
        assert "bound to Alice <A&B> (S1)" in (bound.text or "")

        await alice.send("/join")
        ask = await alice.wait_message()
        await alice.click(ask, button_text(ask, "Culture and sports"))
        assert (await alice.wait_callback_answer()).text in (None, "")
        clubs = await alice.wait_edit(ask)
        await alice.click(clubs, "Band")
        confirm = await alice.wait_edit(clubs)
        assert "Join Band?" in (confirm.text or "")
        await alice.click(confirm, "Yes, join")
        done = await alice.wait_edit(confirm)
        assert "Welcome to Band" in (done.text or "")

        await alice.send("/join Chess Club")
        assert "Welcome to Chess Club" in ((await alice.wait_message()).text or "")
        await alice.send("/join go club")
        refused = (await alice.wait_message()).text or ""
        assert "already in 2 clubs (Band, Chess Club)" in refused

        # A stale button: the first /join message's buttons belong to an earlier step.
        await alice.click(done, callback_data="v1:f:1:c3")
        answer = await alice.wait_callback_answer()
        assert "expired" in (answer.text or "")

        await alice.send("/myclubs")
        assert "2 of at most 2" in ((await alice.wait_message()).text or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_redelivered_update_is_answered_once(
    emu: BotApiEmulator, seeded: Seeded, framework: str
) -> None:
    url, codes = seeded.url, seeded.codes
    async with running_bot(emu, framework, url):
        alice = emu.user(1001, language_code="en")
        await bind(alice, codes["S1"])
        await alice.wait_message()
        update_id = await alice.send("/join Chess Club")
        await alice.wait_message()
        await emu.wait_idle()
        emu.redeliver(update_id)
        await emu.wait_idle()
        await alice.send("/myclubs")
        last = await alice.wait_message()
        assert "1 of at most 2" in (last.text or "")
        assert sum("Welcome to" in (m.text or "") for m in alice.messages) == 1


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_commands_menu_and_outbox_notice(
    emu: BotApiEmulator, seeded: Seeded, framework: str
) -> None:
    url, campus, codes = seeded.url, seeded.campus, seeded.codes
    async with running_bot(emu, framework, url):
        menus = {language for _, language in emu.commands}
        assert menus == {"", "zh"}
        zh_menu = dict(emu.commands[("default", "zh")])
        assert zh_menu["join"] == "加入社团"
        li = emu.user(1002, language_code="zh-hans")
        await bind(li, codes["S2"])
        assert "已绑定" in ((await li.wait_message()).text or "")
        await li.send("/join Chess Club")
        await li.wait_message()
        # Staff re-import the roster: S2 has withdrawn; the running bot sends the notice.
        await campus.students(student_line("S2", status="withdrawn"))
        notice = await li.wait_message(timeout=10)
        assert "Chess Club" in (notice.text or "")
        assert "退学" in (notice.text or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_killed_in_the_middle_of_join_resumes_after_restart(
    emu: BotApiEmulator, seeded: Seeded, tmp_path: Path, framework: str
) -> None:
    """SIGKILL the bot process between two steps of /join; the restarted bot continues."""
    url, codes = seeded.url, seeded.codes
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "BOT_FRAMEWORK": framework,
        "DATABASE_URL": url,
    }

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    alice = emu.user(1001, language_code="en")
    process = start()
    try:
        await emu.wait_polling(timeout=20)
        await bind(alice, codes["S1"])
        await alice.wait_message(timeout=10)
        await alice.send("/join")
        ask = await alice.wait_message()
        await alice.click(ask, button_text(ask, "Academic"))
        clubs = await alice.wait_edit(ask)
        await emu.wait_idle()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

        process = start()
        await emu.wait_polling(timeout=20)
        await alice.click(clubs, "Go Club")
        confirm = await alice.wait_edit(clubs, timeout=10)
        assert "Join Go Club?" in (confirm.text or "")
        await alice.click(confirm, "Yes, join")
        assert "Welcome to Go Club" in ((await alice.wait_edit(confirm)).text or "")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _import_history(campus: Campus, zone: str, *lines: str) -> None:
    header = "name,category,guidance_unit,founded,president,last_general_meeting"
    async with campus.db.transaction() as session:
        await roster.import_clubs(
            Tx(session, campus.db),
            utcnow(),
            "\n".join([header, *lines]).encode(),
            policy=Policy(),
            cal=Calendar.named(zone),
        )


def _thirteen_months_ago(zone: str) -> str:
    return add_months(Calendar.named(zone).today(utcnow()), -13).isoformat()


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_an_overdue_meeting_is_reminded_once_across_a_restart(
    emu: BotApiEmulator, seeded: Seeded, framework: str
) -> None:
    """A club imported with its last general meeting 13 months ago: its officer hears once."""
    url, campus, codes = seeded.url, seeded.campus, seeded.codes
    zone = daytime_zone()
    long_ago = _thirteen_months_ago(zone)
    alice = emu.user(1001, language_code="en")
    async with running_bot(emu, framework, url, zone):
        await bind(alice, codes["S1"])
        await alice.wait_message()
        await _import_history(campus, zone, f"Chess Club,academic,CS,2020-09-01,S1,{long_ago}")
        reminder = await alice.wait_message(timeout=10)
        assert "Chess Club" in (reminder.text or "")
        assert "overdue by" in (reminder.text or "")
        assert reminder.button_texts() == ["Record the general meeting"]
        await emu.wait_idle()
    async with running_bot(emu, framework, url, zone):
        # A second club falls overdue after the restart; its reminder comes after anything
        # the restarted bot might have sent again about the first.
        await _import_history(campus, zone, f"Go Club,academic,CS,2020-09-01,S1,{long_ago}")
        second = await alice.wait_message(timeout=10)
        assert "Go Club" in (second.text or "")
        await emu.wait_idle()
    overdue = [m.text or "" for m in alice.messages if "overdue" in (m.text or "")]
    assert [("Chess Club" in text, "Go Club" in text) for text in overdue] == [
        (True, False),
        (False, True),
    ]


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_clubbot_tick_sends_once_and_exits(
    emu: BotApiEmulator, seeded: Seeded, tmp_path: Path, framework: str
) -> None:
    """`clubbot tick` from cron: two runs, one reminder."""
    url, campus = seeded.url, seeded.campus
    zone = daytime_zone()
    alice = emu.user(1001, language_code="en")
    await campus.bound("S1", 1001)
    await _import_history(
        campus, zone, f"Chess Club,academic,CS,2020-09-01,S1,{_thirteen_months_ago(zone)}"
    )
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "BOT_FRAMEWORK": framework,
        "DATABASE_URL": url,
        "TIMEZONE": zone,
    }
    for _ in range(2):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "tick",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0
    assert out.decode().strip() == "0 reminders queued, 0 messages sent"
    assert ["Chess Club" in (m.text or "") for m in alice.messages] == [True]


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_staff_export_and_a_refused_reviewer(
    emu: BotApiEmulator, seeded: Seeded, framework: str
) -> None:
    """Issue 6 on both frameworks: files sent as documents, and the permission matrix."""
    from openpyxl import load_workbook

    from bot.domain.values import Role
    from storage import people

    db = seeded.campus.db
    async with db.transaction() as session:
        await people.grant(Tx(session, db), 501, Role.STAFF, utcnow())
        await people.grant(Tx(session, db), 502, Role.REVIEWER, utcnow())
    async with running_bot(emu, framework, seeded.url):
        staff = emu.user(501, first_name="Staff", language_code="en")

        async def files(n: int) -> list[Message]:
            """The next `n` files to staff (who also receive escalated reminders meanwhile)."""
            got: list[Message] = []
            while len(got) < n:
                message = await staff.wait_message()
                if message.has_media:
                    got.append(message)
            return got

        await staff.send("/export clubs")
        workbook, as_csv = await files(2)
        assert workbook.document is not None
        assert workbook.document.file_name is not None
        assert workbook.document.file_name.endswith(".xlsx")
        assert "All clubs: 3" in (workbook.text or "")
        sheet = load_workbook(io.BytesIO(workbook.document.data)).active
        assert sheet is not None
        assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == [
            "Band",
            "Chess Club",
            "Go Club",
        ]
        assert as_csv.document is not None
        assert as_csv.document.data.decode("utf-8-sig").startswith("name,category")
        await staff.send("/stats")
        (chart,) = await files(1)
        assert chart.photo is not None
        assert chart.photo.startswith(b"\x89PNG")

        reviewer = emu.user(502, first_name="Rita", language_code="en")
        await reviewer.send("/grant staff 502")
        refused = await reviewer.wait_message()
        assert "Only staff" in (refused.text or "")
        await reviewer.send("/ledger")
        assert "Compliance ledger" in ((await reviewer.wait_message()).text or "")
