"""End to end on both frameworks: an activity proposed, approved at three levels, announced,
signed up for, checked in by code and by the QR code's link, and reported (ACT-1, ACT-10)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import checkin as rules
from bot.domain.policy import Policy
from emulator import BotApiEmulator, SimUser
from storage import checkin as records
from storage import migrate
from storage.db import Database
from storage.models import ActivityCheckinRow, ActivityReportRow, ActivityRow
from storage.tx import Tx
from tests.activities import ADVISOR, OFFICER, REP, STAFF, seeded
from tests.clock import MovedClock, local
from tests.e2e import FRAMEWORKS, latest, press, running_bot
from tests.elections import START

pytestmark = pytest.mark.e2e
S2 = OFFICER + 1


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


async def say(emu: BotApiEmulator, user: SimUser, text: str) -> None:
    """Send `text` and wait for the bot's answer (a reply waits its turn in the chat)."""
    before = [(m.message_id, m.edit_count) for m in user.messages]
    await user.send(text)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(3):
            while True:
                if [(m.message_id, m.edit_count) for m in user.messages] != before:
                    break
                await asyncio.sleep(0.05)
    await emu.wait_idle(timeout=10)


def _to(clock: MovedClock, day: date, hour: int, minute: int) -> None:
    clock.advance(seconds=(local(day, hour, minute) - clock()).total_seconds())


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_propose_approve_announce_sign_up_check_in_report(
    emu: BotApiEmulator, tmp_path: Path, framework: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    await seeded(db, members=2)
    officer, s2 = emu.user(OFFICER), emu.user(S2)
    approvers = [emu.user(user) for user in (ADVISOR, REP, STAFF)]
    clock = MovedClock(local(START, 9, 5))
    async with running_bot(emu, framework, url, "Asia/Shanghai", clock=clock):
        await say(emu, officer, "/activity")
        await say(emu, officer, "Blitz evening")
        await press(emu, officer, "Regular activity")
        # 250 expected: a large activity (ACT-3), which carries its safety plan.
        for answer in ("2026-03-12 19:00", "21:00", "Library room 204", "250"):
            await say(emu, officer, answer)
        # No limit of places: every member may check in, signed up or not.
        await press(emu, officer, "No limit")
        await press(emu, officer, "The club's members")
        await say(emu, officer, "Games for every level.")
        await say(emu, officer, "120")
        await press(emu, officer, "No sponsor")
        await latest(officer, "safety and emergency plan", button=False)
        # The adapter downloads the document through getFile; the core stores its bytes.
        await officer.send_document(b"%PDF-1.4 the plan", "plan.pdf", "application/pdf")
        await latest(officer, "Safety plan: plan.pdf (17 bytes)", button=False)
        await press(emu, officer, "✅ Submit for approval")
        await latest(officer, "is submitted", button=False)

        for approver in approvers:
            await press(emu, approver, "✅ Approve")
        await latest(officer, "approved", button=False)
        await press(emu, s2, "✋ Sign up")
        await latest(s2, "You are signed up for Blitz evening", button=False)

        _to(clock, date(2026, 3, 12), 18, 45)
        await say(emu, officer, "/checkin")
        screen = await latest(officer, "Code:", button=False)
        assert screen.photo is not None
        assert screen.photo.startswith(b"\x89PNG")
        code = re.search(r"Code: (\w+)", screen.text or "")
        assert code is not None
        await say(emu, s2, f"/checkin {code.group(1)}")
        await latest(s2, "You are checked in at Blitz evening", button=False)
        # The officer scans the QR code: its deep link.
        async with db.transaction() as session:
            act = (await session.scalars(select(ActivityRow))).one()
            assert act.id is not None
            key = await records.secret(Tx(session, db), act.id)
        payload = rules.link_payload(key, act.id, rules.window(Policy(), clock()))
        await say(emu, officer, f"/start {payload}")
        await latest(officer, "You are checked in at Blitz evening", button=False)

        _to(clock, date(2026, 3, 12), 21, 5)
        await latest(officer, "Please file its report", button=False)
        await say(emu, officer, "/activity_report")
        await say(emu, officer, "Twelve games and a simul.")
        await say(emu, officer, "80")
        await press(emu, officer, "Done")
        await press(emu, officer, "✅ File the report")
        await latest(officer, "is filed, with 2 participants", button=False)

    async with db.transaction() as session:
        report = (await session.scalars(select(ActivityReportRow))).one()
        present = (await session.scalars(select(ActivityCheckinRow))).all()
    assert (report.state, report.participants, report.spending) == ("filed", 2, 8000)
    assert sorted(p.method for p in present) == ["code", "link"]
    await db.dispose()
