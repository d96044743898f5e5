"""Staff commands on a generated university at two sizes: time, statements, peak memory, and
how long other chats wait for their answers meanwhile.

    python -m bench.staff_scale [--scales 0.1 1] [--databases sqlite postgres] [--repeat 3]
                                [--chat-rate 20] [--only /ledger …]

The university is `bench/university.py`'s. The core runs in this process as in the bot's (the
engine, its event loop, reports on their reading thread): each staff command is sent through
`Engine.handle` like an update, and the files it answers with are built as the front end builds
them (on a worker thread). Per command, three passes:

1. time and statements (every statement sent, reports' reading connections included), the
   median time of `--repeat` runs;
2. peak memory allocated by Python during the command (tracemalloc, in a run of its own since
   tracing slows everything down);
3. the command again while `--chat-rate` other users a second send `/myclubs`, `/clubs` and
   `/help`: their answer times (p50, p99, max) while the command runs.

`clubbot codes` (a code for every unbound student: 36,000 at 1×) is timed on the service.
`/review_open` writes (it tells every club's officers), so it runs once per pass on a round of
another year each time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable

from bench.latency import pct
from bench.seeding import fresh_postgres
from bench.university import STAFF, University, generate
from bot.chat import callbacks
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router, pages, reports
from bot.services import identity
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import BOT_ID, BOT_USERNAME, Chat
from tests.statements import counted

Work = Callable[[], Awaitable[object]]


async def background(
    engine: Engine, uni: University, rate: float, stop: asyncio.Event
) -> list[float]:
    """Other users chatting at `rate` updates a second until `stop`: each answer's time."""
    waits: list[float] = []
    users = itertools.cycle(uni.bound[1:200])
    texts = itertools.cycle(["/myclubs", "/clubs", "/help"])
    tasks: set[asyncio.Task[None]] = set()

    async def one(user: int, text: str) -> None:
        started = time.perf_counter()
        await Chat(engine, uni.user(user)).send(text)
        waits.append(time.perf_counter() - started)

    while not stop.is_set():
        task = asyncio.create_task(one(next(users), next(texts)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    return waits


async def measure(
    name: str, work: Work, db: Database, engine: Engine, uni: University, args: argparse.Namespace
) -> str:
    times, sent = [], 0
    for _ in range(args.repeat):
        with counted(db) as statements:
            started = time.perf_counter()
            await work()
            times.append(time.perf_counter() - started)
        sent = len(statements)
    tracemalloc.start()
    await work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stop = asyncio.Event()
    chatting = asyncio.create_task(background(engine, uni, args.chat_rate, stop))
    await asyncio.sleep(0.5)  # the chat's pace settles first
    await work()
    stop.set()
    waits = await chatting
    ms = statistics.median(times) * 1000
    return (
        f"{name:<24} {ms:>6.0f} ms (1st {times[0] * 1000:.0f}) {sent:>4} st "
        f"{peak / 2**20:>6.1f} MB  others: "
        f"p50 {pct(waits, 50) * 1000:.0f} ms, p99 {pct(waits, 99) * 1000:.0f} ms, "
        f"max {max(waits, default=0) * 1000:.0f} ms (n={len(waits)})"
    )


async def one(database: str, scale: float, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_postgres() if database == "postgres" else f"sqlite:///{folder}/u.db"
        db = Database(url)
        started = time.perf_counter()
        uni = await generate(db, utcnow(), scale)
        print(
            f"\n{database}, {scale}×: {uni.students} students, {uni.clubs} clubs, "
            f"{uni.advisors} advisors, {uni.memberships} memberships, {len(uni.bound)} bound "
            f"(generated in {time.perf_counter() - started:.0f} s); load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        # Staff send far more commands here than a person would: no flood limit.
        policy = Policy(throttle_updates=1000, throttle_window_seconds=1)
        engine = Engine(db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
        staff = Chat(engine, STAFF)
        years = itertools.count(2030)

        async def say(text: str) -> object:
            outcome = await staff.deliver(staff.incoming(text=text))
            first = outcome.replies[0].text if outcome.replies else ""
            assert not first.startswith("Too many messages"), first
            # Files are built by the front end after the update (on a worker thread): counted
            # here, as a staff member waits for them.
            for reply in outcome.replies:
                if reply.attachment is not None:
                    await reply.attachment.read()
            return outcome

        async def codes() -> object:
            async with db.transaction() as session:
                return await identity.issue_codes(Tx(session, db), utcnow())

        async def review_open() -> object:
            year = next(years)
            return await say(f"/review_open {year} {year}-12-31")

        async def ledger_page() -> object:
            # A press of /ledger's "next" button (its data: `v1:pg:ls:0:1`), then of a rule's.
            await staff.press(callbacks.encode(pages.KIND, reports.SUMMARY, 0, 1))
            return await staff.press(
                callbacks.encode(pages.KIND, reports.RULE, reports.RULE_IDS.index("ORG-2"), 0)
            )

        commands: list[tuple[str, Work]] = [
            ("/ledger", lambda: say("/ledger")),
            ("/ledger: two page buttons", ledger_page),
            ("/ledger export", lambda: say("/ledger export")),
            ("/status", lambda: say("/status")),
            ("/status Club 0", lambda: say("/status Club 0")),
            ("/export clubs", lambda: say("/export clubs")),
            ("/export members Club 0", lambda: say("/export members Club 0")),
            ("/stats", lambda: say("/stats")),
            ("/review_open", review_open),
            ("clubbot codes", codes),
        ]
        for name, work in commands:
            if args.only and not any(name.startswith(o) for o in args.only):
                continue
            print(await measure(name, work, db, engine, uni, args), flush=True)
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chat-rate", type=float, default=20.0)
    parser.add_argument(
        "--only", nargs="+", default=[], help="only the commands whose names start so"
    )
    args = parser.parse_args()
    print(
        "command                  time (median)  statements  peak memory   other chats meanwhile"
    )
    for database in args.databases:
        for scale in args.scales:
            await one(database, scale, args)


if __name__ == "__main__":
    asyncio.run(main())
