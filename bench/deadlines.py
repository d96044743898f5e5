"""One tick over many clubs with deadlines (50,000 at most): nothing due, then 1 % due.

    python -m bench.deadlines [--sizes 5000 20000 50000] [--databases sqlite postgres]

Every club has a president (a bound student), an advisor whose term ends some day in the
coming year, a last general meeting, and the year's review and re-registration windows:
four open deadlines per club. The clock is fixed: the "nothing due" tick runs the day before
the 1 % of clubs' 30-day reminders fall due, the "1 % due" tick at noon that day.
A tick is the scan (deadlines whose step fell due, recipients, outbox rows) and the outbox
drain; in the 1 % tick the drain's sending is left out (it is paced by Telegram's limits:
see bench.delivery), so the figure is the scan and the queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

from bench.seeding import fresh_postgres, seed_clubs
from bot.chat.replies import Reply
from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from schedules.deadlines import refresh_all, scan_due
from schedules.delivery import Delivery
from storage import reviews
from storage.db import Database
from storage.tx import Tx

CAL = Calendar.named("Asia/Shanghai")
TODAY = date(2026, 3, 2)
REPEATS = 5


def local(day: date, hour: int) -> datetime:
    return CAL.start_of(day) + timedelta(hours=hour)


class FixedClock:
    """The benchmark's time stands still (nothing here waits on it)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class NoTelegram:
    async def send(self, chat_id: int, reply: Reply) -> None:
        raise AssertionError("nothing should be sent in the 'nothing due' tick")


def last_meeting(i: int) -> date:
    """Every 100th club's meeting is due in exactly 30 days; the others later in the year."""
    due_in = 30 if i % 100 == 0 else 40 + (i * 104729) % 320
    return add_months(TODAY + timedelta(days=due_in), -12)


async def one_size(url: str, n: int) -> dict[str, float]:
    db = Database(url)
    now = local(TODAY, 12)
    policy = Policy()
    figures: dict[str, float] = {}
    try:
        await seed_clubs(db, n, now, last_meeting, lambda i: [i])
        async with db.transaction() as session:
            tx = Tx(session, db)
            await reviews.set_review_window(tx, 2026, TODAY, date(2026, 11, 30), now)
            await reviews.set_reregistration_window(tx, 2026, TODAY, date(2026, 9, 30), now)
        started = time.perf_counter()
        report = await refresh_all(db, policy, CAL, now)
        figures["refresh"] = time.perf_counter() - started
        figures["deadlines"] = report.opened
        started = time.perf_counter()
        again = await refresh_all(db, policy, CAL, now)
        figures["refresh_again"] = time.perf_counter() - started
        assert again.opened == again.closed == 0

        quiet_day = local(TODAY - timedelta(days=1), 12)
        clock = FixedClock(quiet_day)
        delivery = Delivery(db, NoTelegram(), policy, CAL, clock)
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            scanned = await scan_due(db, policy, CAL, quiet_day)
            await delivery.deliver_due()
            samples.append(time.perf_counter() - started)
            assert scanned.messages == 0
        figures["nothing_due"] = statistics.median(samples)

        started = time.perf_counter()
        scanned = await scan_due(db, policy, CAL, now)
        figures["one_percent"] = time.perf_counter() - started
        figures["queued"] = scanned.messages
        assert scanned.deadlines == n // 100
    finally:
        await db.dispose()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[5000, 20000, 50000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    print(
        f"{'database':<10} {'clubs':>7} {'deadlines':>9} {'refresh':>9} {'again':>8} "
        f"{'tick, nothing due':>18} {'tick, 1 % due':>14} {'queued':>7}"
    )
    for database in args.databases:
        for n in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                url = (
                    f"sqlite:///{tmp}/bench.db" if database == "sqlite" else await fresh_postgres()
                )
                f = await one_size(url, n)
            print(
                f"{database:<10} {n:>7} {f['deadlines']:>9.0f} {f['refresh']:>8.1f}s "
                f"{f['refresh_again']:>7.1f}s {f['nothing_due'] * 1000:>16.1f}ms "
                f"{f['one_percent'] * 1000:>12.0f}ms {f['queued']:>7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
