"""A voting burst through the emulator: N voters press three buttons each within T seconds while
other users chat, optionally with staff asking for `/ledger export` meanwhile.

    python -m bench.election_burst [--voters 1000] [--seconds 10] [--chat-rate 20]
                                   [--ledger] [--databases sqlite postgres] [--scale 1]
                                   [--framework aiogram] [--repeat 1] [--profile FILE]

The university is `bench/university.py`'s at `--scale`; its Club 0 (1 in 13 students) holds a
general-meeting vote on one motion, open when the bot starts. Its members' invitations (the
"Vote" button) are put in their chats as the bot would have sent them (the outbox rows marked
sent, so the bot does not spend minutes sending them at Telegram's pace; so are the reminders
the new university has due). Then `--voters`
members start at moments spread evenly over `--seconds`; each presses Vote, Yes and "Cast my
ballot", the next press as soon as the answer to the last is shown. Meanwhile other users send
`/myclubs`, `/clubs` and `/help` at `--chat-rate` a second; with `--ledger`, staff send
`/ledger export` a third of the way in.

Reported: press→answer p50/p95/p99/max (the time from the press to the bot's answer in that
chat), failed votes (an answer that says something went wrong, or none within 60 s), the
other chats' p50/p99, the ledger's time, and ballots and voters-who-voted in the database at
the end against the receipts the voters were shown.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select, update

from bench.latency import pct, spread
from bench.seeding import fresh_postgres
from bench.university import STAFF, University, generate
from bench.updates import _cpu_seconds, _free_port
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import elections
from emulator import BotApiEmulator, Event
from emulator.models import Message
from schedules.deadlines import scan_due
from schedules.elections import advance_due
from storage import officers
from storage.db import Database
from storage.models import BallotRow, OutboxRow, VoterRow
from storage.tx import Tx
from storage.types import utcnow

ROOT = Path(__file__).resolve().parents[1]
ANSWER_WAIT = 60.0
PRESSES = ("Vote", "Yes", "Cast my ballot")


async def open_vote(db: Database, uni: University) -> dict[int, Any]:
    """Club 0's general-meeting vote, open now; each member's invitation (chat id → buttons)."""
    policy, cal = Policy(), Calendar.named()
    started = utcnow() - timedelta(minutes=5)
    async with db.transaction() as session:
        tx = Tx(session, db)
        president = (await officers.officer_accounts(tx, [1]))[1][0][0]
        await elections.start_general_meeting(
            tx, policy, started, 1, ["Adopt the new charter"], started_by=president
        )
    await advance_due(db, policy, cal, utcnow())
    # The generated university's overdue reminders (a launch day's backlog, about 800 deadlines
    # at 1×) are queued and marked sent with the invitations: the burst measures the vote.
    await scan_due(db, policy, cal, utcnow())
    async with db.transaction() as session:
        rows = (
            await session.execute(select(OutboxRow.chat_id, OutboxRow.buttons, OutboxRow.text))
        ).all()
        await session.execute(update(OutboxRow).values(status="sent", sent_at=utcnow()))
    found = {}
    for chat_id, buttons, text in rows:
        parsed = json.loads(buttons or "[]")
        if any(b["text"] == "Vote" for line in parsed for b in line):
            found[chat_id] = (text, parsed)
    return found


async def post_invitations(emu: BotApiEmulator, invitations: dict[int, Any]) -> None:
    """Each invitation in its chat, as if the bot had sent it."""
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        for chat_id, (text, buttons) in invitations.items():
            markup = {
                "inline_keyboard": [
                    [{"text": b["text"], "callback_data": b["data"]} for b in line]
                    for line in buttons
                ]
            }
            body = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "reply_markup": markup}
            async with http.post(url, json=body) as answer:
                assert answer.status == 200, await answer.text()


class Answers:
    """The bot's next answer in each chat, awaited by whoever pressed or sent."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[Message]] = {}
        # How answers came: a new message (held to Telegram's pace) or an edit (at once).
        self.kinds: Counter[str] = Counter()

    async def on_event(self, event: Event) -> None:
        if event.kind in ("message", "edit") and event.chat_id in self.waiting:
            future = self.waiting.pop(event.chat_id)
            if not future.done() and event.message is not None:
                self.kinds[event.kind] += 1
                future.set_result(event.message)

    def expect(self, chat_id: int) -> asyncio.Future[Message]:
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        return future


def _failed(message: Message) -> bool:
    text = (message.text or "").lower()
    return "went wrong" in text or "try again" in text


