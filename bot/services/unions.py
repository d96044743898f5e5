"""Importing the student unions' records from CSV files (issue 17): unions, their posts, congress
sessions and representatives, appraisals, trainings, governance events and club branches.

Like the roster's imports, every file is all rows or none: any bad row imports nothing, and every
bad row is listed with every reason. Names are looked up in batches, never a query per row.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from bot.chat.text import number
from bot.domain import annex
from bot.domain.policy import Policy
from bot.domain.union_rules import staff_cap
from bot.domain.unions import (
    HEADS,
    PRESIDIUM,
    AppraisalResult,
    BranchKind,
    CongressKind,
    DepartmentKind,
    EventKind,
    ItemStatus,
    Plan,
    Position,
    Season,
    UnionKind,
    UnionLevel,
)
from bot.domain.values import name_key
from bot.services.roster import (
    ImportRejected,
    ImportReport,
    RowError,
    _choice,
    _date,
    _Fields,
    _optional_date,
    _optional_text,
    _text,
    _yes_no,
    parse_rows,
)
from storage import audit
from storage import unions as store
from storage.tx import Tx

UNION_HEADER = ("name", "kind", "level", "college", "population", "large_or_multi_campus")
UNION_EXTRAS = ("admin_functions", "league_guide", "secretary_general")
POST_HEADER = ("union", "student_id", "position", "department", "term_start")
# The selection trail in the order its steps happen (SU-6), then the term's start.
TRAIL = ("recommended_on", "party_consent_on", "joint_review_on", "decided_on")
CONGRESS_HEADER = (
    "union",
    "kind",
    "held_on",
    "representatives",
    "present",
    "seats",
    "candidates",
)
REPRESENTATIVE_HEADER = ("union", "congress", "student_id", "club", "union_officer")
APPRAISAL_HEADER = ("union", "student_id", "appraised_on", "result", "used_for_awards")
TRAINING_HEADER = ("union", "season", "held_on", "attendees")
EVENT_HEADER = ("union", "kind", "held_on", "note")
BRANCH_HEADER = ("club", "kind", "set_up_on")
MAX_COUNT = 10_000_000
T = TypeVar("T")


def _parse(
    data: bytes,
    header: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
) -> tuple[list[tuple[int, T]], list[RowError]]:
    """(line, record) for the good rows, and the bad rows' errors: the caller checks the good
    ones against the records too, so that one pass lists every bad row of the file."""
    return parse_rows(data, header, parse, key)


def _refuse(errors: list[RowError]) -> None:
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))


def _count(row: dict[str, str], name: str) -> int:
    value = row.get(name, "")
    n = number(value, len(str(MAX_COUNT)))
    if n is None or n > MAX_COUNT:
        raise ValueError(f"{name} {value!r} is not a whole number of people (0..{MAX_COUNT})")
    return n


def _optional_yes_no(row: dict[str, str], name: str) -> bool:
    return bool(row.get(name)) and _choice(row, name, _yes_no, "yes|no")


def _one(values: list[str]) -> str:
    return "|".join(values)


@dataclass(frozen=True, slots=True)
class UnionRecord:
    name: str
    key: str
    values: dict[str, Any]


def _union(row: dict[str, str]) -> UnionRecord:
    f = _Fields(row)
    name = f(_text, "name")
    level = f(_choice, "level", UnionLevel, _one(list(UnionLevel)))
    college = f(_optional_text, "college")
    if level is UnionLevel.COLLEGE and not college:
        f.errors.append("a college-level union names its college")
    values = {
        "name": name,
        "kind": (f(_choice, "kind", UnionKind, _one(list(UnionKind))) or UnionKind.STUDENT).value,
        "level": (level or UnionLevel.SCHOOL).value,
        "college": college,
        "population": f(_count, "population"),
        "large_or_multi_campus": f(_choice, "large_or_multi_campus", _yes_no, "yes|no"),
        **{extra: f(_optional_text, extra) for extra in UNION_EXTRAS},
    }
    f.check()
    return UnionRecord(name, name_key(name), values)


async def import_unions(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the unions by normalized name; a college-level union's college is the roster's."""
    lines, bad = _parse(data, UNION_HEADER, _union, lambda r: r.key)
    known = await store.colleges(tx)
    errors = [
        RowError(line, f"college {r.values['college']!r} is not a college of the roster")
        for line, r in lines
        if r.values["college"] and r.values["college"] not in known
    ]
    _refuse(bad + errors)
    done = await store.upsert_unions(tx, now, {r.key: r.values for _, r in lines})
    return ImportReport(done.created, done.updated, done.unchanged)


