"""End to end: the outbox across a crash mid-send, and what the adapters call a failed send."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select, update

from bot.app.frontends import make_front_end
from bot.chat.frontend import FrontEnd
from bot.core.engine import Engine
from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from bot.domain.values import Role
from bot.flows import build_router
from bot.services import roster
from emulator import BotApiEmulator, Event
from schedules.delivery import Delivery
from storage import migrate, outbox, people
from storage.db import Database
from storage.models import AccountRow, LeaseRow, OutboxRow
from storage.outbox import Message
from storage.tx import Tx
from storage.types import utcnow
from tests.conftest import PG_URL, MakeDb
from tests.e2e import FRAMEWORKS, daytime_zone, running_bot, settings_for
from tests.harness import Campus, student_line

pytestmark = pytest.mark.e2e
OFFICER = 1001
STAFF = 501


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database a `clubbot` process can reach by its URL alone (PostgreSQL: a new one)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    name = f"crash_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _overdue_club(db: Database, zone: str, months_ago: int = 13) -> None:
    """Chess Club, its president S1 bound to OFFICER, its general meeting 13 months ago."""
    await migrate.upgrade(db)
    campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
    await campus.students(student_line("S1"))
    await campus.bound("S1", OFFICER)
    long_ago = add_months(Calendar.named(zone).today(utcnow()), -months_ago).isoformat()
    header = "name,category,guidance_unit,founded,president,last_general_meeting"
    async with db.transaction() as session:
        await roster.import_clubs(
            Tx(session, db),
            utcnow(),
            f"{header}\nChess Club,academic,CS,2020-09-01,S1,{long_ago}".encode(),
            policy=Policy(),
            cal=Calendar.named(zone),
        )


async def _three_minutes_later(db: Database) -> None:
    """What a crashed sender held (its lease, its claims) runs out as if minutes had passed."""
    gone = utcnow() - timedelta(seconds=1)
    async with db.transaction() as session:
        await session.execute(update(LeaseRow).values(until=gone))
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.claimed_until.isnot(None))  # type: ignore[union-attr]
            .values(claimed_until=gone)
        )


@pytest.mark.parametrize("framework", FRAMEWORKS[:1])
async def test_a_reminder_killed_after_its_send_is_never_sent_again(
    emu: BotApiEmulator, database_url: str, tmp_path: Path, framework: str
) -> None:
    """`clubbot tick` SIGKILLed once Telegram has the reminder, before it hears the answer:
    the next tick sends nothing, and staff see the reminder as maybe delivered."""
    zone = daytime_zone()
    db = Database(database_url)
    try:
        await _overdue_club(db, zone)
        officer = emu.user(OFFICER, language_code="en")
        env = {
            **os.environ,
            "BOT_TOKEN": emu.token,
            "TELEGRAM_API_URL": emu.base_url,
            "BOT_FRAMEWORK": framework,
            "DATABASE_URL": database_url,
            "TIMEZONE": zone,
        }

        async def tick() -> asyncio.subprocess.Process:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "tick",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )

        first = await tick()

        async def kill_on_send(event: Event) -> None:
            if event.kind == "message" and event.chat_id == OFFICER:
                first.kill()  # SIGKILL: the message is Telegram's, its answer never read
                await first.wait()

        unsubscribe = emu.subscribe(kill_on_send)
        await asyncio.wait_for(first.wait(), timeout=30)
        unsubscribe()
        assert first.returncode == -9
        assert ["Chess Club" in (m.text or "") for m in officer.messages] == [True]

        await _three_minutes_later(db)
        second = await tick()
        out, _ = await asyncio.wait_for(second.communicate(), timeout=30)
        assert second.returncode == 0
        assert out.decode().strip() == "0 reminders queued, 0 messages sent"
        assert len(officer.messages) == 1
        async with db.transaction() as session:
            rows = list(await session.scalars(select(OutboxRow)))
            problems, _ = await outbox.problems(Tx(session, db), 3, 10)
        assert [(r.chat_id, r.status) for r in rows] == [(OFFICER, "uncertain")]
        assert [(p.status, p.error) for p in problems] == [("uncertain", outbox.INTERRUPTED)]
    finally:
        await db.dispose()


# How long the adapter waits for an answer: aiogram's is set below, python-telegram-bot's
# default read timeout is 5 s.
AIOGRAM_WAIT = 1.0
PTB_WAIT = 5.0


async def _front(emu: BotApiEmulator, framework: str) -> FrontEnd:
    front = make_front_end(settings_for(emu, framework, "sqlite://"))
    await front.open()
    if framework == "aiogram":
        from bot.handlers.aiogram import AiogramFrontEnd

        assert isinstance(front, AiogramFrontEnd)
        front.bot.session.timeout = AIOGRAM_WAIT
    return front


async def _send_one(db: Database, delivery: Delivery, key: str) -> OutboxRow:
    async with db.transaction() as session:
        await outbox.enqueue_many(
            Tx(session, db), [Message(key, OFFICER, f"notice {key}")], utcnow()
        )
    await delivery.deliver_due()
    async with db.transaction() as session:
        return (await session.scalars(select(OutboxRow).where(OutboxRow.key == key))).one()


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_only_an_unanswered_request_is_maybe_delivered_a_refused_one_is_retried(
    emu: BotApiEmulator, make_db: MakeDb, framework: str
) -> None:
    """A send whose answer outlasts the wait may have arrived: never sent again. A send that
    found no server never reached Telegram: retried after a back-off."""
    db = await make_db("sqlite")
    officer = emu.user(OFFICER, language_code="en")
    front = await _front(emu, framework)
    policy = Policy()
    delivery = Delivery(db, front, policy, Calendar.named("UTC"))
    try:
        wait = AIOGRAM_WAIT if framework == "aiogram" else PTB_WAIT
        emu.delay("sendMessage", wait + 2, chat_id=OFFICER)
        slow = await _send_one(db, delivery, "slow")
        assert (slow.status, slow.attempts) == ("uncertain", 1)
        assert [m.text for m in officer.messages] == ["notice slow"]

        await emu.stop()  # the port is closed: the connection is refused
        before = utcnow()
        refused = await _send_one(db, delivery, "refused")
        assert (refused.status, refused.attempts) == ("pending", 1)
        assert refused.due_at >= before + timedelta(seconds=policy.delivery_backoff_seconds)
        assert refused.sent_at is None
    finally:
        await delivery.close()
        await front.close()


async def _blocked(db: Database, user_id: int, blocked: bool) -> None:
    """Wait until the account of `user_id` is marked as it should be."""
    for _ in range(100):
        async with db.transaction() as session:
            account = await session.get(AccountRow, user_id)
        if account is not None and (account.unreachable_at is not None) is blocked:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"account {user_id} never became {'un' * blocked}reachable")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_blocking_and_unblocking_the_bot_reach_staffs_status(
    emu: BotApiEmulator, make_db: MakeDb, framework: str
) -> None:
    """my_chat_member updates: a president who blocks the bot is listed in /status as out of
    reach, and is reachable again once they unblock it; neither update is answered."""
    db = await make_db("sqlite")
    zone = daytime_zone()
    await _overdue_club(db, zone, months_ago=1)
    async with db.transaction() as session:
        await people.grant(Tx(session, db), STAFF, Role.STAFF, utcnow())
    officer = emu.user(OFFICER, language_code="en")
    staff = emu.user(STAFF, language_code="en")
    async with running_bot(emu, framework, db.url, zone):
        officer.block_bot()
        await _blocked(db, OFFICER, True)
        await staff.send("/status Chess Club")
        shown = (await staff.wait_message()).text or ""
        assert "Blocked the bot, so no reminder reaches them: Student S1" in shown
        officer.unblock_bot()
        await _blocked(db, OFFICER, False)
        await staff.send("/status Chess Club")
        assert "Blocked the bot" not in ((await staff.wait_message()).text or "")
        await emu.wait_idle()
    assert officer.messages == []
