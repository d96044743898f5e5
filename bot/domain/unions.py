"""Student unions as the self-examination sees them (SU-1 to SU-14): the fixed lists and the
records the ledger's union rules read, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class UnionKind(StrEnum):
    STUDENT = "student"
    GRADUATE = "graduate"


class UnionLevel(StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"


class Position(StrEnum):
    """The fixed list of union posts (SU-4): the presidium's, then a department's."""

    PRESIDENT = "president"
    VICE_PRESIDENT = "vice_president"
    ROTATING_EXEC_PRESIDENT = "rotating_exec_president"
    HEAD = "head"
    DEPUTY_HEAD = "deputy_head"
    STAFF = "staff"


PRESIDIUM = frozenset(
    {Position.PRESIDENT, Position.VICE_PRESIDENT, Position.ROTATING_EXEC_PRESIDENT}
)
HEADS = frozenset({Position.HEAD, Position.DEPUTY_HEAD})


class DepartmentKind(StrEnum):
    """SU-10: working departments only; the others are standing bodies the rule forbids."""

    DEPARTMENT = "department"
    CENTRE = "centre"
    PROJECT_OFFICE = "project_office"


class DegreeLevel(StrEnum):
    UNDERGRAD = "undergrad"
    COLLEGE = "college"  # junior-college (专科) students
    MASTER = "master"
    PHD = "phd"


GRADUATE_LEVELS = frozenset({DegreeLevel.MASTER, DegreeLevel.PHD})


class RankBasis(StrEnum):
    """SU-5: what a major rank is computed over."""

    SEMESTER = "semester"
    YEAR = "year"
    ENROLMENT = "enrolment"


class CongressKind(StrEnum):
    CONGRESS = "congress"
    ASSEMBLY = "assembly"  # all-student assembly, for a small college (SU-11)


class Season(StrEnum):
    SPRING = "spring"
    AUTUMN = "autumn"


class AppraisalResult(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"


class EventKind(StrEnum):
    """Governance events (SU-13, SU-14; annex part 1, items 7, 9 and 10)."""

    PARTY_HEARING = "party_hearing"
    MAJOR_MATTER_REPORT = "major_matter_report"
    DISCIPLINE_CASE = "discipline_case"
    SELF_EVALUATION = "self_evaluation"


class BranchKind(StrEnum):
    PARTY = "party"
    LEAGUE = "league"


class ItemStatus(StrEnum):
    DONE = "done"  # 已落实
    PARTIAL = "partial"  # 部分落实
    NOT_DONE = "not_done"  # 未落实
    NOT_APPLICABLE = "not_applicable"  # 不适用
    UNREPORTED = "unreported"  # nothing decides it yet: staff have not entered it


@dataclass(frozen=True, slots=True)
class Plan:
    """What staff entered for an item: its status (items no record decides), the planned
    completion date, what stands in the way, who owns it, the evidence."""

    status: ItemStatus | None = None
    planned_on: date | None = None
    obstacle: str | None = None
    owner: str | None = None
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class Eligibility:
    """A student's SU-5 columns from the roster (each may be unknown)."""

    major: str | None = None
    grade: int | None = None
    degree_level: DegreeLevel | None = None
    major_rank_pct: int | None = None
    rank_basis: RankBasis | None = None
    failed_courses: int | None = None


@dataclass(frozen=True, slots=True)
class UnionFact:
    id: int
    name: str
    kind: UnionKind
    level: UnionLevel
    college: str | None
    population: int
    large_or_multi_campus: bool
    admin_functions: str | None = None
    league_guide: str | None = None
    secretary_general: str | None = None


@dataclass(frozen=True, slots=True)
class DepartmentFact:
    id: int
    union_id: int
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class PostFact:
    union_id: int
    student_pk: int
    department_id: int | None  # None: the presidium
    position: str
    term_start: date
    from_college_union: bool = False
    recommended_on: date | None = None
    party_consent_on: date | None = None
    joint_review_on: date | None = None
    decided_on: date | None = None
    congress_id: int | None = None
    term_end: date | None = None

    @property
    def presidium(self) -> bool:
        return self.department_id is None


@dataclass(frozen=True, slots=True)
class CongressFact:
    id: int
    union_id: int
    kind: CongressKind
    held_on: date
    representatives: int
    present: int
    seats: int
    candidates: int


@dataclass(frozen=True, slots=True)
class RepresentativeFact:
    congress_id: int
    student_pk: int
    college: str
    grade: int | None
    major: str | None
    club: str | None
    union_officer: bool


@dataclass(frozen=True, slots=True)
class AppraisalFact:
    union_id: int
    student_pk: int
    appraised_on: date
    result: AppraisalResult
    used_for_awards: bool


@dataclass(frozen=True, slots=True)
class TrainingFact:
    union_id: int
    season: Season
    held_on: date
    attendees: int


@dataclass(frozen=True, slots=True)
class EventFact:
    union_id: int | None  # None: the university's (a published self-evaluation)
    kind: EventKind
    held_on: date


@dataclass(frozen=True, slots=True)
class EnrolledFact:
    """Enrolled students as union coverage sees them (SU-7): one of the distinct combinations
    of college, grade, major and level (graduate or not) they hold."""

    college: str
    grade: int | None
    major: str | None
    graduate: bool = False  # a master's or doctoral student (served by graduate unions)


@dataclass(frozen=True, slots=True)
class UnionData:
    """Every union record, and what the union rules need to know about students and clubs."""

    unions: list[UnionFact] = field(default_factory=list)
    departments: list[DepartmentFact] = field(default_factory=list)
    posts: list[PostFact] = field(default_factory=list)
    congresses: list[CongressFact] = field(default_factory=list)
    representatives: list[RepresentativeFact] = field(default_factory=list)
    appraisals: list[AppraisalFact] = field(default_factory=list)
    trainings: list[TrainingFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)
    eligibility: dict[int, Eligibility] = field(default_factory=dict)  # post holders', by pk
    enrolled: list[EnrolledFact] = field(default_factory=list)  # distinct, not per student
    branches: dict[int, dict[BranchKind, date]] = field(default_factory=dict)  # by club id
    plans: dict[str, Plan] = field(default_factory=dict)  # the work ledger's, by annex item


def in_fixed_list(position: str) -> bool:
    """SU-4: whether a post is one of the fixed list."""
    return position in Position.__members__.values()


@dataclass(frozen=True, slots=True)
class Regulation:
    """A rule the university issued for its unions and clubs (the report's second section)."""

    title: str
    issued_on: date
    number: str | None = None  # the document number, e.g. 校党发〔2020〕12号
