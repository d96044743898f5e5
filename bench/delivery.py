"""N reminders through the emulator: the achieved rate against the configured limit, and
Telegram's limits checked from the emulator's own timestamps.

    python -m bench.delivery [--reminders 10000] [--framework aiogram] [--database sqlite]

N/2 clubs whose general meeting is a month overdue, each with two officers, every student an
officer of two clubs: each of N/2 users gets two reminders (so the one-per-second-per-chat
limit is in play). `clubbot tick` runs in a process of its own, as from cron: it queues the
reminders and sends them; the emulator runs in this process and records when each request
arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.seeding import USER_BASE, fresh_postgres, seed_clubs
from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from emulator import BotApiEmulator
from schedules.deadlines import refresh_all
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


def daytime_zone() -> str:
    """A time zone where it is about noon now, so that quiet hours hold nothing back."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def crowded(times: list[float], limit: int, window: float) -> int:
    """How many sends had more than `limit` others within `window` seconds before them."""
    return sum(1 for i in range(len(times) - limit) if times[i + limit] - times[i] < window)


async def seed(url: str, clubs: int, zone: str) -> None:
    db = Database(url)
    cal = Calendar.named(zone)
    now = datetime.now(UTC)
    overdue = add_months(cal.today(now) - timedelta(days=30), -12)
    try:
        await seed_clubs(db, clubs, now, lambda i: overdue, lambda i: [i, (i + 1) % clubs])
        await refresh_all(db, Policy(), cal, now)
    finally:
        await db.dispose()


async def run(reminders: int, framework: str, database: str) -> None:
    clubs = reminders // 2
    zone = daytime_zone()
    policy = Policy()
    async with BotApiEmulator(bot_username="bench_bot") as emu:
        for s in range(clubs):
            emu.user(USER_BASE + s, language_code="en")
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db" if database == "sqlite" else await fresh_postgres()
            await seed(url, clubs, zone)
            env = {
                **os.environ,
                "BOT_TOKEN": emu.token,
                "TELEGRAM_API_URL": emu.base_url,
                "BOT_FRAMEWORK": framework,
                "DATABASE_URL": url,
                "TIMEZONE": zone,
            }
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "tick",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            budget = 120 + 2 * reminders / policy.delivery_rate_per_second
            out, _ = await asyncio.wait_for(process.communicate(), timeout=budget)
            elapsed = time.perf_counter() - started
    sends = [c for c in emu.calls if c.method == "sendMessage"]
    ok = sorted(c.at for c in sends if c.status == 200)
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in sends:
        if call.status == 200 and call.chat_id is not None:
            by_chat[call.chat_id].append(call.at)
    gaps = [b - a for at in by_chat.values() for a, b in itertools.pairwise(at)]
    rate = (len(ok) - 1) / (ok[-1] - ok[0])
    limit = policy.delivery_rate_per_second
    print(f"`clubbot tick` ({framework}, {database}): {out.decode().strip()} in {elapsed:.0f} s")
    print(f"sent: {len(ok)} of {len(sends)} requests; first to last {ok[-1] - ok[0]:.1f} s")
    print(f"rate: {rate:.2f}/s = {100 * rate / limit:.1f} % of the configured {limit:g}/s")
    print(f"windows of 1 s with more than {limit:g}: {crowded(ok, int(limit), 1.0)}")
    print(f"windows of 1 s with more than 30 (Telegram): {crowded(ok, 30, 1.0)}")
    print(
        f"per chat: {len(by_chat)} chats, {len(gaps)} second messages, "
        f"gaps under 1 s: {sum(g < 1.0 for g in gaps)}, shortest gap {min(gaps):.3f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--framework", default="aiogram", choices=["aiogram", "ptb"])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    await run(args.reminders, args.framework, args.database)


if __name__ == "__main__":
    asyncio.run(main())
