"""The university's calendar: local days in TIMEZONE, month arithmetic, quiet hours."""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Calendar:
    """Days as the university lives them; every datetime in and out is aware UTC."""

    zone: ZoneInfo

    @classmethod
    def named(cls, name: str = DEFAULT_TIMEZONE) -> Calendar:
        return cls(ZoneInfo(name))

    def today(self, now: datetime) -> date:
        """The local date at `now`."""
        return now.astimezone(self.zone).date()

    def start_of(self, day: date) -> datetime:
        """The instant the local day begins."""
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def end_of(self, day: date) -> datetime:
        """The instant the local day ends (the next day begins): a deadline's last moment."""
        return self.start_of(day + timedelta(days=1))

    def quiet_until(self, now: datetime, start: time, end: time) -> datetime | None:
        """When the quiet hours around `now` end, or None if `now` is not in quiet hours.

        `start` == `end` means there are none; `start` > `end` spans midnight (22:00–08:00).
        """
        if start == end:
            return None
        local = now.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        inside = start <= clock < end if start < end else clock >= start or clock < end
        if not inside:
            return None
        day = local.date() if clock < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, self.zone).astimezone(UTC)
