"""End to end on both frameworks: from /establish, with the charter uploaded as a document and
downloaded by the adapter, through the founding meeting's vote, to an active club with its
founding members."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from emulator import BotApiEmulator, Message, SimUser
from storage import applications as applications_store
from storage import clubs, migrate
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.clock import MovedClock
from tests.e2e import FRAMEWORKS, bind, button_text, latest, press, running_bot
from tests.establishing import ADVISOR, REP, REVIEWER, seed
from tests.harness import Campus

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n" + b"Charter of the Robotics Club. Article 1.\n" * 200
SPONSOR, SIGNER = 1001, 1002


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


async def _until(user: SimUser, needle: str) -> Message:
    """The next message containing `needle` (skipping notices that came first)."""
    for _ in range(20):
        message = await user.wait_message(timeout=10)
        if needle in (message.text or ""):
            return message
    raise AssertionError(f"no message with {needle!r}")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_establish_to_an_active_club(
    emu: BotApiEmulator, tmp_path: Path, framework: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
    await seed(campus, students=2)
    codes = await campus.codes()
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("min_sponsors = 2\n", encoding="utf-8")
    sponsor = emu.user(SPONSOR, language_code="en")
    signer = emu.user(SIGNER, language_code="en")
    advisor = emu.user(ADVISOR, language_code="en")
    rep, reviewer = emu.user(REP, language_code="en"), emu.user(REVIEWER, language_code="en")
    clock = MovedClock(utcnow())
    policy = Policy()
    try:
        async with running_bot(emu, framework, url, policy_file=policy_file, clock=clock):
            await bind(sponsor, codes["S1"])
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
            await sponsor.send_document(PDF, file_name="charter.pdf", mime_type="application/pdf")
            review = await _until(sponsor, "Your application")
            assert f"charter.pdf ({len(PDF) / 1024:.1f} KB)" in (review.text or "")
            async with db.transaction() as session:
                # The file arrived whole through the framework.
                stored = await applications_store.charter(Tx(session, db), 1)
            assert stored is not None
            assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
            await sponsor.click(review, button_text(review, "📨"))
            submitted = await sponsor.wait_edit(review)
            found = re.search(r"start=sign_([A-Za-z0-9_\-]+)", submitted.text or "")
            assert found, submitted.text
            assert "1/2" in (submitted.text or "")

            request = await _until(advisor, "advisor")
            await advisor.click(request, button_text(request, "✅"))
            await advisor.wait_edit(request)

            await bind(signer, codes["S2"])
            await _until(signer, "bound")
            await signer.send(f"/start sign_{found.group(1)}")
            shown = await _until(signer, "not joining")
            await signer.click(shown, button_text(shown, "✍"))
            assert "2/2" in ((await signer.wait_edit(shown)).text or "")

            unit_ask = await _until(rep, "guide it")
            await rep.click(unit_ask, button_text(unit_ask, "✅"))
            await rep.wait_edit(unit_ask)
            committee = await _until(reviewer, "review committee")
            await reviewer.click(committee, button_text(committee, "✅"))
            assert "Approved" in ((await reviewer.wait_edit(committee)).text or "")

            await _until(sponsor, "approved")
            await sponsor.send("/founding")
            date_ask = await _until(sponsor, "founding general meeting")
            await sponsor.click(date_ask, "Today")
            opening = await sponsor.wait_edit(date_ask)
            assert "2 founding members" in (opening.text or "")
            await sponsor.click(opening, "President")
            assert "is open" in ((await sponsor.wait_edit(opening)).text or "")
            # The founding meeting's vote (ORG-3), on the bot's clock moved between phases.
            await press(emu, signer, "Nominate")
            await press(emu, signer, "Myself")
            await latest(signer, "You are a candidate", button=False)
            clock.advance(days=policy.election_nomination_days)
            await press(emu, advisor, "Approve the list")
            clock.advance(days=policy.election_publicity_days)
            for voter in (sponsor, signer):
                await press(emu, voter, "Vote")
                await press(emu, voter, "Yes")
                await press(emu, voter, "Student S2")
                await press(emu, voter, "Next")
                await press(emu, voter, "Cast my ballot")
                await latest(voter, "Receipt", button=False)
            clock.advance(days=policy.election_voting_days)
            await latest(signer, "Elected: Student S2", button=False)
            clock.advance(days=policy.election_result_days)

            founding = await latest(advisor, "✅ Confirm")
            await advisor.click(founding, button_text(founding, "✅"))
            assert "is active, with 2 members" in ((await advisor.wait_edit(founding)).text or "")
            await emu.wait_idle()
        async with db.transaction() as session:
            club = await clubs.club_by_key(Tx(session, db), "robotics club")
        assert club is not None
        assert club.status == "active"
    finally:
        await db.dispose()
