"""Deadlines computed from records, and when each reminder and escalation step falls due."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain.calendar import Calendar, add_months
from bot.domain.deadlines import (
    ClubFacts,
    Deadline,
    Window,
    club_deadlines,
    first_line,
    levels_after,
    plan,
    steps_to_take,
)
from bot.domain.policy import Level, Policy
from bot.domain.values import ClubStatus, DeadlineKind
from tests.clock import local

CAL = Calendar.named("Asia/Shanghai")
D = date(2026, 6, 15)


def test_month_arithmetic_clamps_to_the_last_day() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 3, 15), -13) == date(2025, 2, 15)


def test_each_kind_comes_from_its_record() -> None:
    facts = ClubFacts(
        club_id=1,
        status=ClubStatus.ACTIVE,
        founded=date(2020, 9, 1),
        last_meeting=date(2025, 5, 20),
        appointment_id=7,
        term_end=date(2026, 8, 31),
        reviewed_years=frozenset({2025}),
    )
    reviews = [Window(2025, date(2025, 11, 1), date(2025, 11, 30)), Window(2026, D, D)]
    rereg = [Window(2026, date(2026, 9, 1), date(2026, 9, 30))]
    found = club_deadlines(facts, reviews, rereg, Policy())
    assert found == {
        DeadlineKind.MEETING: Deadline(DeadlineKind.MEETING, date(2026, 5, 20)),
        DeadlineKind.ADVISOR_TERM: Deadline(DeadlineKind.ADVISOR_TERM, date(2026, 8, 31), 7),
        DeadlineKind.REVIEW: Deadline(DeadlineKind.REVIEW, D, 2026, D),
        DeadlineKind.REREGISTRATION: Deadline(
            DeadlineKind.REREGISTRATION, date(2026, 9, 30), 2026, date(2026, 9, 1)
        ),
    }
    # Never met: the first meeting is due a year after founding; other policies, other dates.
    fresh = ClubFacts(club_id=2, status=ClubStatus.ACTIVE, founded=date(2026, 1, 10))
    six = club_deadlines(fresh, [], [], Policy(general_meeting_interval_months=6))
    assert six == {DeadlineKind.MEETING: Deadline(DeadlineKind.MEETING, date(2026, 7, 10))}
    # REG-7: a suspended club has no deadlines.
    suspended = ClubFacts(club_id=3, status=ClubStatus.SUSPENDED, founded=date(2020, 1, 1))
    assert club_deadlines(suspended, reviews, rereg, Policy()) == {}


def test_steps_are_the_lead_days_then_one_escalation_level_a_week() -> None:
    seen = local(D - timedelta(days=60))
    steps = plan(D, None, seen, Policy(), CAL)
    assert [s.label for s in steps] == ["d30", "d7", "d1", "e0", "e1", "e2", "e3"]
    assert steps[0].at == local(D - timedelta(days=30), 0)
    assert steps[3].at == local(D + timedelta(days=1), 0)  # the deadline's day is over
    assert steps[4].at - steps[3].at == timedelta(days=7)
    custom = Policy(reminder_lead_days=(14, 2), escalation_levels=(Level.STAFF,))
    assert [s.label for s in plan(D, None, seen, custom, CAL)] == ["d14", "d2", "e0"]
    # A window that opens 10 days before it closes gets no 30-day reminder.
    assert [s.label for s in plan(D, D - timedelta(days=10), seen, Policy(), CAL)][:2] == [
        "d7",
        "d1",
    ]


def test_a_late_start_sends_only_the_latest_reminder() -> None:
    seen = local(D - timedelta(days=5))
    steps = plan(D, None, seen, Policy(), CAL)
    assert [s.label for s in steps_to_take(steps, None, seen)] == ["d7"]
    assert steps_to_take(steps, seen, seen + timedelta(hours=1)) == []
    # Down from before the deadline until two weeks after it: reminders are moot, and each
    # escalation level that fell due is told.
    later = local(D + timedelta(days=15))
    taken = steps_to_take(plan(D, None, local(D - timedelta(days=40)), Policy(), CAL), None, later)
    assert [s.label for s in taken] == ["e0", "e1", "e2"]
    # A deadline first seen when it had long passed starts escalating from then.
    overdue = plan(D, None, later, Policy(), CAL)
    assert [(s.label, s.at) for s in steps_to_take(overdue, None, later)] == [("e0", later)]


def test_who_acts_first_and_who_comes_next() -> None:
    assert first_line(DeadlineKind.REVIEW, False) == {Level.OFFICERS}
    assert first_line(DeadlineKind.ADVISOR_TERM, False) == {Level.OFFICERS, Level.ADVISOR}
    assert first_line(DeadlineKind.MEETING, True) == {Level.ADVISOR}
    levels = Policy().escalation_levels
    assert levels_after(levels, frozenset({Level.OFFICERS})) == [
        Level.ADVISOR,
        Level.UNIT,
        Level.STAFF,
    ]
    assert levels_after((Level.ADVISOR, Level.STAFF), frozenset({Level.OFFICERS})) == [
        Level.ADVISOR,
        Level.STAFF,
    ]


def test_quiet_hours_span_midnight_in_the_university_time_zone() -> None:
    start, end = time(22), time(8)
    assert CAL.quiet_until(local(D, 21, 59), start, end) is None
    assert CAL.quiet_until(local(D, 22, 0), start, end) == local(D + timedelta(days=1), 8)
    assert CAL.quiet_until(local(D, 3, 0), start, end) == local(D, 8)
    assert CAL.quiet_until(local(D, 8, 0), start, end) is None
    assert CAL.quiet_until(local(D, 3, 0), start, start) is None  # equal: no quiet hours
    assert CAL.quiet_until(local(D, 13, 0), time(12), time(14)) == local(D, 14)
