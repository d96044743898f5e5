"""Club activities (ACT-1 to ACT-12): the working-day calendar, an activity's states and the
checks a proposal meets before it goes for approval. Pure: no database, no messages.

The states and the actions that move an activity are drawn in `activities.mmd` beside this file
(README shows it; a test compares the drawing with `TRANSITIONS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.policy import Policy
from bot.domain.values import DomainError

# --- the university's working days ---------------------------------------------------------------


class DayKind(StrEnum):
    """A day of the staff-kept list: a holiday off, or a make-up working day (调休)."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working days: Monday to Friday, but for the listed holidays, plus the listed make-up
    working days (a weekend day worked in exchange for a bridge holiday)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, days: Iterable[tuple[date, DayKind]]) -> WorkCalendar:
        listed = list(days)
        return cls(
            frozenset(d for d, k in listed if k is DayKind.HOLIDAY),
            frozenset(d for d, k in listed if k is DayKind.WORKDAY),
        )

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def between(self, after: date, before: date) -> int:
        """The working days strictly after `after` and strictly before `before`."""
        count, day = 0, after + timedelta(days=1)
        while day < before:
            count += self.is_working(day)
            day += timedelta(days=1)
        return count

    def earliest(self, today: date, working_days: int) -> date:
        """The first day with `working_days` working days between today and it."""
        day, seen = today + timedelta(days=1), 0
        while seen < working_days:
            seen += self.is_working(day)
            day += timedelta(days=1)
        return day


# --- an activity ---------------------------------------------------------------------------------


class ActivityKind(StrEnum):
    REGULAR = "regular"
    TALK = "talk"  # ACT-4: talks, lectures and forums
    OFF_CAMPUS = "off_campus"  # ACT-5
    ONLINE = "online"


class ActivityAudience(StrEnum):
    """Who may come: the club's members, or every student with a bound account."""

    MEMBERS = "members"
    STUDENTS = "students"


