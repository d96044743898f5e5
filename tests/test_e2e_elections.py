"""End to end: an officer election, from start to the new president in office, through chat
buttons on both frameworks, with the bot's clock moved forward between the phases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.policy import Policy
from emulator import BotApiEmulator
from storage import migrate, officers, people
from storage.db import Database
from storage.tx import Tx
from tests.clock import MovedClock, local
from tests.e2e import FRAMEWORKS, latest, press, running_bot
from tests.elections import ADVISOR, OFFICER, REP, START, Club

pytestmark = pytest.mark.e2e
S2 = OFFICER + 1


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_an_election_through_buttons_to_the_new_president(
    emu: BotApiEmulator, tmp_path: Path, framework: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    # S1 presides over Chess Club (user 1001), S2 (1002) is a member; T1 advises (2001).
    await Club.seeded(db, members=2)
    policy = Policy()
    officer, s2 = emu.user(OFFICER), emu.user(S2)
    advisor, rep = emu.user(ADVISOR), emu.user(REP)
    clock = MovedClock(local(START, 9, 5))
    async with running_bot(emu, framework, url, "Asia/Shanghai", clock=clock):
        await officer.send("/election")
        await press(emu, officer, "Start an election: Chess Club")
        await press(emu, officer, "President")
        await press(emu, officer, "Start")
        await latest(officer, "nominations are open until 2026-03-09", button=False)

        await press(emu, s2, "Nominate")
        await press(emu, s2, "Myself")
        await latest(s2, "You are a candidate", button=False)

        clock.advance(days=policy.election_nomination_days)
        await press(emu, advisor, "Approve the list")
        await latest(advisor, "The list is approved", button=False)

        clock.advance(days=policy.election_publicity_days)
        await press(emu, officer, "Vote")
        await press(emu, officer, "Student S2")
        await press(emu, officer, "Next")
        await latest(officer, "Your ballot", button=False)
        await press(emu, officer, "Cast my ballot")
        await latest(officer, "Receipt", button=False)

        clock.advance(days=policy.election_voting_days)
        results = await latest(s2, "Elected: Student S2", button=False)
        assert "Results" in (results.text or "")

        clock.advance(days=policy.election_result_days)
        await press(emu, advisor, "Approve the result")
        await latest(advisor, "waits for the other approval", button=False)
        await press(emu, rep, "Approve the result")
        await latest(rep, "have taken office", button=False)
        await latest(s2, "newly elected officers", button=False)

    async with db.transaction() as session:
        tx = Tx(session, db)
        club = (await officers.clubs_led_by(tx, await _pk(tx, "S2")))[0]
        assert club.name == "Chess Club"
        assert await officers.president(tx, club.id) == await _pk(tx, "S2")
    await db.dispose()


async def _pk(tx: Tx, student_id: str) -> int:
    found = await people.student_by_student_id(tx, student_id)
    assert found is not None
    assert found.id is not None
    return found.id