async def burst(database: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_postgres() if database == "postgres" else f"sqlite:///{folder}/u.db"
        db = Database(url)
        uni = await generate(db, utcnow(), args.scale)
        invitations = await open_vote(db, uni)
        voters = sorted(invitations)[: args.voters]
        chatters = [uni.user(s) for s in uni.bound if uni.user(s) not in invitations][:300]
        answers = Answers()
        latencies: list[float] = []
        others: list[float] = []
        failures: list[str] = []
        receipts = 0
        ledger_time: float | None = None
        async with BotApiEmulator(bot_username="bench_bot") as emu:
            users = {chat: emu.user(chat, language_code="en") for chat in voters}
            talkers = [emu.user(chat, language_code="en") for chat in chatters]
            staff = emu.user(STAFF, language_code="en")
            await post_invitations(emu, {c: invitations[c] for c in voters})
            unsubscribe = emu.subscribe(answers.on_event)
            env = {
                **os.environ,
                "BOT_TOKEN": emu.token,
                "TELEGRAM_API_URL": emu.base_url,
                "BOT_FRAMEWORK": args.framework,
                "DATABASE_URL": url,
                "HTTP_LISTEN": f"127.0.0.1:{_free_port()}",
                "BALLOT_KEY": "the bench's receipts",
            }
            # Popen returns at once; the emulator serves on this loop meanwhile.
            # --profile: the bot under cProfile, its statistics written at its exit.
            profiled = ["-m", "cProfile", "-o", args.profile] if args.profile else []
            if os.environ.get("BENCH_BOT_WRAPPER"):
                profiled = [os.environ["BENCH_BOT_WRAPPER"]]
            bot = subprocess.Popen(  # noqa: ASYNC220
                [sys.executable, *profiled, *([] if len(profiled) == 1 else ["-m", "bot", "run"])],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await emu.wait_polling(timeout=120)
                await asyncio.sleep(2)  # start-up work (deadlines, answers) done
                cpu_before = _cpu_seconds(bot.pid)

                async def vote(chat: int, delay: float) -> None:
                    nonlocal receipts
                    await asyncio.sleep(delay)
                    user = users[chat]
                    message = user.messages[-1]
                    for label in PRESSES:
                        answer = answers.expect(chat)
                        started = time.perf_counter()
                        try:
                            await user.click(message, label)
                            message = await asyncio.wait_for(answer, ANSWER_WAIT)
                        except (TimeoutError, LookupError, ValueError) as exc:
                            failures.append(f"{chat} {label}: {type(exc).__name__} {exc}")
                            return
                        latencies.append(time.perf_counter() - started)
                        if _failed(message):
                            failures.append(f"{chat} {label}: {message.text}")
                            return
                    if "Receipt" in (message.text or ""):
                        receipts += 1
                    else:
                        failures.append(f"{chat}: no receipt: {message.text}")

                async def chat(stop: asyncio.Event) -> None:
                    pending: set[asyncio.Task[None]] = set()
                    turn = itertools.cycle(talkers)
                    texts = itertools.cycle(["/myclubs", "/clubs", "/help"])

                    async def one(user: Any, text: str) -> None:
                        if user.chat_id in answers.waiting:
                            return
                        answer = answers.expect(user.chat_id)
                        started = time.perf_counter()
                        await user.send(text)
                        try:
                            await asyncio.wait_for(answer, ANSWER_WAIT)
                            others.append(time.perf_counter() - started)
                        except TimeoutError:
                            failures.append(f"chat {user.chat_id}: no answer")

                    while not stop.is_set():
                        task = asyncio.create_task(one(next(turn), next(texts)))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
                        await asyncio.sleep(1 / args.chat_rate)
                    await asyncio.gather(*pending)

                async def ledger() -> None:
                    nonlocal ledger_time
                    await asyncio.sleep(args.seconds / 3)
                    answer = answers.expect(STAFF)
                    started = time.perf_counter()
                    await staff.send("/ledger export")
                    await asyncio.wait_for(answer, 300)
                    ledger_time = time.perf_counter() - started

                rng = random.Random(18)
                stop = asyncio.Event()
                chatting = asyncio.create_task(chat(stop))
                began = time.perf_counter()
                jobs = [
                    vote(c, i * args.seconds / len(voters) + rng.uniform(0, 0.05))
                    for i, c in enumerate(voters)
                ]
                if args.ledger:
                    jobs.append(ledger())
                await asyncio.gather(*jobs)
                elapsed = time.perf_counter() - began
                stop.set()
                await chatting
                cpu = _cpu_seconds(bot.pid) - cpu_before
            finally:
                unsubscribe()
                bot.send_signal(signal.SIGTERM)
                try:
                    bot.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait()
        async with db.transaction() as session:
            ballots = (
                await session.execute(select(func.count()).select_from(BallotRow))
            ).scalar_one()
            voted = (
                await session.execute(
                    select(func.count()).select_from(VoterRow).where(VoterRow.voted.is_(True))  # type: ignore[attr-defined]
                )
            ).scalar_one()
        await db.dispose()
    ms = [x * 1000 for x in latencies]
    ledger_s = "-" if ledger_time is None else f"{ledger_time:.2f} s"
    print(
        f"{database:<9} {args.framework:<8} {len(voters)} voters in {args.seconds:.0f} s"
        f"{' + /ledger export' if args.ledger else ''}: press→answer {spread(ms)} "
        f"({len(ms)} presses); failed votes {len(voters) - receipts}; "
        f"other chats p50 {pct(others, 50) * 1000:.0f} ms p99 {pct(others, 99) * 1000:.0f} ms "
        f"(n={len(others)}); ledger export {ledger_s}; "
        f"ballots {ballots}, voted {voted}, receipts {receipts}; all done in {elapsed:.1f} s; "
        f"bot CPU {cpu:.1f} s; answers {dict(answers.kinds)}; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    for failure in failures[:5]:
        print("   ", failure)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--chat-rate", type=float, default=20.0)
    parser.add_argument("--ledger", action="store_true")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--framework", default="aiogram")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", default="", help="cProfile the bot into this file")
    args = parser.parse_args()
    for _ in range(args.repeat):
        for database in args.databases:
            await burst(database, args)


if __name__ == "__main__":
    asyncio.run(main())
