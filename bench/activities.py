"""Activity bursts through the emulator: N students check in to one activity within T seconds
(`/checkin CODE`), then M students press Sign up at once for an activity of P places.

    python -m bench.activities [--checkins 1000] [--seconds 60] [--signups 500] [--places 100]
                               [--databases sqlite postgres] [--framework aiogram] [--scale 0.1]

The university is `bench/university.py`'s at `--scale`, with enough bound students. Two
activities of Club 0 are approved, open to every student: one under way (its check-in code is
derived as the organizer's /checkin shows it), one tomorrow with `--places` places; the Sign up
buttons are put in the students' chats as the announcement would have. The bot runs as
`clubbot run` in its own process.

Reported, per burst: updates per second (answered updates over the time from the first send to
the last answer), send→answer p50/p95/p99/max, failures (no answer within 60 s, or an answer
that is not a success), and correctness read from the database: check-ins recorded against
students who were told they were checked in; confirmed places and waitlisted sign-ups.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select, update

from bench.election_burst import Answers
from bench.latency import spread
from bench.seeding import bulk, fresh_postgres
from bench.university import generate
from bench.updates import _cpu_seconds, _free_port
from bot.chat import callbacks
from bot.domain import checkin as rules
from bot.domain.activities import ActivityAudience, ActivityKind, ActivityState
from bot.domain.policy import Policy
from bot.flows.privacy import notice_version
from bot.services import signups
from emulator import BotApiEmulator
from storage import activities
from storage import checkin as records
from storage.db import Database
from storage.models import AccountRow, ActivityCheckinRow, ActivitySignupRow, ConsentRow
from storage.tx import Tx
from storage.types import utcnow

ROOT = Path(__file__).resolve().parents[1]
ANSWER_WAIT = 60.0


async def _activity(db: Database, title: str, starts_in: timedelta, capacity: int | None) -> int:
    now = utcnow()
    async with db.transaction() as session:
        tx = Tx(session, db)
        act_id = await activities.new_draft(tx, 1, 1, now)
        await activities.change(
            tx,
            act_id,
            now,
            title=title,
            kind=ActivityKind.REGULAR.value,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=2),
            place="Hall",
            expected=1000,
            capacity=capacity,
            capacity_set=True,
            audience=ActivityAudience.STUDENTS.value,
            description="-",
        )
        await activities.move(tx, act_id, ActivityState.DRAFT, 1, now, ActivityState.APPROVED)
    return act_id


async def _post_buttons(emu: BotApiEmulator, chats: list[int], act_id: int) -> None:
    """The announcement's Sign up button in each chat, as if the bot had sent it."""
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    data = callbacks.encode(signups.SIGN_UP, act_id)
    markup = {"inline_keyboard": [[{"text": "✋ Sign up", "callback_data": data}]]}
    async with aiohttp.ClientSession() as http:
        for chat_id in chats:
            body = {"chat_id": chat_id, "text": "A new activity", "reply_markup": markup}
            async with http.post(url, json=body) as answer:
                assert answer.status == 200, await answer.text()


def _line(name: str, ms: list[float], elapsed: float, failed: int, extra: str) -> str:
    rate = len(ms) / elapsed if elapsed else 0.0
    return (
        f"  {name}: {len(ms)} answered in {elapsed:.1f} s = {rate:.1f} updates/s; "
        f"send→answer {spread(ms)}; failed {failed}; {extra}"
    )


