"""The working-day calendar (ACT-1 lead times) and `clubbot holidays import FILE`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.domain.activities import DayKind, WorkCalendar
from bot.services import workdays
from bot.services.roster import ImportRejected
from storage import activities
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

# National Day 2026: Thursday 1 October to Wednesday 7 October off; Saturday 10 October worked.
GOLDEN_WEEK = WorkCalendar.of(
    [(date(2026, 10, d), DayKind.HOLIDAY) for d in range(1, 8)]
    + [(date(2026, 10, 10), DayKind.WORKDAY)]
)


def test_weekends_are_off_and_weekdays_work() -> None:
    plain = WorkCalendar()
    assert plain.is_working(date(2026, 9, 25))  # a Friday
    assert not plain.is_working(date(2026, 9, 26))  # a Saturday
    # Monday to the next Monday: Tuesday to Friday lie between.
    assert plain.between(date(2026, 9, 21), date(2026, 9, 28)) == 4
    assert plain.between(date(2026, 9, 21), date(2026, 9, 22)) == 0


def test_holidays_and_make_up_days_count_as_listed() -> None:
    assert not GOLDEN_WEEK.is_working(date(2026, 10, 1))  # a Thursday, a holiday
    assert GOLDEN_WEEK.is_working(date(2026, 10, 10))  # a Saturday, worked
    # From Wednesday 30 September: 8, 9 and 10 October work before Sunday 11 October.
    assert GOLDEN_WEEK.between(date(2026, 9, 30), date(2026, 10, 11)) == 3
    # Five working days after 30 September: 8, 9, 10, 12, 13 October; the 14th is the first
    # day with all five before it.
    assert GOLDEN_WEEK.earliest(date(2026, 9, 30), 5) == date(2026, 10, 14)
    assert GOLDEN_WEEK.between(date(2026, 9, 30), date(2026, 10, 14)) == 5
    assert GOLDEN_WEEK.earliest(date(2026, 9, 30), 0) == date(2026, 10, 1)


def test_a_bad_file_lists_every_bad_row_and_imports_nothing() -> None:
    data = (
        b"date,kind\n"
        b"2026-10-01,holiday\n"
        b"2026-02-30,holiday\n"
        b"2026-10-10,day off\n"
        b"2026-10-01,holiday\n"
        b"2026-10-12,workday\n"
        b"1 Oct,holiday\n"
    )
    with pytest.raises(ImportRejected) as caught:
        workdays.parse_days(data)
    assert [str(e) for e in caught.value.errors] == [
        "line 3: date 2026-02-30: February 2026 has 28 days",
        "line 4: kind 'day off' is not one of holiday|workday",
        "line 5: duplicate of line 2",
        "line 6: date 2026-10-12 is a weekday: it is a working day already",
        "line 7: date '1 Oct' is not a date written YYYY-MM-DD (e.g. 2026-10-01)",
    ]
    with pytest.raises(ImportRejected) as header:
        workdays.parse_days(b"day,kind\n2026-10-01,holiday\n")
    assert "expected date,kind" in str(header.value.errors[0])


async def test_import_upserts_by_date_and_the_calendar_reads_it(db: Database) -> None:
    first = b"\xef\xbb\xbfdate,kind\n2026-10-01,holiday\n2026-10-10,workday\n"
    async with db.transaction() as session:
        report = await workdays.import_days(Tx(session, db), utcnow(), first)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    again = b"date,kind\n2026-10-01,holiday\n2026-10-10,holiday\n2026-10-02,holiday\n"
    async with db.transaction() as session:
        report = await workdays.import_days(Tx(session, db), utcnow(), again)
        cal = await activities.work_calendar(Tx(session, db))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert cal.holidays == {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 10)}
    assert cal.workdays == frozenset()


def test_the_command_line_imports_and_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    good = tmp_path / "holidays.csv"
    good.write_text("date,kind\n2026-10-01,holiday\n2026-10-10,workday\n")
    assert main(["holidays", "import", str(good)]) == 0
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2026-10-02,holiday\n2026-13-01,holiday\n")
    assert main(["holidays", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported; 1 line has errors" in err
    assert "line 3: date 2026-13-01: there is no month 13" in err
