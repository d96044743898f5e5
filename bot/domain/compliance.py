"""The compliance ledger: for every rule of RULES.md, its standing computed from live data.

`RULES` is the registry: rule id -> the function that computes it from a `Snapshot` of the
records (read by `storage/ledger.py`) and the policy. Each answers how many comply, which do
not (clubs, advisors, students) and since when. Rules whose data the bot does not hold yet are
reported as "no data" rather than as met:

- REG-1 (sponsors) and REG-4 (charters) are checked on the clubs founded through an application
  (`/establish`); clubs imported from the old records have no application, and are counted
  apart as "no record", neither complying nor failing.
- REG-6 (name screening) is checked on every active club's name against the current list.
- ORG-4, ORG-4a (party or league branches) and SU-1 to SU-14 (student unions) are computed in
  `union_rules.py` from `Snapshot.unions`; with no union on record the SU rules say "no data".
- ORG-7 (direct election of presidents) is checked on live clubs' current presidents: one who
  took office through an election of the members (`/election`) complies; one recorded without
  an election in a club founded through an application does not; a president imported from
  the old records (a club with no application) is counted apart as "no record", like REG-1.
- ORG-5 is checked on what exists: officers' class rank (`rank_pct`), not the election steps.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from bot.domain.activity_facts import ActivityData
from bot.domain.calendar import add_months
from bot.domain.deadlines import Window
from bot.domain.policy import Policy
from bot.domain.unions import UnionData
from bot.domain.values import (
    Category,
    ClubStatus,
    Political,
    ReviewResult,
    StudentStatus,
    name_key,
)


class Standing(StrEnum):
    MET = "met"  # every case checked complies
    GAPS = "gaps"  # some do not
    NO_DATA = "no_data"  # nothing to check it against yet
    IN_PLACE = "in_place"  # the bot itself implements it


@dataclass(frozen=True, slots=True)
class ClubFact:
    id: int
    name: str
    category: Category
    status: ClubStatus
    founded: date
    unit_kind: str | None
    has_unit: bool
    advisor_pk: int | None
    advisor_since: date | None
    term_end: date | None
    advisor_ended: date | None
    last_meeting: date | None
    last_event: str | None
    status_since: date | None


@dataclass(frozen=True, slots=True)
class StudentFact:
    id: int
    student_id: str
    name: str
    status: str
    rank_pct: int
    political: Political


@dataclass(frozen=True, slots=True)
class OfficerFact:
    club_id: int
    student_pk: int
    position: str
    since: date
    election_id: int | None = None  # the election that put them in office; None if none did


@dataclass(frozen=True, slots=True)
class AdvisorFact:
    id: int
    staff_id: str
    name: str
    party_member: bool
    evaluation: tuple[int, bool, date] | None  # the latest: year, passed, recorded on
    dismissed: bool
    first_appointed: date | None


@dataclass(frozen=True, slots=True)
class ReviewFact:
    club_id: int
    year: int
    result: ReviewResult
    decided_on: date
    recorded_by: int | None


@dataclass(frozen=True, slots=True)
class FoundingFact:
    """The application a club was founded through (`/establish`)."""

    club_id: int
    application_id: int
    sponsors: int  # signatures standing when it was decided
    charter: bool  # a charter document or text on record
    founded_on: date


@dataclass(frozen=True, slots=True)
class Memberships:
    """What the rules need of the active memberships, aggregated: members per club by political
    status, each club's latest join, and only the students a rule may name. `storage/ledger.py`
    computes it in SQL; `of` computes the same from rows, for hand-built data."""

    members: int = 0  # students holding at least one membership (ORG-1, ORG-2)
    by_club: dict[int, Counter[Political]] = field(default_factory=dict)  # club id -> members
    latest_join: dict[int, date] = field(default_factory=dict)  # club id -> its latest join
    # Student pk -> memberships held, for every member who is not enrolled (ORG-1) or holds
    # more than `held_over` (ORG-2); their facts are in `Snapshot.students`.
    held: dict[int, int] = field(default_factory=dict)
    held_over: int = 0  # ORG-2 can judge a limit of at least this

    @classmethod
    def of(
        cls,
        students: dict[int, StudentFact],
        rows: list[tuple[int, int, date | None]],
        held_over: int = 0,
    ) -> Memberships:
        """The aggregate of (student pk, club id, joined on) rows of these students."""
        by_club: dict[int, Counter[Political]] = defaultdict(Counter)
        latest: dict[int, date] = {}
        counts: Counter[int] = Counter()
        for pk, club_id, joined in rows:
            s = students[pk]
            by_club[club_id][s.political] += 1
            counts[pk] += 1
            if joined is not None and (club_id not in latest or joined > latest[club_id]):
                latest[club_id] = joined
        held = {
            pk: n
            for pk, n in counts.items()
            if n > held_over or students[pk].status != StudentStatus.ENROLLED.value
        }
        return cls(len(counts), dict(by_club), latest, held, held_over)

    def count(self, club_id: int) -> int:
        """Memberships held in a club."""
        return sum(self.by_club.get(club_id, Counter()).values())


@dataclass(frozen=True, slots=True)
class Snapshot:
    today: date
    clubs: list[ClubFact]
    # The students the rules name (officers, union post holders, members in `memberships.held`),
    # not every student: the ledger reads aggregates (issue 18).
    students: dict[int, StudentFact]
    memberships: Memberships
    officers: list[OfficerFact]
    advisors: list[AdvisorFact]
    reviews: list[ReviewFact]
    review_windows: list[Window]
    reregistration_windows: list[Window]
    reregistered: set[tuple[int, int]]
    reviewers: frozenset[int]
    foundings: dict[int, FoundingFact] = field(default_factory=dict)  # by club id
    screened: tuple[tuple[str, str], ...] = ()  # the REG-6 list: (term, term key)
    unions: UnionData = field(default_factory=UnionData)  # SU rules, ORG-4 (issue 17)
    activities: ActivityData = field(default_factory=ActivityData)  # ACT rules (issue 16)


@dataclass(frozen=True, slots=True)
class Finding:
    """One case that does not comply: what, which, since when, and why (a message key)."""

    kind: str  # club | advisor | student
    ref: str  # club id, staff_id or student_id
    name: str
    since: date | None
    why: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RuleReport:
    rule: str
    standing: Standing
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    unrecorded: int = 0  # cases the rule cannot be checked on (clubs imported, no application)
    # The policy's figures that the rule's title states ("at most 2 clubs per advisor").
    terms: tuple[tuple[str, int], ...] = ()

    @property
    def group(self) -> str:
        return self.rule.split("-")[0]

    @property
    def failing(self) -> int:
        """What does not comply: one however many reasons it has (checked = compliant +
        failing)."""
        return len({(f.kind, f.ref) for f in self.findings})

    @property
    def compliant(self) -> int:
        return self.checked - self.failing


def _report(rule: str, checked: int, findings: list[Finding], unrecorded: int = 0) -> RuleReport:
    if checked == 0:
        return RuleReport(rule, Standing.NO_DATA, unrecorded=unrecorded)
    standing = Standing.GAPS if findings else Standing.MET
    return RuleReport(rule, standing, checked, findings, unrecorded)


def _club(c: ClubFact, since: date | None, why: str, **params: object) -> Finding:
    return Finding(
        "club", str(c.id), c.name, since, why, tuple((k, str(v)) for k, v in params.items())
    )


def _student(s: StudentFact, since: date | None, why: str, **params: object) -> Finding:
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Finding("student", s.student_id, s.name, since, why, pairs)


def _advisor(a: AdvisorFact, since: date | None, why: str, **params: object) -> Finding:
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Finding("advisor", a.staff_id, a.name, since, why, pairs)


def _live(snap: Snapshot) -> list[ClubFact]:
    """Clubs that exist (active or suspended): the ones most rules are about."""
    return [c for c in snap.clubs if c.status in (ClubStatus.ACTIVE, ClubStatus.SUSPENDED)]


def _union_rule(rule: str) -> Callable[[Snapshot, Policy], RuleReport]:
    """A rule of `union_rules.py`, imported when first used (that module imports this one)."""

    def check(snap: Snapshot, policy: Policy) -> RuleReport:
        from bot.domain.union_rules import RULES as UNION_RULES

        return UNION_RULES[rule](snap, policy)

    return check


def _activity_rule(rule: str) -> Callable[[Snapshot, Policy], RuleReport]:
    """A rule of `activity_rules.py`, imported when first used (that module imports this one)."""

    def check(snap: Snapshot, policy: Policy) -> RuleReport:
        from bot.domain.activity_rules import RULES as ACTIVITY_RULES

        return ACTIVITY_RULES[rule](snap, policy)

    return check


def _founded(snap: Snapshot) -> tuple[list[tuple[ClubFact, FoundingFact]], int]:
    """Live clubs founded through an application, and how many live clubs have none."""
    clubs = _live(snap)
    found = [(c, snap.foundings[c.id]) for c in clubs if c.id in snap.foundings]
    return found, len(clubs) - len(found)


def reg_1(snap: Snapshot, policy: Policy) -> RuleReport:
    founded, unrecorded = _founded(snap)
    found = [
        _club(c, f.founded_on, "too_few_sponsors", count=f.sponsors, needed=policy.min_sponsors)
        for c, f in founded
        if f.sponsors < policy.min_sponsors
    ]
    return _report("REG-1", len(founded), found, unrecorded)


def reg_4(snap: Snapshot, policy: Policy) -> RuleReport:
    founded, unrecorded = _founded(snap)
    found = [_club(c, f.founded_on, "no_charter") for c, f in founded if not f.charter]
    return _report("REG-4", len(founded), found, unrecorded)


def reg_6(snap: Snapshot, policy: Policy) -> RuleReport:
    clubs = [c for c in snap.clubs if c.status is ClubStatus.ACTIVE]
    found = []
    for c in clubs:
        key = name_key(c.name)
        hits = [term for term, term_key in snap.screened if term_key and term_key in key]
        if hits:
            found.append(_club(c, c.founded, "name_screened", term=hits[0]))
    return _report("REG-6", len(clubs), found)


def reg_2(snap: Snapshot, policy: Policy) -> RuleReport:
    clubs = _live(snap)
    found = [
        _club(c, c.founded, "no_unit" if not c.has_unit else "unit_kind_unknown")
        for c in clubs
        if c.unit_kind is None
    ]
    return _report("REG-2", len(clubs), found)


def reg_3(snap: Snapshot, policy: Policy) -> RuleReport:
    clubs = [c for c in snap.clubs if c.status is ClubStatus.ACTIVE]
    found = [
        _club(c, c.advisor_ended or c.founded, "no_advisor") for c in clubs if c.advisor_pk is None
    ]
    return _report("REG-3", len(clubs), found)


def _review_year(snap: Snapshot) -> Window | None:
    """The latest review round that has closed."""
    closed = [w for w in snap.review_windows if w.closes_on < snap.today]
    return max(closed, key=lambda w: w.year) if closed else None


def reg_5(snap: Snapshot, policy: Policy) -> RuleReport:
    window = _review_year(snap)
    if window is None:
        return RuleReport("REG-5", Standing.NO_DATA)
    results = {r.club_id: r for r in snap.reviews if r.year == window.year}
    clubs = [c for c in _live(snap) if c.founded < window.opens_on]
    found = []
    for c in clubs:
        got = results.get(c.id)
        if got is None:
            found.append(_club(c, window.closes_on, "review_missing", year=window.year))
        elif got.result is ReviewResult.FAIL:
            found.append(_club(c, got.decided_on, "review_failed", year=window.year))
    return _report("REG-5", len(clubs), found)


def reg_7(snap: Snapshot, policy: Policy) -> RuleReport:
    stopped = [c for c in snap.clubs if c.status is not ClubStatus.ACTIVE]
    found: list[Finding] = []
    for c in stopped:
        if not snap.memberships.count(c.id):
            continue
        joined = snap.memberships.latest_join.get(c.id)
        if c.status is not ClubStatus.SUSPENDED:
            found.append(_club(c, c.status_since, "members_after_end", state=c.status.value))
        elif joined is not None and c.status_since is not None and joined > c.status_since:
            # Since the latest join: a later one would be a finding too.
            found.append(_club(c, joined, "joined_while_suspended"))
    return _report("REG-7", len(stopped), found)


def reg_8(snap: Snapshot, policy: Policy) -> RuleReport:
    decided = [r for r in snap.reviews if r.recorded_by is not None]
    names = {c.id: c for c in snap.clubs}
    found = [
        _club(names[r.club_id], r.decided_on, "not_by_reviewer", year=r.year)
        for r in decided
        if r.recorded_by not in snap.reviewers and r.club_id in names
    ]
    return _report("REG-8", len(decided), found)


def reg_10(snap: Snapshot, policy: Policy) -> RuleReport:
    banned = [c for c in snap.clubs if c.status is ClubStatus.BANNED]
    found = [_club(c, c.status_since, "ban_unrecorded") for c in banned if c.last_event != "ban"]
    return _report("REG-10", len(banned), found)


def reg_11(snap: Snapshot, policy: Policy) -> RuleReport:
    gone = [c for c in snap.clubs if c.status is ClubStatus.DISSOLVED]
    found = [
        _club(c, c.status_since, "members_not_freed") for c in gone if snap.memberships.count(c.id)
    ]
    return _report("REG-11", len(gone), found)


def _appointed(snap: Snapshot) -> dict[int, list[ClubFact]]:
    held: dict[int, list[ClubFact]] = defaultdict(list)
    for c in snap.clubs:
        if c.advisor_pk is not None:
            held[c.advisor_pk].append(c)
    return held


def adv_1(snap: Snapshot, policy: Policy) -> RuleReport:
    bank = {a.id for a in snap.advisors}
    held = _appointed(snap)
    found = [
        _club(c, c.advisor_since, "advisor_outside_bank")
        for pk, clubs in held.items()
        if pk not in bank
        for c in clubs
    ]
    return _report("ADV-1", sum(len(v) for v in held.values()), found)


def adv_2(snap: Snapshot, policy: Policy) -> RuleReport:
    by_pk = {a.id: a for a in snap.advisors}
    clubs = [
        c
        for c in _live(snap)
        if c.category in policy.party_advisor_categories and c.advisor_pk is not None
    ]
    found = [
        _club(c, c.advisor_since, "advisor_not_party", advisor=by_pk[c.advisor_pk].name)
        for c in clubs
        if c.advisor_pk in by_pk and not by_pk[c.advisor_pk].party_member
    ]
    return _report("ADV-2", len(clubs), found)


def adv_3(snap: Snapshot, policy: Policy) -> RuleReport:
    clubs = [c for c in _live(snap) if c.term_end is not None]
    found = [
        _club(c, c.term_end, "term_ended", date=c.term_end)
        for c in clubs
        if c.term_end is not None and c.term_end < snap.today
    ]
    return _report("ADV-3", len(clubs), found)


def adv_4(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _appointed(snap)
    found = [
        _advisor(
            a,
            max(c.advisor_since or c.founded for c in held[a.id]),
            "too_many_clubs",
            count=len(held[a.id]),
            limit=policy.max_clubs_per_advisor,
        )
        for a in snap.advisors
        if len(held.get(a.id, [])) > policy.max_clubs_per_advisor
    ]
    return _report("ADV-4", len(held), found)


def adv_5(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _appointed(snap)
    due = add_months(snap.today, -policy.advisor_evaluation_months)
    checked, found = 0, []
    for a in snap.advisors:
        if a.id not in held:
            continue
        checked += 1
        if a.evaluation is not None and not a.evaluation[1]:
            found.append(
                _advisor(a, a.evaluation[2], "failed_still_appointed", year=a.evaluation[0])
            )
        elif (a.evaluation is None or a.evaluation[2] < due) and (
            a.first_appointed is not None and a.first_appointed < due
        ):
            since = add_months(
                a.evaluation[2] if a.evaluation else a.first_appointed,
                policy.advisor_evaluation_months,
            )
            found.append(_advisor(a, since, "not_evaluated"))
    return _report("ADV-5", checked, found)


def org_1(snap: Snapshot, policy: Policy) -> RuleReport:
    found = [
        _student(snap.students[pk], None, "no_formal_status", status=snap.students[pk].status)
        for pk in sorted(snap.memberships.held)
        if pk in snap.students and snap.students[pk].status != StudentStatus.ENROLLED.value
    ]
    return _report("ORG-1", snap.memberships.members, found)


def org_2(snap: Snapshot, policy: Policy) -> RuleReport:
    held = snap.memberships
    if policy.max_clubs_per_student < held.held_over:
        raise ValueError(
            f"a snapshot for a limit of {held.held_over} clubs per student cannot judge "
            f"{policy.max_clubs_per_student}: take it with this policy"
        )
    found = [
        _student(
            snap.students[pk],
            None,
            "too_many_memberships",
            count=n,
            limit=policy.max_clubs_per_student,
        )
        for pk, n in sorted(held.held.items())
        if n > policy.max_clubs_per_student and pk in snap.students
    ]
    checked = held.members
    closed = [w for w in snap.reregistration_windows if w.closes_on < snap.today]
    if closed:
        window = max(closed, key=lambda w: w.year)
        active = [
            c for c in snap.clubs if c.status is ClubStatus.ACTIVE and c.founded < window.opens_on
        ]
        checked += len(active)
        found += [
            _club(c, window.closes_on, "not_reregistered", year=window.year)
            for c in active
            if (c.id, window.year) not in snap.reregistered
        ]
    return _report("ORG-2", checked, found)


def org_3(snap: Snapshot, policy: Policy) -> RuleReport:
    clubs = [c for c in snap.clubs if c.status is ClubStatus.ACTIVE]
    found = []
    for c in clubs:
        due = add_months(c.last_meeting or c.founded, policy.general_meeting_interval_months)
        if due < snap.today:
            found.append(_club(c, due, "meeting_overdue", last=c.last_meeting or "—"))
    return _report("ORG-3", len(clubs), found)


def org_5(snap: Snapshot, policy: Policy) -> RuleReport:
    found = [
        _student(
            snap.students[o.student_pk],
            o.since,
            "officer_rank",
            rank=snap.students[o.student_pk].rank_pct,
            limit=policy.officer_max_rank_pct,
        )
        for o in snap.officers
        if o.student_pk in snap.students
        and snap.students[o.student_pk].rank_pct > policy.officer_max_rank_pct
    ]
    return _report("ORG-5", len(snap.officers), found)


def org_6(snap: Snapshot, policy: Policy) -> RuleReport:
    presidents = {o.club_id: o for o in snap.officers if o.position == "president"}
    clubs = [c for c in _live(snap) if c.category in policy.party_advisor_categories]
    found = []
    for c in clubs:
        head = presidents.get(c.id)
        if head is None:
            found.append(_club(c, c.founded, "no_president"))
        elif snap.students[head.student_pk].political is not Political.PARTY:
            found.append(
                _club(
                    c, head.since, "president_not_party", name=snap.students[head.student_pk].name
                )
            )
    return _report("ORG-6", len(clubs), found)


def org_7(snap: Snapshot, policy: Policy) -> RuleReport:
    presidents = {o.club_id: o for o in snap.officers if o.position == "president"}
    checked, unrecorded, found = 0, 0, []
    for c in _live(snap):
        head = presidents.get(c.id)
        if head is None:
            continue  # no president: ORG-6 and the officers' records say so, not this rule
        if head.election_id is not None:
            checked += 1
        elif c.id in snap.foundings:
            checked += 1
            found.append(_club(c, head.since, "president_not_elected"))
        else:
            unrecorded += 1
    return _report("ORG-7", checked, found, unrecorded)


RULES: dict[str, Callable[[Snapshot, Policy], RuleReport]] = {
    "REG-1": reg_1,
    "REG-2": reg_2,
    "REG-3": reg_3,
    "REG-4": reg_4,
    "REG-5": reg_5,
    "REG-6": reg_6,
    "REG-7": reg_7,
    "REG-8": reg_8,
    "REG-9": lambda snap, policy: RuleReport("REG-9", Standing.IN_PLACE),
    "REG-10": reg_10,
    "REG-11": reg_11,
    "ADV-1": adv_1,
    "ADV-2": adv_2,
    "ADV-3": adv_3,
    "ADV-4": adv_4,
    "ADV-5": adv_5,
    "ORG-1": org_1,
    "ORG-2": org_2,
    "ORG-3": org_3,
    "ORG-4": _union_rule("ORG-4"),
    "ORG-4a": _union_rule("ORG-4a"),
    "ORG-5": org_5,
    "ORG-6": org_6,
    "ORG-7": org_7,
    **{f"SU-{n}": _union_rule(f"SU-{n}") for n in range(1, 15)},
    **{f"ACT-{n}": _activity_rule(f"ACT-{n}") for n in range(1, 13)},
}
GROUPS = ("REG", "ADV", "ORG", "SU", "ACT")


def compute(snap: Snapshot, policy: Policy) -> list[RuleReport]:
    """Every rule's report, in the rulebook's order."""
    terms = rule_terms(policy)
    return [replace(check(snap, policy), terms=terms) for check in RULES.values()]


def rule_terms(policy: Policy) -> tuple[tuple[str, int], ...]:
    """The figures of the policy that rule titles state, by the name their messages use."""
    return (
        ("advisor_limit", policy.max_clubs_per_advisor),
        ("student_limit", policy.max_clubs_per_student),
        ("months", policy.general_meeting_interval_months),
        ("rank_pct", policy.officer_max_rank_pct),
        ("branch_min", policy.branch_min_members),
        ("activities_min", policy.semester_min_activities),
        ("participants_min", policy.activity_min_participants),
        ("report_days", policy.activity_report_days),
    )


def rule_key(rule: str) -> str:
    """`REG-10` -> `reg_10`: the message key of a rule."""
    return rule.lower().replace("-", "_")  # ORG-4a -> org_4a