async def run(database: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_postgres() if database == "postgres" else f"sqlite:///{folder}/a.db"
        db = Database(url)
        uni = await generate(
            db, utcnow(), args.scale, chatters=max(args.checkins, args.signups) + 10
        )
        students = [uni.user(s) for s in uni.bound][: max(args.checkins, args.signups)]
        async with db.transaction() as session:
            # The answers are read in English; the students agreed to the notice (PRIV-1).
            await session.execute(update(AccountRow).values(language="en"))
        version, now = notice_version(Policy()), utcnow()
        await bulk(
            db,
            ConsentRow,
            [{"user_id": chat, "version": version, "given_at": now} for chat in students],
        )
        under_way = await _activity(db, "Open lecture", timedelta(minutes=5), None)
        tomorrow = await _activity(db, "Tomorrow's walk", timedelta(days=1), args.places)
        policy = Policy()
        async with db.transaction() as session:
            key = await records.secret(Tx(session, db), under_way)
        answers = Answers()
        async with BotApiEmulator(bot_username="bench_bot") as emu:
            users = {chat: emu.user(chat, language_code="en") for chat in students}
            await _post_buttons(emu, students[: args.signups], tomorrow)
            unsubscribe = emu.subscribe(answers.on_event)
            env = {
                **os.environ,
                "BOT_TOKEN": emu.token,
                "TELEGRAM_API_URL": emu.base_url,
                "BOT_FRAMEWORK": args.framework,
                "DATABASE_URL": url,
                "HTTP_LISTEN": f"127.0.0.1:{_free_port()}",
            }
            bot = subprocess.Popen(  # noqa: ASYNC220
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await emu.wait_polling(timeout=120)
                await asyncio.sleep(2)
                cpu_before = _cpu_seconds(bot.pid)

                # 1. Check-in: each student sends the code shown now, spread over the time.
                checked: list[float] = []
                told_in: set[int] = set()
                failed_in: list[str] = []

                async def check_in(chat: int, delay: float) -> None:
                    await asyncio.sleep(delay)
                    code = rules.code(policy, key, under_way, rules.window(policy, utcnow()))
                    answer = answers.expect(chat)
                    started = time.perf_counter()
                    await users[chat].send(f"/checkin {code}")
                    try:
                        message = await asyncio.wait_for(answer, ANSWER_WAIT)
                    except TimeoutError:
                        failed_in.append(f"{chat}: no answer")
                        return
                    checked.append((time.perf_counter() - started) * 1000)
                    if (message.text or "").startswith("✅"):
                        told_in.add(chat)
                    else:
                        failed_in.append(f"{chat}: {message.text}")

                takers = students[: args.checkins]
                began = time.perf_counter()
                await asyncio.gather(
                    *(check_in(c, i * args.seconds / len(takers)) for i, c in enumerate(takers))
                )
                in_elapsed = time.perf_counter() - began

                # 2. Sign-up: every student presses Sign up at the same moment.
                signed: list[float] = []
                failed_up: list[str] = []
                outcomes = {"confirmed": 0, "waitlisted": 0}

                async def sign_up(chat: int) -> None:
                    user = users[chat]
                    answer = answers.expect(chat)
                    started = time.perf_counter()
                    await user.click(user.messages[0], "✋ Sign up")
                    try:
                        message = await asyncio.wait_for(answer, ANSWER_WAIT)
                    except TimeoutError:
                        failed_up.append(f"{chat}: no answer")
                        return
                    signed.append((time.perf_counter() - started) * 1000)
                    text = message.text or ""
                    if "waiting list" in text:
                        outcomes["waitlisted"] += 1
                    elif "You are signed up" in text:
                        outcomes["confirmed"] += 1
                    else:
                        failed_up.append(f"{chat}: {text}")

                began = time.perf_counter()
                await asyncio.gather(*(sign_up(c) for c in students[: args.signups]))
                up_elapsed = time.perf_counter() - began
                cpu = _cpu_seconds(bot.pid) - cpu_before
            finally:
                unsubscribe()
                bot.send_signal(signal.SIGTERM)
                try:
                    bot.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait()
        # A fresh pool: the bench's own connections sat idle through the bursts.
        await db.dispose()
        db = Database(url)
        async with db.transaction() as session:
            recorded = (
                await session.execute(
                    select(func.count())
                    .select_from(ActivityCheckinRow)
                    .where(ActivityCheckinRow.activity_id == under_way)
                )
            ).scalar_one()
            rows = (
                await session.execute(
                    select(ActivitySignupRow.status, func.count())
                    .where(ActivitySignupRow.activity_id == tomorrow)
                    .group_by(ActivitySignupRow.status)
                )
            ).all()
            places = (
                await session.execute(
                    select(func.count(func.distinct(ActivitySignupRow.place))).where(
                        ActivitySignupRow.activity_id == tomorrow,
                        ActivitySignupRow.place.is_not(None),  # type: ignore[union-attr]
                    )
                )
            ).scalar_one()
        await db.dispose()
    by_status = {status: int(n) for status, n in rows}
    print(f"{database:<9} {args.framework:<8} (bot CPU {cpu:.1f} s)", flush=True)
    print(
        _line(
            f"{len(takers)} check-ins within {args.seconds:.0f} s",
            checked,
            in_elapsed,
            len(failed_in),
            f"check-ins recorded {recorded}, students told {len(told_in)}",
        )
    )
    print(
        _line(
            f"{args.signups} sign-ups for {args.places} places at once",
            signed,
            up_elapsed,
            len(failed_up),
            f"in the database {by_status} on {places} distinct places; told {outcomes}",
        ),
        flush=True,
    )
    for failure in (failed_in + failed_up)[:5]:
        print("   ", failure)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkins", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--signups", type=int, default=500)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--framework", default="aiogram")
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    for database in args.databases:
        await run(database, args)


if __name__ == "__main__":
    asyncio.run(main())
