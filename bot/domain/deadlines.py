"""Deadlines as data: computed from a club's records, and the reminder steps each one walks.

Pure functions, no database: `club_deadlines` says which deadlines a club has today, `plan`
when each reminder and escalation step falls due, `steps_to_take` which of them to act on now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Level, Policy
from bot.domain.values import ClubStatus, DeadlineKind


@dataclass(frozen=True, slots=True)
class ClubFacts:
    """What a club's records say, as far as deadlines go."""

    club_id: int
    status: ClubStatus
    founded: date
    last_meeting: date | None = None  # the latest confirmed general meeting (ORG-3)
    appointment_id: int | None = None  # the current advisor's appointment (ADV-3) ...
    term_end: date | None = None  # ... and the end of its term
    reviewed_years: frozenset[int] = field(default_factory=frozenset)  # REG-5
    reregistered_years: frozenset[int] = field(default_factory=frozenset)  # ORG-2
    # ACT-10: the activity whose report is due first and not filed: (id, its end day, due day).
    report: tuple[int, date, date] | None = None
    # ACT-7: the semester whose statement is owed first: (its first day, its last day).
    statement: tuple[date, date] | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A review window (by year) or a re-registration window (by academic year)."""

    year: int
    opens_on: date
    closes_on: date


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    due_on: date
    subject: int | None = None  # the appointment, or the (academic) year
    opens_on: date | None = None  # no reminder before the window opens


@dataclass(frozen=True, slots=True)
class Step:
    """One reminder (`d30`: 30 days before) or escalation (`e1`: second level) of a deadline."""

    label: str
    at: datetime
    escalation: int | None = None  # index into policy.escalation_levels

    @property
    def is_escalation(self) -> bool:
        return self.escalation is not None


def _first_open_window(windows: Sequence[Window], founded: date, done: frozenset[int]) -> Window:
    return next(w for w in windows if w.closes_on >= founded and w.year not in done)


def club_deadlines(
    facts: ClubFacts,
    review_windows: Sequence[Window],
    reregistration_windows: Sequence[Window],
    policy: Policy,
) -> dict[DeadlineKind, Deadline]:
    """The deadlines a club has now, by kind; only an active club has any (REG-7)."""
    if facts.status is not ClubStatus.ACTIVE:
        return {}
    found: dict[DeadlineKind, Deadline] = {}
    # ORG-3: the next general meeting is due N months after the last (or after founding).
    base = facts.last_meeting or facts.founded
    found[DeadlineKind.MEETING] = Deadline(
        DeadlineKind.MEETING, add_months(base, policy.general_meeting_interval_months)
    )
    # ADV-3: the current advisor's term ends.
    if facts.appointment_id is not None and facts.term_end is not None:
        found[DeadlineKind.ADVISOR_TERM] = Deadline(
            DeadlineKind.ADVISOR_TERM, facts.term_end, subject=facts.appointment_id
        )
    # REG-5 and ORG-2: the earliest window since the club was founded that it has not met.
    for kind, windows, done in (
        (DeadlineKind.REVIEW, review_windows, facts.reviewed_years),
        (DeadlineKind.REREGISTRATION, reregistration_windows, facts.reregistered_years),
    ):
        try:
            window = _first_open_window(windows, facts.founded, done)
        except StopIteration:
            continue
        found[kind] = Deadline(kind, window.closes_on, window.year, window.opens_on)
    # ACT-10: one report at a time; when it is filed, the next one due becomes the deadline.
    if facts.report is not None:
        activity_id, ended_on, due_on = facts.report
        found[DeadlineKind.ACTIVITY_REPORT] = Deadline(
            DeadlineKind.ACTIVITY_REPORT, due_on, activity_id, ended_on
        )
    # ACT-7: the statement to the members by the semester's last day, reminded within it.
    if facts.statement is not None:
        starts, ends = facts.statement
        found[DeadlineKind.STATEMENT] = Deadline(DeadlineKind.STATEMENT, ends, opens_on=starts)
    return found


def plan(
    due_on: date, opens_on: date | None, seen_at: datetime, policy: Policy, cal: Calendar
) -> list[Step]:
    """Every step of a deadline, in time order.

    Reminders fall due at the start of the local day N days before; none before the window
    opens. Escalation starts when the deadline's day is over (or when the deadline was first
    seen, if that is later) and moves one level every `escalation_spacing_days`.
    """
    steps: list[Step] = []
    earliest = cal.start_of(opens_on) if opens_on is not None else None
    for days in policy.reminder_lead_days:
        at = cal.start_of(due_on - timedelta(days=days))
        if earliest is None or at >= earliest:
            steps.append(Step(f"d{days}", at))
    anchor = max(cal.end_of(due_on), seen_at)
    spacing = timedelta(days=policy.escalation_spacing_days)
    steps += [
        Step(f"e{index}", anchor + index * spacing, escalation=index)
        for index in range(len(policy.escalation_levels))
    ]
    return sorted(steps, key=lambda s: s.at)


def steps_to_take(steps: Sequence[Step], done_until: datetime | None, now: datetime) -> list[Step]:
    """The steps to act on at `now`, given those up to `done_until` were acted on.

    Of reminders that fell due together (a deadline first seen late, or a process that was
    down), only the latest is sent: one message that says how many days are left. Escalation
    steps go to different people, so each one that fell due is taken; once the deadline has
    passed, reminders before it are moot.
    """
    fallen = [s for s in steps if s.at <= now and (done_until is None or s.at > done_until)]
    escalations = [s for s in fallen if s.is_escalation]
    return escalations if escalations else fallen[-1:]


def next_step_at(steps: Sequence[Step], done_until: datetime | None) -> datetime | None:
    """When the first step after `done_until` falls due (None when every step is done)."""
    return next((s.at for s in steps if done_until is None or s.at > done_until), None)


def first_line(kind: DeadlineKind, awaiting_confirmation: bool) -> frozenset[Level]:
    """Who acts on a deadline before it passes (and is told first when it does)."""
    if kind is DeadlineKind.ADVISOR_TERM:
        return frozenset({Level.OFFICERS, Level.ADVISOR})
    if kind is DeadlineKind.MEETING and awaiting_confirmation:
        # The officers recorded the meeting; the advisor's confirmation is what is missing.
        return frozenset({Level.ADVISOR})
    return frozenset({Level.OFFICERS})


def levels_after(levels: Sequence[Level], reached: frozenset[Level]) -> list[Level]:
    """The escalation levels beyond the furthest of `reached`, in order."""
    positions = [levels.index(level) for level in reached if level in levels]
    return list(levels[max(positions) + 1 :] if positions else levels)
