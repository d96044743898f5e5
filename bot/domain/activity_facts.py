"""What the ledger's activity rules (`activity_rules.py`) read of the records: plain facts,
loaded by `storage/activity_facts.py` in a few statements whatever the number of clubs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.activities import ActivityKind, ActivityState, WorkCalendar


@dataclass(frozen=True, slots=True)
class ActivityFact:
    """One activity past its draft, as the ACT rules read it."""

    id: int
    club_id: int
    title: str
    kind: ActivityKind
    state: ActivityState
    expected: int
    submitted_on: date | None
    waiting_since: date | None  # the day its current level was asked (waiting states only)
    starts_on: date
    outside_speaker: bool = False
    ends_on: date | None = None
    checkins: int = 0  # ACT-2: the participants, as checked in
    report_filed: bool = False  # ACT-10
    safety_plan: bool = False  # ACT-3, ACT-5: the plan is attached
    participant_list: bool = False  # ACT-5
    sponsored: bool = False  # ACT-9: it names a sponsor


@dataclass(frozen=True, slots=True)
class AccountFact:
    """ACT-6: one live online account."""

    club_id: int
    handle: str
    opened_on: date | None
    recorded_on: date
    left_on: date | None  # the day its responsible officer left office; None while in office


@dataclass(frozen=True, slots=True)
class MoneyFact:
    """ACT-7 to ACT-9: one club's money, as sums."""

    club_id: int
    lines: int = 0
    bare_expenses: int = 0  # expenses without a voucher
    first_bare: date | None = None
    sponsorships: int = 0
    first_sponsorship: date | None = None
    statements: frozenset[str] = frozenset()  # the semesters (labels) with a statement sent
    dues: int = 0  # ACT-8: dues income lines
    first_dues: date | None = None
    dues_chartered: bool = False  # the advisor recorded the dues the charter fixes


@dataclass(frozen=True, slots=True)
class ActivityData:
    activities: list[ActivityFact] = field(default_factory=list)
    accounts: list[AccountFact] = field(default_factory=list)
    money: dict[int, MoneyFact] = field(default_factory=dict)  # by club id
    work: WorkCalendar = field(default_factory=WorkCalendar)
