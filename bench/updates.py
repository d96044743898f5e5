"""Updates per second: a bare echo bot vs. clubbot serving a realistic mix, per framework.

    python -m bench.updates [--updates 5000] [--repeat 3] [--frameworks aiogram ptb]
                            [--databases sqlite postgres]

The emulator runs in this process; each bot runs in a process of its own (as in production),
so the two share the machine's two cores. All N updates are queued at once, and the clock runs
until the bot has answered every one of them. Each cell is the median of `--repeat` runs, taken
in turns (bare, tuned, sqlite, postgres, bare, ...) so that a busy moment of the machine does not
land on one column only; next to it, the bot process's CPU time per update.

Two ceilings: the bare echo bot as the framework ships, and the same echo bot tuned with
clubbot's process-level settings (`bench/echo.py`). clubbot's ratios are given to both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Language
from bot.services import roster
from emulator import BotApiEmulator, Event, SimUser
from storage import migrate, people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

USERS = 200
CLUBS = 40
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/clubbot_bench"
ROOT = Path(__file__).resolve().parents[1]


def mix(user: int, n: int) -> list[str]:
    """Each user browses, joins, checks and leaves, over and over."""
    club = f"Club {user % CLUBS}"
    cycle = ["/myclubs", "/clubs", f"/join {club}", "/myclubs", f"/leave {club}", "/help"]
    return [cycle[i % len(cycle)] for i in range(n)]


async def seed(url: str) -> None:
    """A campus of USERS bound, enrolled students and CLUBS active clubs."""
    db = Database(url)
    await migrate.upgrade(db)
    students = ["student_id,name,college,class,status,disciplinary,rank_pct,political"]
    students += [f"B{i},Student {i},Eng,C1,enrolled,no,10,none" for i in range(USERS)]
    clubs = ["name,category,guidance_unit,founded"]
    clubs += [f"Club {i},academic,CS,2020-01-01" for i in range(CLUBS)]
    async with db.transaction() as session:
        tx = Tx(session, db)
        await roster.import_students(tx, utcnow(), "\n".join(students).encode())
        await roster.import_clubs(
            tx, utcnow(), "\n".join(clubs).encode(), policy=Policy(), cal=Calendar.named()
        )
        rows = await people.students_by_ids(tx, [f"B{i}" for i in range(USERS)])
        for i in range(USERS):
            await people.ensure_account(tx, 10_000 + i, Language.EN, utcnow())
            pk = rows[f"B{i}"].id
            assert pk is not None
            await people.bind(tx, 10_000 + i, pk, utcnow())
    await db.dispose()


async def fresh_postgres() -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute("DROP DATABASE IF EXISTS clubbot_bench WITH (FORCE)")
        await conn.execute("CREATE DATABASE clubbot_bench")
    finally:
        await conn.close()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    command: list[str],
    env: dict[str, str],
    emu: BotApiEmulator,
    n: int,
    texts: list[tuple[SimUser, str]],
) -> tuple[float, float]:
    """Start the bot, queue every update, and time until each has had its answer: updates per
    second, and the bot process's CPU seconds per update while it answered them."""
    answered = 0
    done = asyncio.Event()

    async def count(event: Event) -> None:
        nonlocal answered
        if event.kind in ("message", "edit"):
            answered += 1
            if answered >= n:
                done.set()

    unsubscribe = emu.subscribe(count)
    # Popen returns at once; the bot runs in its own process while this loop serves the API.
    process = subprocess.Popen(  # noqa: ASYNC220
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await emu.wait_polling(timeout=60)
        started, cpu_before = time.perf_counter(), _cpu_seconds(process.pid)
        for user, text in texts:
            await user.send(text)
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(process.pid) - cpu_before
    finally:
        unsubscribe()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return n / elapsed, cpu / n


ECHO, TUNED = "bare echo", "tuned echo"


async def run_one(framework: str, database: str, n: int) -> tuple[float, float]:
    """One run of `database`'s clubbot, or of the echo bot (ECHO or TUNED)."""
    async with BotApiEmulator(bot_username="bench_bot") as emu:
        users = [emu.user(10_000 + i, language_code="en") for i in range(USERS)]
        per_user = -(-n // USERS)
        scripts = [mix(i, per_user) for i in range(USERS)]
        texts = [(users[u], scripts[u][k]) for k in range(per_user) for u in range(USERS)][:n]
        env = {
            **os.environ,
            "BOT_TOKEN": emu.token,
            "TELEGRAM_API_URL": emu.base_url,
            "BOT_FRAMEWORK": framework,
        }
        if database in (ECHO, TUNED):
            command = [sys.executable, "-m", "bench.echo", framework, emu.base_url, emu.token]
            command += ["tuned"] if database == TUNED else []
            return await measure(command, env, emu, n, texts)
        with tempfile.TemporaryDirectory() as tmp:
            if database == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                await fresh_postgres()
                url = PG_BENCH
            await seed(url)
            env["DATABASE_URL"] = url
            return await measure([sys.executable, "-m", "bot", "run"], env, emu, n, texts)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--frameworks", nargs="+", default=["aiogram", "ptb"])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    print(
        f"{args.updates} updates from {USERS} users, median of {args.repeat} runs: updates/s "
        "(ratio to the bare echo / to the tuned echo) [bot CPU µs per update]"
    )
    columns = [ECHO, TUNED, *args.databases]
    print(f"{'framework':<10} " + " ".join(f"{name:>28}" for name in columns))
    for framework in args.frameworks:
        runs: dict[str, list[tuple[float, float]]] = {c: [] for c in columns}
        for _ in range(args.repeat):
            for column in columns:
                runs[column].append(await run_one(framework, column, args.updates))
        rate = {c: statistics.median(r for r, _ in runs[c]) for c in columns}
        cpu = {c: statistics.median(u for _, u in runs[c]) * 1e6 for c in columns}
        cells = [f"{rate[c]:.0f} [{cpu[c]:.0f}]" for c in (ECHO, TUNED)]
        for c in args.databases:
            ratios = f"{rate[c] / rate[ECHO]:.2f}/{rate[c] / rate[TUNED]:.2f}"
            cells.append(f"{rate[c]:.0f} ({ratios}) [{cpu[c]:.0f}]")
        print(f"{framework:<10} " + " ".join(f"{cell:>28}" for cell in cells), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
