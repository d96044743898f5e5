"""A clock for tests: it never sleeps, it moves time forward instead."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.types import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware UTC instant at a local time of day in the default TIMEZONE."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.at = start
        self.slept = 0.0

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        # Never less than a microsecond: a datetime would not move at all.
        self.at += max(timedelta(seconds=seconds), timedelta(microseconds=1))
        self.slept += seconds
        await asyncio.sleep(0)

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class MovedClock:
    """The bot's time: the seeded morning, running at the real pace, moved on by the test."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began, self.moved = start, utcnow(), timedelta()

    def __call__(self) -> datetime:
        return self.start + (utcnow() - self.began) + self.moved

    def advance(self, **delta: float) -> None:
        self.moved += timedelta(**delta)
