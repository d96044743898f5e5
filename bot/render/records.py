"""The students' activity records (second classroom, 第二课堂) as a workbook: one row per
check-in, `student_id,name,college,activity,club,kind,date,hours,category`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.calendar import Calendar
from bot.domain.checkin import hours
from bot.render.workbooks import Cell, Sheet, xlsx
from storage.checkin import Attended

HEADER = ("student_id", "name", "college", "activity", "club", "kind", "date", "hours", "category")


def rows(cal: Calendar, records: Sequence[Attended]) -> list[list[Cell]]:
    return [
        [
            r.student_id,
            r.name,
            r.college,
            r.title,
            r.club,
            r.kind,
            cal.today(r.starts_at),
            hours(r.starts_at, r.ends_at),
            r.category,
        ]
        for r in records
    ]


def workbook(cal: Calendar, records: Sequence[Attended]) -> bytes:
    return xlsx([Sheet("activities", HEADER, rows(cal, records))])