class ActivityState(StrEnum):
    DRAFT = "draft"
    ADVISOR = "advisor"  # ACT-1: waiting for the club's advisor
    UNIT = "unit"  # waiting for a representative of the club's guidance unit
    STAFF = "staff"  # waiting for staff (the Youth League committee)
    RETURNED = "returned"  # back with the organizer for changes
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class Move(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    APPROVE_LAST = "approve_last"  # the last level that must answer approves
    RETURN = "return"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    CHANGE = "change"  # ACT-1: a change of an approved activity sends it back for approval


S = ActivityState
# The levels in the order ACT-1 asks them.
LEVELS = (S.ADVISOR, S.UNIT, S.STAFF)
TRANSITIONS: dict[tuple[ActivityState, Move], ActivityState] = {
    (S.DRAFT, Move.SUBMIT): S.ADVISOR,
    (S.RETURNED, Move.SUBMIT): S.ADVISOR,
    (S.ADVISOR, Move.APPROVE): S.UNIT,
    (S.UNIT, Move.APPROVE): S.STAFF,
    (S.UNIT, Move.APPROVE_LAST): S.APPROVED,
    (S.STAFF, Move.APPROVE_LAST): S.APPROVED,
    **{(level, Move.RETURN): S.RETURNED for level in LEVELS},
    **{(level, Move.REJECT): S.REJECTED for level in LEVELS},
    **{(state, Move.WITHDRAW): S.WITHDRAWN for state in (S.DRAFT, S.RETURNED, *LEVELS)},
    (S.APPROVED, Move.CHANGE): S.RETURNED,
}
# The states a proposal can still be changed in by its organizer.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})


class NoSuchMove(DomainError):
    key = "error.activity.changed"


def after(state: ActivityState, move: Move) -> ActivityState:
    """The state `move` leads to from `state`, or NoSuchMove (a stale button, a race lost)."""
    found = TRANSITIONS.get((state, move))
    if found is None:
        raise NoSuchMove(state=state.value, move=move.value)
    return found


@dataclass(frozen=True, slots=True)
class Speaker:
    """ACT-4: who speaks at a talk; `outside`: from abroad, Hong Kong, Macao or Taiwan."""

    name: str
    affiliation: str
    outside: bool


class DocumentKind(StrEnum):
    """The documents a proposal may have to carry."""

    PARTICIPANTS = "participants"  # ACT-5: who goes, with their contacts
    SAFETY_PLAN = "safety_plan"  # ACT-3, ACT-5: the safety and emergency plan


@dataclass(frozen=True, slots=True)
class Proposal:
    """What an organizer asks to hold, as far as the checks need it."""

    kind: ActivityKind
    starts_at: datetime
    ends_at: datetime
    expected: int
    speakers: tuple[Speaker, ...] = ()
    documents: frozenset[DocumentKind] = frozenset()
    sponsored: bool = False  # ACT-9: a sponsor is named, an exception only staff approve


def is_large(policy: Policy, expected: int) -> bool:
    """ACT-3: a large activity by its expected participants."""
    return expected >= policy.activity_large_participants


def documents_needed(
    policy: Policy, kind: ActivityKind | None, expected: int | None
) -> dict[DocumentKind, str]:
    """The documents a proposal must carry, each with the rule that asks for it: an
    off-campus activity its participant list and safety plan (ACT-5), a large one its safety
    plan (ACT-3)."""
    needed: dict[DocumentKind, str] = {}
    if kind is ActivityKind.OFF_CAMPUS:
        needed[DocumentKind.PARTICIPANTS] = "ACT-5"
        needed[DocumentKind.SAFETY_PLAN] = "ACT-5"
    if expected is not None and is_large(policy, expected):
        needed[DocumentKind.SAFETY_PLAN] = "ACT-3"
    return needed


def needs_staff(policy: Policy, proposal: Proposal) -> bool:
    """ACT-1: talks, large and off-campus activities always reach staff, and so does a
    sponsored one (ACT-9); the others by policy."""
    if proposal.kind in (ActivityKind.TALK, ActivityKind.OFF_CAMPUS) or proposal.sponsored:
        return True
    return is_large(policy, proposal.expected) or policy.activity_staff_approval


def next_level(state: ActivityState, staff: bool) -> Move:
    """The approving move at `state`: on to the next level, or the last approval."""
    if state is S.UNIT and not staff:
        return Move.APPROVE_LAST
    if state is S.STAFF:
        return Move.APPROVE_LAST
    return Move.APPROVE


# --- the checks at submission --------------------------------------------------------------------


class ActivityRefused(DomainError):
    """A rule refuses the proposal; `rule` is named in the answer."""

    key = "error.activity.refused"


class TooLate(ActivityRefused):
    """Not submitted far enough ahead: `rule` and how many days it needs (working or not)."""

    key = "error.activity.too_late"


class TooLateWorking(ActivityRefused):
    key = "error.activity.too_late_working"


class EndsBeforeStart(ActivityRefused):
    key = "error.activity.ends_before_start"


class InThePast(ActivityRefused):
    key = "error.activity.in_the_past"


class TalkWithoutSpeakers(ActivityRefused):
    key = "error.activity.no_speakers"


class MissingParticipants(ActivityRefused):
    """ACT-5: the participant list is not attached."""

    key = "error.activity.missing_participants"


class MissingSafetyPlan(ActivityRefused):
    """ACT-3, ACT-5: the safety plan is not attached."""

    key = "error.activity.missing_safety_plan"


MISSING = {
    DocumentKind.PARTICIPANTS: MissingParticipants,
    DocumentKind.SAFETY_PLAN: MissingSafetyPlan,
}


@dataclass(frozen=True, slots=True)
class Lead:
    """How far ahead a proposal must be submitted under one rule."""

    rule: str
    days: int
    working: bool


def leads(policy: Policy, proposal: Proposal) -> list[Lead]:
    """Every lead time that applies to the proposal (ACT-1 for all, ACT-4 talks, ACT-5)."""
    found = [Lead("ACT-1", policy.activity_lead_working_days, True)]
    if proposal.kind is ActivityKind.TALK:
        if any(s.outside for s in proposal.speakers):
            found.append(Lead("ACT-4", policy.talk_outside_lead_working_days, True))
        else:
            found.append(Lead("ACT-4", policy.talk_lead_days, False))
    if proposal.kind is ActivityKind.OFF_CAMPUS:
        found.append(Lead("ACT-5", policy.off_campus_lead_days, False))
    if policy.large_permit_participants <= proposal.expected:
        found.append(Lead("ACT-3", policy.large_permit_lead_days, False))
    return found


def check(
    policy: Policy, work: WorkCalendar, now: datetime, start_day: date, today: date, p: Proposal
) -> None:
    """Raise the first refusal the proposal meets (each names its rule); `start_day` is the
    local date the activity starts on, `today` the local date now."""
    if p.ends_at <= p.starts_at:
        raise EndsBeforeStart()
    if p.starts_at <= now:
        raise InThePast()
    if p.kind is ActivityKind.TALK and not p.speakers:
        raise TalkWithoutSpeakers(rule="ACT-4")
    for document, rule in documents_needed(policy, p.kind, p.expected).items():
        if document not in p.documents:
            raise MISSING[document](rule=rule)
    for lead in leads(policy, p):
        if lead.working:
            if work.between(today, start_day) < lead.days:
                earliest = work.earliest(today, lead.days)
                raise TooLateWorking(rule=lead.rule, days=lead.days, earliest=earliest.isoformat())
        elif (start_day - today).days < lead.days:
            earliest = today + timedelta(days=lead.days)
            raise TooLate(rule=lead.rule, days=lead.days, earliest=earliest.isoformat())
