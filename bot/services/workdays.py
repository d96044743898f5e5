"""The university's working-day calendar: `clubbot holidays import FILE`.

A CSV with the header `date,kind`, kind `holiday` (a weekday off) or `workday` (a weekend day
worked, 调休). Like the other imports it is all rows or none, every bad row listed.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from bot.domain.activities import DayKind
from bot.services.roster import ISO_DATE, ImportRejected, ImportReport, RowError, read_rows
from storage import activities
from storage.tx import Tx

HEADER = ("date", "kind")


def _day(value: str) -> date:
    if not value:
        raise ValueError("date is empty")
    if not ISO_DATE.fullmatch(value):
        raise ValueError(f"date {value!r} is not a date written YYYY-MM-DD (e.g. 2026-10-01)")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"date {value}: there is no month {month}")
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if year < 1 or not 1 <= day <= days:
        raise ValueError(f"date {value}: {calendar.month_name[month]} {year} has {days} days")
    return date(year, month, day)


def _kind(value: str) -> DayKind:
    try:
        return DayKind(value)
    except ValueError:
        raise ValueError(f"kind {value!r} is not one of {'|'.join(DayKind)}") from None


def parse_days(data: bytes) -> dict[date, DayKind]:
    """Every row of a calendar file, or ImportRejected listing every bad row."""
    days: dict[date, DayKind] = {}
    lines: dict[date, int] = {}
    errors: list[RowError] = []
    for line, row in read_rows(data, HEADER):
        if not row:
            errors.append(RowError(line, "wrong number of columns"))
            continue
        problems, day, kind = [], None, None
        try:
            day = _day(row.get("date", ""))
        except ValueError as exc:
            problems.append(str(exc))
        try:
            kind = _kind(row.get("kind", ""))
        except ValueError as exc:
            problems.append(str(exc))
        if day is not None and day in lines:
            problems.append(f"duplicate of line {lines[day]}")
        if day is not None and kind is DayKind.WORKDAY and day.weekday() < 5:
            problems.append(f"date {day} is a weekday: it is a working day already")
        if problems or day is None or kind is None:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        days[day], lines[day] = kind, line
    if errors:
        raise ImportRejected(errors)
    return days


async def import_days(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the holidays and make-up working days by date."""
    done = await activities.upsert_days(tx, now, parse_days(data))
    return ImportReport(created=done.created, updated=done.updated, unchanged=done.unchanged)
