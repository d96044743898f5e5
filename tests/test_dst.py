"""A university in a zone with daylight saving: local days, deadlines and quiet hours hold
across the clock changes (Europe/Berlin: 29 March 2026 02:00 -> 03:00, 25 October 03:00 ->
02:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.calendar import Calendar

BERLIN = Calendar.named("Europe/Berlin")
QUIET = (time(22, 0), time(8, 0))


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)]
)
def test_a_local_day_is_as_long_as_the_clock_makes_it(day: date, hours: int) -> None:
    assert BERLIN.end_of(day) - BERLIN.start_of(day) == timedelta(hours=hours)
    assert BERLIN.today(BERLIN.start_of(day)) == day
    assert BERLIN.today(BERLIN.end_of(day) - timedelta(seconds=1)) == day


def test_a_deadline_on_the_change_day_ends_at_local_midnight_once() -> None:
    end = BERLIN.end_of(date(2026, 3, 29))
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert end.astimezone(BERLIN.zone).time() == time(0, 0)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        # 01:30 CET on the spring night: quiet until 08:00 CEST, which is 06:00 UTC.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        # 02:30 CEST, then 02:30 CET (the hour repeats): quiet until 08:00 CET = 07:00 UTC.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        # 22:30 local the evening before each change.
        (datetime(2026, 3, 28, 21, 30, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (datetime(2026, 10, 24, 20, 30, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_end_at_eight_local_across_the_change(now: datetime, until: datetime) -> None:
    assert BERLIN.quiet_until(now, *QUIET) == until


def test_eight_local_is_not_quiet_on_either_change_day() -> None:
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        eight = datetime.combine(day, time(8, 0), BERLIN.zone).astimezone(UTC)
        assert BERLIN.quiet_until(eight, *QUIET) is None
        assert BERLIN.quiet_until(eight - timedelta(minutes=1), *QUIET) == eight