@dataclass(frozen=True, slots=True)
class PostRecord:
    union: str
    student_id: str
    position: str
    department: str | None
    department_kind: DepartmentKind
    term_start: date
    term_end: date | None
    from_college_union: bool
    recommended_by: str | None
    decided_by: str | None
    trail: tuple[date | None, ...]
    congress: date | None


def _post(row: dict[str, str]) -> PostRecord:
    f = _Fields(row)
    position = f(_text, "position")
    department = f(_optional_text, "department")
    if position in PRESIDIUM and department:
        f.errors.append(f"{position} is a presidium post: leave department empty")
    if position in (*HEADS, Position.STAFF) and not department:
        f.errors.append(f"{position} is a department post: name the department")
    kind = DepartmentKind.DEPARTMENT
    if row.get("department_kind"):
        kind = f(_choice, "department_kind", DepartmentKind, _one(list(DepartmentKind)))
    term_start = f(_date, "term_start")
    term_end = f(_optional_date, "term_end")
    trail = tuple(f(_optional_date, step) for step in TRAIL)
    steps = [
        (name, day)
        for name, day in zip((*TRAIL, "term_start"), (*trail, term_start), strict=True)
        if day
    ]
    for (first, a), (then, b) in itertools.pairwise(steps):
        if a > b:
            f.errors.append(f"{then} {b} is before {first} {a}")
    if term_start and term_end and term_end <= term_start:
        f.errors.append(f"term_end {term_end} is not after term_start {term_start}")
    record = PostRecord(
        union=f(_text, "union"),
        student_id=f(_text, "student_id"),
        position=position or "",
        department=department,
        department_kind=kind,
        term_start=term_start,
        term_end=term_end,
        from_college_union=f(_optional_yes_no, "from_college_union"),
        recommended_by=f(_optional_text, "recommended_by"),
        decided_by=f(_optional_text, "decided_by"),
        trail=trail,
        congress=f(_optional_date, "congress"),
    )
    f.check()
    return record


async def import_posts(
    tx: Tx, now: datetime, data: bytes, *, policy: Policy | None = None, strict: bool = False
) -> ImportReport:
    """Replace the posts (and departments) of every union the file names with the file's.

    A post outside the fixed list is kept (SU-4 flags it); a person in two presidiums, an unknown
    union, student or congress session, and one department given two kinds are refused. Each
    row beyond a union's staff cap (SU-1, SU-3) is a warning, or with `strict` an error."""
    lines, bad = _parse(data, POST_HEADER, _post, lambda r: f"{name_key(r.union)}\n{r.student_id}")
    unions = await store.unions_by_keys(tx, [name_key(r.union) for _, r in lines])
    pks = await store.student_pks(tx, sorted({r.student_id for _, r in lines}))
    union_ids = sorted({u.id for u in unions.values()})
    sessions = await store.congresses_of(tx, union_ids)
    seated = await store.presidium_seats(tx, list(pks.values()))
    errors: list[RowError] = []
    departments: dict[tuple[int, str], tuple[str, str]] = {}
    kind_line: dict[tuple[int, str], int] = {}
    presidium: dict[str, int] = {}
    posts: list[tuple[int, str | None, dict[str, Any]]] = []
    counted: Counter[int] = Counter()
    warnings: list[RowError] = []
    for line, r in lines:
        reasons = []
        union = unions.get(name_key(r.union))
        pk = pks.get(r.student_id)
        if union is None:
            reasons.append(f"union {r.union!r} is not on record (import unions first)")
        if pk is None:
            reasons.append(f"student {r.student_id} is not in the roster")
        congress_id = None
        if union is not None and r.congress is not None:
            congress_id = sessions.get((union.id, r.congress))
            if congress_id is None:
                reasons.append(f"{r.union} held no congress session on {r.congress}")
        if r.department is None and pk is not None:
            if r.student_id in presidium:
                reasons.append(
                    f"{r.student_id} is already in a presidium (line {presidium[r.student_id]})"
                )
            presidium.setdefault(r.student_id, line)
            elsewhere = seated.get(pk)
            if elsewhere is not None and elsewhere not in union_ids:
                reasons.append(f"{r.student_id} sits in another union's presidium")
        dept_key = None
        if r.department is not None and union is not None:
            dept_key = name_key(r.department)
            key = (union.id, dept_key)
            if key in departments and departments[key][1] != r.department_kind.value:
                reasons.append(
                    f"department {r.department!r} is given another kind on line {kind_line[key]}"
                )
            departments.setdefault(key, (r.department, r.department_kind.value))
            kind_line.setdefault(key, line)
        breach = None
        if union is not None and not reasons:
            counted[union.id] += 1
            cap = staff_cap(policy or Policy(), union)
            if counted[union.id] > cap:
                rule = "SU-1" if union.level is UnionLevel.SCHOOL else "SU-3"
                breach = (
                    f"{r.union}'s person number {counted[union.id]}, over {rule}'s cap of {cap}"
                )
                if strict:
                    reasons.append(breach)
        if reasons:
            errors.append(RowError(line, "; ".join(reasons)))
            continue
        if breach is not None:
            warnings.append(RowError(line, breach))
        assert union is not None
        assert pk is not None
        recommended, consent, review, decided = r.trail
        posts.append(
            (
                union.id,
                dept_key,
                {
                    "student_pk": pk,
                    "position": r.position,
                    "term_start": r.term_start,
                    "term_end": r.term_end,
                    "from_college_union": r.from_college_union,
                    "recommended_by": r.recommended_by,
                    "recommended_on": recommended,
                    "party_consent_on": consent,
                    "joint_review_on": review,
                    "decided_by": r.decided_by,
                    "decided_on": decided,
                    "congress_id": congress_id,
                },
            )
        )
    _refuse(bad + errors)
    created = await store.replace_posts(tx, union_ids, departments, posts)
    return ImportReport(created=created, warnings=warnings)


