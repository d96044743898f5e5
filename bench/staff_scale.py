"""Staff commands on a generated university at two sizes: time, statements, peak memory, and
how long other chats wait for their answers meanwhile.

    python -m bench.staff_scale [--scales 0.1 1] [--databases sqlite postgres] [--repeat 3]
                                [--chat-rate 20] [--loaded 5] [--only /ledger …]

The university is `bench/university.py`'s. The core runs in this process as in the bot's (the
engine, its event loop, reports on their reading thread): each staff command is sent through
`Engine.handle` like an update, and the files it answers with are built as the front end builds
them (on a worker thread). Per command, three passes:

1. time and statements (every statement sent, reports' reading connections included), the
   median time of `--repeat` runs;
2. peak memory allocated by Python during the command (tracemalloc, in a run of its own since
   tracing slows everything down);
3. the command again, `--loaded` times half a second apart, while `--chat-rate` other users a
   second send `/myclubs`, `/clubs` and `/help`: their answer times (p50, p99, max), each counted
   from the moment its message was due, so that messages the loop could not even send count too.

Start-up objects are frozen out of the garbage collector, as the bot does.

`clubbot codes` (a code for every unbound student: 36,000 at 1×) is timed on the service.
`/review_open` writes (it tells every club's officers), so it runs once per pass on a round of
another year each time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from bot.services import identity
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import BOT_ID, BOT_USERNAME, Chat
from tests.statements import counted

Work = Callable[[], Awaitable[object]]


async def background(
    engine: Engine, uni: University, rate: float, stop: asyncio.Event, ended: list[float]
) -> list[float]:
    """Other users chatting at `rate` updates a second until `stop`: each answer's time."""
    waits: list[float] = []
    users = itertools.cycle(uni.bound[1:200])
    texts = itertools.cycle(["/myclubs", "/clubs", "/help"])
    tasks: set[asyncio.Task[None]] = set()

    async def one(user: int, text: str, due: float) -> None:
        await Chat(engine, uni.user(user)).send(text)
        waits.append(time.perf_counter() - due)

    # Each message is due at its place in the schedule and its wait counts from then: when the
    # command holds the loop, the messages that should have arrived meanwhile wait too (the
    # bench's sender shares the loop; timing from the actual send would leave them out).
    start = time.perf_counter()
    for n in itertools.count():
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if stop.is_set() and due > ended[0]:
            break  # every message due before the command ended was sent
        task = asyncio.create_task(one(next(users), next(texts), due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
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
    ended = [0.0]
    chatting = asyncio.create_task(background(engine, uni, args.chat_rate, stop, ended))
    await asyncio.sleep(0.5)  # the chat's pace settles first
    for run in range(args.loaded):
        if run:
            await asyncio.sleep(0.5)  # what the last run held up is answered first
        await work()
    ended[0] = time.perf_counter()
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
        # As the bot does after start-up (`bot/app/root.py`): what is loaded by now stays out of
        # the collector's full scans, which otherwise stop the loop for 50 to 70 ms each.
        gc.collect()
        gc.freeze()

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

        kept: list[str] = []

        async def keep_pages() -> None:
            """/ledger and /ledger ORG-2, untimed: their "next" buttons, for `ledger_page`."""
            for request in ("/ledger", "/ledger ORG-2"):
                await say(request)
                labels = [b.text for row in staff.last_with_buttons().buttons for b in row]
                kept.extend(
                    staff.button(label).data or "" for label in labels if label.startswith("Next")
                )

        async def ledger_page() -> object:
            # A press of /ledger's "next" button, then of /ledger ORG-2's (or the first again if
            # that list has one page): the pages their requests kept.
            outcome = None
            for data in (kept * 2)[:2]:
                outcome = await staff.press(data)
                assert "out of date" not in outcome.replies[0].text, outcome
            return outcome

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
            if work is ledger_page:
                await keep_pages()
            print(await measure(name, work, db, engine, uni, args), flush=True)
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chat-rate", type=float, default=20.0)
    parser.add_argument(
        "--loaded", type=int, default=5, help="runs of the command while the others chat"
    )
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
