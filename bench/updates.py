"""Updates per second: a bare echo bot vs. clubbot serving a realistic mix, per framework.

    python -m bench.updates [--updates 5000] [--repeat 3] [--frameworks aiogram ptb]
                            [--databases sqlite postgres] [--webhook]

The emulator runs in this process; each bot runs in a process of its own (as in production),
so the two share the machine's two cores. All N updates are queued at once, and the clock runs
until the bot has answered every one of them. Each cell is the median of `--repeat` runs, taken
in turns (bare, tuned, sqlite, postgres, bare, ...) so that a busy moment of the machine does not
land on one column only; next to it, the bot process's CPU time per update.

Two ceilings: the bare echo bot as the framework ships, and the same echo bot tuned with
clubbot's process-level settings (`bench/echo.py`). clubbot's ratios are given to both.

With `--webhook`, two more columns on PostgreSQL: the emulator posts the updates to one
webhook worker, or to a round-robin proxy in front of two (their CPU times added up).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Language
from bot.flows.privacy import notice_version
from bot.services import roster
from emulator import BotApiEmulator, Event, SimUser
from storage import migrate, people, privacy
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

USERS = 200
CLUBS = 40
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/clubbot_bench"
ROOT = Path(__file__).resolve().parents[1]
HOOK = "/telegram/updates"
SECRET = "bench-secret"


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
            # PRIV-1: they agreed to the notice when they bound (else each gets it instead).
            await privacy.give_consent(tx, 10_000 + i, notice_version(Policy()), utcnow())
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


async def _serving(ports: list[int]) -> None:
    """Until each worker's HTTP server answers /healthz."""
    async with aiohttp.ClientSession() as http:
        for port in ports:
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)


async def measure(
    commands: list[tuple[list[str], dict[str, str]]],
    emu: BotApiEmulator,
    n: int,
    texts: list[tuple[SimUser, str]],
    ports: list[int] | None = None,
) -> tuple[float, float, float]:
    """Start the bot (one process per command), queue every update, and time until each has
    had its answer: updates per second, the bot processes' CPU seconds per update while they
    answered them, and the same without what they spend idle for as long (their background).
    With `ports` the bot runs in webhook mode and listens there."""
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
    processes = [
        subprocess.Popen(  # noqa: ASYNC220
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for command, env in commands
    ]
    try:
        if ports is None:
            await emu.wait_polling(timeout=60)
        else:
            await asyncio.wait_for(_serving(ports), timeout=60)
        # The bot's start-up work done, then its CPU while idle: replies are paced (25 a second
        # per process), so a run lasts n / 25 s, and the bot's background (scheduler, polling)
        # over that time is not the updates' cost.
        await asyncio.sleep(SETTLE)
        idle_before, idle_started = sum(_cpu_seconds(p.pid) for p in processes), time.monotonic()
        await asyncio.sleep(IDLE)
        idle_rate = (sum(_cpu_seconds(p.pid) for p in processes) - idle_before) / (
            time.monotonic() - idle_started
        )
        started = time.perf_counter()
        cpu_before = sum(_cpu_seconds(p.pid) for p in processes)
        for user, text in texts:
            await user.send(text)
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
        cpu = sum(_cpu_seconds(p.pid) for p in processes) - cpu_before
    finally:
        unsubscribe()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return n / elapsed, cpu / n, max(0.0, cpu - idle_rate * elapsed) / n


SETTLE, IDLE = 2.0, 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _round_robin(ports: list[int]) -> web.AppRunner:
    """A proxy on its own port: each update posted to it goes to the next worker."""
    turn = itertools.cycle(ports)
    http = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{next(turn)}{HOOK}"
        async with http.post(url, data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status)

    async def close(_: web.Application) -> None:
        await http.close()

    proxy = web.Application()
    proxy.add_routes([web.post(HOOK, forward)])
    proxy.on_cleanup.append(close)
    runner = web.AppRunner(proxy, access_log=None)
    await runner.setup()
    return runner


ECHO, TUNED = "bare echo", "tuned echo"
WEBHOOK_ONE, WEBHOOK_TWO = "postgres webhook ×1", "postgres webhook ×2"


async def run_one(framework: str, database: str, n: int) -> tuple[float, float, float]:
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
            return await measure([(command, env)], emu, n, texts)
        run = [sys.executable, "-m", "bot", "run"]
        if os.environ.get("BENCH_BOT_WRAPPER"):  # a script that runs the bot (to profile it)
            run = [sys.executable, os.environ["BENCH_BOT_WRAPPER"]]
        with tempfile.TemporaryDirectory() as tmp:
            if database == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                await fresh_postgres()
                url = PG_BENCH
            await seed(url)
            env["DATABASE_URL"] = url
            env["HTTP_LISTEN"] = f"127.0.0.1:{_free_port()}"
            if database not in (WEBHOOK_ONE, WEBHOOK_TWO):
                return await measure([(run, env)], emu, n, texts)
            ports = [_free_port() for _ in range(1 if database == WEBHOOK_ONE else 2)]
            env["WEBHOOK_SECRET"] = SECRET
            env["BALLOT_KEY"] = "the bench's receipts"
            proxy = None
            if len(ports) == 1:
                env["WEBHOOK_URL"] = f"http://127.0.0.1:{ports[0]}{HOOK}"
            else:
                proxy = await _round_robin(ports)
                proxy_port = _free_port()
                await web.TCPSite(proxy, "127.0.0.1", proxy_port).start()
                env["WEBHOOK_URL"] = f"http://127.0.0.1:{proxy_port}{HOOK}"
            workers = [(run, {**env, "HTTP_LISTEN": f"127.0.0.1:{port}"}) for port in ports]
            try:
                return await measure(workers, emu, n, texts, ports)
            finally:
                if proxy is not None:
                    await proxy.cleanup()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--frameworks", nargs="+", default=["aiogram", "ptb"])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--webhook", action="store_true", help="webhook mode: 1 and 2 workers")
    args = parser.parse_args()
    databases = [*args.databases, *((WEBHOOK_ONE, WEBHOOK_TWO) if args.webhook else ())]
    print(
        f"{args.updates} updates from {USERS} users, median of {args.repeat} runs: updates/s "
        "(CPU ratio to the bare echo / to the tuned echo) [bot CPU µs per update; without idle]"
    )
    columns = [ECHO, TUNED, *databases]
    print(f"{'framework':<10} " + " ".join(f"{name:>34}" for name in columns))
    for framework in args.frameworks:
        runs: dict[str, list[tuple[float, float, float]]] = {c: [] for c in columns}
        for _ in range(args.repeat):
            for column in columns:
                runs[column].append(await run_one(framework, column, args.updates))
        rate = {c: statistics.median(r[0] for r in runs[c]) for c in columns}
        cpu = {c: statistics.median(r[1] for r in runs[c]) * 1e6 for c in columns}
        busy = {c: statistics.median(r[2] for r in runs[c]) * 1e6 for c in columns}
        cells = [f"{rate[c]:.0f} [{cpu[c]:.0f}; {busy[c]:.0f}]" for c in (ECHO, TUNED)]
        for c in databases:
            # Replies are paced, so the rates measure the pace: the ratios are of CPU.
            ratios = f"{busy[ECHO] / busy[c]:.2f}/{busy[TUNED] / busy[c]:.2f}"
            cells.append(f"{rate[c]:.0f} ({ratios}) [{cpu[c]:.0f}; {busy[c]:.0f}]")
        print(f"{framework:<10} " + " ".join(f"{cell:>34}" for cell in cells), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