@dataclass(frozen=True, slots=True)
class CongressRecord:
    union: str
    held_on: date
    values: dict[str, Any]


def _congress(row: dict[str, str]) -> CongressRecord:
    f = _Fields(row)
    representatives, present = f(_count, "representatives"), f(_count, "present")
    seats, candidates = f(_count, "seats"), f(_count, "candidates")
    if representatives is not None and present is not None and present > representatives:
        f.errors.append(f"{present} present but only {representatives} representatives")
    record = CongressRecord(
        union=f(_text, "union"),
        held_on=f(_date, "held_on"),
        values={
            "kind": (
                f(_choice, "kind", CongressKind, _one(list(CongressKind))) or CongressKind.CONGRESS
            ).value,
            "representatives": representatives,
            "present": present,
            "seats": seats,
            "candidates": candidates,
        },
    )
    f.check()
    return record


async def _union_ids(
    tx: Tx, lines: list[tuple[int, Any]], name: Callable[[Any], str | None]
) -> tuple[dict[str, int], list[RowError]]:
    """The unions the rows name, by key, and a row error for each unknown one."""
    wanted = {name_key(n) for _, r in lines if (n := name(r))}
    unions = await store.unions_by_keys(tx, sorted(wanted))
    errors = [
        RowError(line, f"union {name(r)!r} is not on record (import unions first)")
        for line, r in lines
        if name(r) and name_key(name(r) or "") not in unions
    ]
    return {key: u.id for key, u in unions.items()}, errors


def _future(lines: list[tuple[int, Any]], today: date, *names: str) -> list[RowError]:
    return [
        RowError(line, f"{n} {getattr(r, n)} is in the future")
        for line, r in lines
        for n in names
        if getattr(r, n) is not None and getattr(r, n) > today
    ]


async def import_congresses(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Upsert congress sessions by union and day held."""
    lines, bad = _parse(
        data, CONGRESS_HEADER, _congress, lambda r: f"{name_key(r.union)}\n{r.held_on}"
    )
    ids, errors = await _union_ids(tx, lines, lambda r: r.union)
    errors += _future(lines, today, "held_on")
    _refuse(bad + errors)
    wanted = {(ids[name_key(r.union)], r.held_on): r.values for _, r in lines}
    done = await store.upsert_congresses(tx, wanted)
    return ImportReport(done.created, done.updated, done.unchanged)


@dataclass(frozen=True, slots=True)
class RepresentativeRecord:
    union: str
    congress: date
    student_id: str
    club: str | None
    union_officer: bool


def _representative(row: dict[str, str]) -> RepresentativeRecord:
    f = _Fields(row)
    record = RepresentativeRecord(
        union=f(_text, "union"),
        congress=f(_date, "congress"),
        student_id=f(_text, "student_id"),
        club=f(_optional_text, "club"),
        union_officer=f(_choice, "union_officer", _yes_no, "yes|no"),
    )
    f.check()
    return record


async def import_representatives(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Replace the representatives of every congress session the file names; their college,
    grade and major are the roster's at the time of the import."""
    lines, bad = _parse(
        data,
        REPRESENTATIVE_HEADER,
        _representative,
        lambda r: f"{name_key(r.union)}\n{r.congress}\n{r.student_id}",
    )
    ids, errors = await _union_ids(tx, lines, lambda r: r.union)
    sessions = await store.congresses_of(tx, sorted(set(ids.values())))
    pks = await store.student_pks(tx, sorted({r.student_id for _, r in lines}))
    clubs = await store.club_ids(tx, [name_key(r.club) for _, r in lines if r.club])
    students = await store.roster_facts(tx, list(pks.values()))
    rows: list[dict[str, Any]] = []
    congress_ids: set[int] = set()
    for line, r in lines:
        reasons = []
        union_id = ids.get(name_key(r.union))
        congress_id = sessions.get((union_id, r.congress)) if union_id else None
        if union_id is not None and congress_id is None:
            reasons.append(f"{r.union} held no congress session on {r.congress}")
        pk = pks.get(r.student_id)
        if pk is None:
            reasons.append(f"student {r.student_id} is not in the roster")
        if r.club and name_key(r.club) not in clubs:
            reasons.append(f"club {r.club!r} is not on record")
        if reasons:
            errors.append(RowError(line, "; ".join(reasons)))
        if reasons or union_id is None or congress_id is None or pk is None:
            continue
        college, grade, major = students[pk]
        congress_ids.add(congress_id)
        rows.append(
            {
                "congress_id": congress_id,
                "student_pk": pk,
                "college": college,
                "grade": grade,
                "major": major,
                "club": r.club,
                "union_officer": r.union_officer,
            }
        )
    _refuse(bad + errors)
    created = await store.replace_representatives(tx, sorted(congress_ids), rows)
    return ImportReport(created=created)


@dataclass(frozen=True, slots=True)
class AppraisalRecord:
    union: str
    student_id: str
    appraised_on: date
    result: AppraisalResult
    used_for_awards: bool


def _appraisal(row: dict[str, str]) -> AppraisalRecord:
    f = _Fields(row)
    record = AppraisalRecord(
        union=f(_text, "union"),
        student_id=f(_text, "student_id"),
        appraised_on=f(_date, "appraised_on"),
        result=f(_choice, "result", AppraisalResult, _one(list(AppraisalResult))),
        used_for_awards=f(_choice, "used_for_awards", _yes_no, "yes|no"),
    )
    f.check()
    return record


async def import_appraisals(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Upsert appraisals by union, student and day (SU-8)."""
    lines, bad = _parse(
        data,
        APPRAISAL_HEADER,
        _appraisal,
        lambda r: f"{name_key(r.union)}\n{r.student_id}\n{r.appraised_on}",
    )
    ids, errors = await _union_ids(tx, lines, lambda r: r.union)
    pks = await store.student_pks(tx, sorted({r.student_id for _, r in lines}))
    errors += [
        RowError(line, f"student {r.student_id} is not in the roster")
        for line, r in lines
        if r.student_id not in pks
    ]
    errors += _future(lines, today, "appraised_on")
    _refuse(bad + errors)
    wanted = {
        (ids[name_key(r.union)], pks[r.student_id], r.appraised_on): {
            "result": r.result.value,
            "used_for_awards": r.used_for_awards,
        }
        for _, r in lines
    }
    done = await store.upsert_appraisals(tx, wanted)
    return ImportReport(done.created, done.updated, done.unchanged)


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    union: str
    season: Season
    held_on: date
    attendees: int


def _training(row: dict[str, str]) -> TrainingRecord:
    f = _Fields(row)
    record = TrainingRecord(
        union=f(_text, "union"),
        season=f(_choice, "season", Season, _one(list(Season))),
        held_on=f(_date, "held_on"),
        attendees=f(_count, "attendees"),
    )
    f.check()
    return record


async def import_trainings(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Upsert trainings by union and day (SU-12)."""
    lines, bad = _parse(
        data, TRAINING_HEADER, _training, lambda r: f"{name_key(r.union)}\n{r.held_on}"
    )
    ids, errors = await _union_ids(tx, lines, lambda r: r.union)
    errors += _future(lines, today, "held_on")
    _refuse(bad + errors)
    wanted = {
        (ids[name_key(r.union)], r.held_on): {"season": r.season.value, "attendees": r.attendees}
        for _, r in lines
    }
    done = await store.upsert_trainings(tx, wanted)
    return ImportReport(done.created, done.updated, done.unchanged)


@dataclass(frozen=True, slots=True)
class EventRecord:
    union: str | None
    kind: EventKind
    held_on: date
    note: str | None


def _event(row: dict[str, str]) -> EventRecord:
    f = _Fields(row)
    record = EventRecord(
        union=f(_optional_text, "union"),
        kind=f(_choice, "kind", EventKind, _one(list(EventKind))),
        held_on=f(_date, "held_on"),
        note=f(_optional_text, "note"),
    )
    if record.union is None and record.kind is not EventKind.SELF_EVALUATION:
        f.errors.append(f"a {record.kind} names its union")
    f.check()
    return record


async def import_events(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Add governance events (SU-13, SU-14); the university's self-evaluation has no union."""
    lines, bad = _parse(
        data,
        EVENT_HEADER,
        _event,
        lambda r: f"{name_key(r.union or '')}\n{r.kind}\n{r.held_on}",
    )
    ids, errors = await _union_ids(tx, lines, lambda r: r.union)
    errors += _future(lines, today, "held_on")
    _refuse(bad + errors)
    wanted = [
        (ids[name_key(r.union)] if r.union else None, r.kind, r.held_on, r.note) for _, r in lines
    ]
    done = await store.add_events(tx, wanted)
    return ImportReport(done.created, done.updated, done.unchanged)


@dataclass(frozen=True, slots=True)
class BranchRecord:
    club: str
    kind: BranchKind
    set_up_on: date


def _branch(row: dict[str, str]) -> BranchRecord:
    f = _Fields(row)
    record = BranchRecord(
        club=f(_text, "club"),
        kind=f(_choice, "kind", BranchKind, _one(list(BranchKind))),
        set_up_on=f(_date, "set_up_on"),
    )
    f.check()
    return record


async def import_branches(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Upsert the Party and League branches set up in clubs (ORG-4, ORG-4a)."""
    lines, bad = _parse(data, BRANCH_HEADER, _branch, lambda r: f"{name_key(r.club)}\n{r.kind}")
    clubs = await store.club_ids(tx, [name_key(r.club) for _, r in lines])
    errors = [
        RowError(line, f"club {r.club!r} is not on record")
        for line, r in lines
        if name_key(r.club) not in clubs
    ]
    errors += _future(lines, today, "set_up_on")
    _refuse(bad + errors)
    wanted = {(clubs[name_key(r.club)], r.kind): r.set_up_on for _, r in lines}
    done = await store.upsert_branches(tx, wanted)
    return ImportReport(done.created, done.updated, done.unchanged)


PLAN_HEADER = ("item", "status", "planned_on", "obstacle", "owner", "evidence")


def plan_record(row: dict[str, str]) -> tuple[str, Plan]:
    """One work-ledger entry (a file's row, or /plan's), checked; ValueError says what is wrong."""
    f = _Fields(row)
    item = f(_text, "item")
    if item is not None and item not in annex.ITEMS:
        f.errors.append(f"there is no annex item {item!r} (1.1.1 to 2.3.6)")
    status = None
    if row.get("status"):
        entered = _one([s.value for s in annex.ENTERED])
        status = f(_choice, "status", ItemStatus, entered)
        if status is ItemStatus.UNREPORTED:
            f.errors.append(f"status {status} is not one of {entered}")
        rules = annex.ITEMS[item].rules if item in annex.ITEMS else ()
        if rules:
            f.errors.append(f"item {item} is measured by {', '.join(rules)}: leave status empty")
    plan = Plan(
        status=status,
        planned_on=f(_optional_date, "planned_on"),
        obstacle=f(_optional_text, "obstacle"),
        owner=f(_optional_text, "owner"),
        evidence=f(_optional_text, "evidence"),
    )
    f.check()
    return item, plan


async def import_plans(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Staff's work-ledger entries by annex item (status where no record decides, planned
    completion date, obstacle, owner, evidence)."""
    lines, bad = _parse(data, PLAN_HEADER, plan_record, lambda r: r[0])
    _refuse(bad)
    done = await store.save_plans(tx, now, dict(record for _, record in lines), None)
    return ImportReport(done.created, done.updated, done.unchanged)


async def save_plan(tx: Tx, now: datetime, actor: int, item: str, plan: Plan) -> None:
    """One entry from chat (/plan), audited."""
    await store.save_plans(tx, now, {item: plan}, actor)
    await audit.append(
        tx,
        now,
        actor,
        "ledger.plan",
        subject=f"item:{item}",
        after={
            "status": plan.status.value if plan.status else None,
            "planned_on": plan.planned_on,
            "obstacle": plan.obstacle,
            "owner": plan.owner,
            "evidence": plan.evidence,
        },
    )
