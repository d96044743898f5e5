"""Importing the roster, the clubs, the advisor bank and the guidance units from CSV files.

Every import is all rows or none: a file with any bad row imports nothing, and every bad row is
listed with its line number.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.chat.text import number, unsafe_character
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.unions import DegreeLevel, Eligibility, RankBasis
from bot.domain.values import (
    Advisor,
    AdvisorLimitReached,
    Category,
    Club,
    DomainError,
    Political,
    ReviewResult,
    StudentStatus,
    UnitKind,
    name_key,
)
from bot.services import accounts, applications, appointments, reminders
from bot.services.notices import roster as roster_notices
from storage import (
    advisors,
    clubs,
    imports,
    meetings,
    officers,
    outbox,
    people,
    reviews,
    units,
)
from storage import applications as applications_store
from storage import unions as unions_store
from storage.tx import Tx

STUDENT_HEADER = (
    "student_id",
    "name",
    "college",
    "class",
    "status",
    "disciplinary",
    "rank_pct",
    "political",
)
# SU-5: optional columns of the roster; a file without them leaves what is on record.
ELIGIBILITY_COLUMNS = (
    "major",
    "grade",
    "degree_level",
    "major_rank_pct",
    "rank_basis",
    "failed_courses",
)
MAX_GRADE = 8
MAX_FAILED = 99
CLUB_HEADER = ("name", "category", "guidance_unit", "founded")
# Optional columns of the clubs file, for clubs that existed before the bot.
CLUB_EXTRAS = ("president", "advisor", "advisor_term_end", "last_general_meeting", "last_review")
ADVISOR_HEADER = ("staff_id", "name", "department", "party_member")
UNIT_HEADER = ("name", "kind")
MAX_TEXT = 200
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class ImportRejected(Exception):
    """The file has errors; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} {'error' if len(errors) == 1 else 'errors'}")
        self.errors = errors


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships_ended: int = 0
    applications_paused: int = 0  # REG-1: their lead sponsor can no longer sponsor
    # Clubs file: officers and advisors set, meetings and reviews recorded from it.
    presidents: int = 0
    appointments: int = 0
    meetings: int = 0
    reviews: int = 0
    # Existing breaches recorded as they are (not with --strict): one per row, the ledger
    # shows them (ADV-4, ORG-5, SU-1, SU-3).
    warnings: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StudentRecord:
    student_id: str
    name: str
    college: str
    class_name: str
    status: StudentStatus
    disciplinary: bool
    rank_pct: int
    political: Political
    eligibility: Eligibility | None = None  # None: the file has no SU-5 columns


@dataclass(frozen=True, slots=True)
class ClubRecord:
    name: str
    key: str
    category: Category
    guidance_unit: str
    founded: date
    president: str | None = None  # a student_id
    advisor: str | None = None  # a staff_id
    advisor_term_end: date | None = None
    last_general_meeting: date | None = None
    last_review: date | None = None


@dataclass(frozen=True, slots=True)
class AdvisorRecord:
    staff_id: str
    name: str
    department: str
    party_member: bool


@dataclass(frozen=True, slots=True)
class UnitRecord:
    name: str
    key: str
    kind: UnitKind


def read_rows(data: bytes, header: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a UTF-8 CSV (Excel's byte-order mark accepted)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [RowError(0, f"the file is not UTF-8 (byte {exc.start}); save it as CSV UTF-8")]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    found = tuple(name.strip() for name in reader.fieldnames or ())
    missing = [name for name in header if name not in found]
    if missing:
        raise ImportRejected(
            [RowError(1, f"the header lacks {', '.join(missing)}; expected {','.join(header)}")]
        )
    reader.fieldnames = list(found)
    for row in reader:
        if None in row or any(value is None for value in row.values()):
            yield reader.line_num, {}
            continue
        yield reader.line_num, {key: value.strip() for key, value in row.items()}


def _text(row: dict[str, str], name: str) -> str:
    value = row.get(name, "")
    if not value:
        raise ValueError(f"{name} is empty")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is longer than {MAX_TEXT} characters")
    bad = unsafe_character(value)
    if bad:
        raise ValueError(f"{name} contains the invisible or control character {bad}")
    return value


def _choice(row: dict[str, str], name: str, parse: Callable[[str], T], allowed: str) -> T:
    try:
        return parse(row.get(name, ""))
    except ValueError:
        raise ValueError(f"{name} {row.get(name, '')!r} is not one of {allowed}") from None


def _yes_no(value: str) -> bool:
    if value not in ("yes", "no"):
        raise ValueError(value)
    return value == "yes"


def _rank(value: str) -> int:
    rank = number(value, 3)
    if rank is None or rank > 100:
        raise ValueError(value)
    return rank


def _date(row: dict[str, str], name: str) -> date:
    """A date written YYYY-MM-DD; the error says which part is wrong."""
    value = row.get(name, "")
    if not value:
        raise ValueError(f"{name} is empty")
    if not ISO_DATE.fullmatch(value):
        raise ValueError(f"{name} {value!r} is not a date written YYYY-MM-DD (e.g. 2024-09-01)")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"{name} {value}: there is no month {month}")
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days or year < 1:
        month_name = calendar.month_name[month]
        raise ValueError(f"{name} {value}: {month_name} {year} has {days} days, not {day}")
    return date(year, month, day)


def _optional_date(row: dict[str, str], name: str) -> date | None:
    return _date(row, name) if row.get(name) else None


class _Fields:
    """Reads a row's fields, keeping every error rather than stopping at the first, so one
    pass over a file lists everything to fix on each line."""

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.errors: list[str] = []

    def __call__(self, read: Callable[..., Any], *args: Any) -> Any:
        try:
            return read(self.row, *args)
        except ValueError as exc:
            self.errors.append(str(exc))
            return None

    def check(self) -> None:
        if self.errors:
            raise ValueError("; ".join(self.errors))


def _optional_text(row: dict[str, str], name: str) -> str | None:
    return _text(row, name) if row.get(name) else None


def parse_rows(
    data: bytes,
    header: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
) -> tuple[list[tuple[int, T]], list[RowError]]:
    """(line, record) for the good rows, and the bad rows' errors (a row of the wrong width,
    a value `parse` refuses, a key seen before), so that one pass lists every bad row."""
    records: list[tuple[int, T]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, row in read_rows(data, header):
        if not row:
            errors.append(RowError(line, "wrong number of columns"))
            continue
        try:
            record = parse(row)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if key(record) in seen:
            errors.append(RowError(line, f"duplicate of line {seen[key(record)]}"))
            continue
        seen[key(record)] = line
        records.append((line, record))
    return records, errors


def _parse_all(
    data: bytes,
    header: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
) -> list[tuple[int, T]]:
    """(line, record) for every row, or ImportRejected listing every bad row."""
    records, errors = parse_rows(data, header, parse, key)
    if errors:
        raise ImportRejected(errors)
    return records


def _student(row: dict[str, str]) -> StudentRecord:
    f = _Fields(row)
    record = StudentRecord(
        student_id=f(_text, "student_id"),
        name=f(_text, "name"),
        college=f(_text, "college"),
        class_name=f(_text, "class"),
        status=f(_choice, "status", StudentStatus, "|".join(StudentStatus)),
        disciplinary=f(_choice, "disciplinary", _yes_no, "yes|no"),
        rank_pct=f(_choice, "rank_pct", _rank, "0..100"),
        political=f(_choice, "political", Political, "|".join(Political)),
        eligibility=_eligibility(f) if any(c in row for c in ELIGIBILITY_COLUMNS) else None,
    )
    f.check()
    return record


def _optional(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    return lambda value: parse(value) if value else None


def _bounded(top: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        n = number(value, 3)
        if n is None or n > top:
            raise ValueError(value)
        return n

    return parse


def _eligibility(f: _Fields) -> Eligibility:
    """SU-5's optional columns of a roster row, each error kept with the row's others."""
    row = f.row
    grade = f(_choice, "grade", _optional(_bounded(MAX_GRADE)), f"empty or 0..{MAX_GRADE}")
    if grade == 0:
        f.errors.append(f"grade 0 is not a year of study (1..{MAX_GRADE})")
    found = Eligibility(
        major=f(_optional_text, "major"),
        grade=grade or None,
        degree_level=f(
            _choice, "degree_level", _optional(DegreeLevel), "empty or " + "|".join(DegreeLevel)
        ),
        major_rank_pct=f(_choice, "major_rank_pct", _optional(_rank), "empty or 0..100"),
        rank_basis=f(
            _choice, "rank_basis", _optional(RankBasis), "empty or " + "|".join(RankBasis)
        ),
        failed_courses=f(
            _choice, "failed_courses", _optional(_bounded(MAX_FAILED)), f"empty or 0..{MAX_FAILED}"
        ),
    )
    if row.get("rank_basis") and not row.get("major_rank_pct"):
        f.errors.append("rank_basis is given without major_rank_pct")
    return found


def _club(row: dict[str, str]) -> ClubRecord:
    f = _Fields(row)
    name = f(_text, "name")
    record = ClubRecord(
        name=name,
        key=name_key(name or ""),
        category=f(_choice, "category", Category, "|".join(Category)),
        guidance_unit=f(_text, "guidance_unit"),
        founded=f(_date, "founded"),
        president=f(_optional_text, "president"),
        advisor=f(_optional_text, "advisor"),
        advisor_term_end=f(_optional_date, "advisor_term_end"),
        last_general_meeting=f(_optional_date, "last_general_meeting"),
        last_review=f(_optional_date, "last_review"),
    )
    if record.advisor_term_end is not None and not row.get("advisor"):
        f.errors.append("advisor_term_end is given without an advisor")
    f.check()
    return record


def advisor_record(row: dict[str, str]) -> AdvisorRecord:
    """One advisor-bank entry (file row or /hire), checked; ValueError says what is wrong."""
    return _advisor(row)


def _advisor(row: dict[str, str]) -> AdvisorRecord:
    f = _Fields(row)
    record = AdvisorRecord(
        staff_id=f(_text, "staff_id"),
        name=f(_text, "name"),
        department=f(_text, "department"),
        party_member=f(_choice, "party_member", _yes_no, "yes|no"),
    )
    f.check()
    return record


def _unit(row: dict[str, str]) -> UnitRecord:
    f = _Fields(row)
    name = f(_text, "name")
    kind = f(_choice, "kind", UnitKind, "|".join(UnitKind))
    f.check()
    return UnitRecord(name, name_key(name), kind)


def parse_students(data: bytes) -> list[StudentRecord]:
    """Every row of a roster file, or ImportRejected listing every bad row."""
    return [r for _, r in _parse_all(data, STUDENT_HEADER, _student, lambda r: r.student_id)]


def parse_clubs(data: bytes) -> list[tuple[int, ClubRecord]]:
    """(line, record) for every row of a clubs file, or ImportRejected listing every bad row."""
    return _parse_all(data, CLUB_HEADER, _club, lambda r: r.key)


def parse_advisors(data: bytes) -> list[AdvisorRecord]:
    """Every row of an advisors file, or ImportRejected listing every bad row."""
    return [r for _, r in _parse_all(data, ADVISOR_HEADER, _advisor, lambda r: r.staff_id)]


def parse_units(data: bytes) -> list[UnitRecord]:
    """Every row of a units file, or ImportRejected listing every bad row."""
    return [r for _, r in _parse_all(data, UNIT_HEADER, _unit, lambda r: r.key)]


async def import_students(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the roster by student_id; a student who lost formal status leaves every club."""
    records = parse_students(data)
    wanted = {
        record.student_id: {
            "name": record.name,
            "college": record.college,
            "class_name": record.class_name,
            "status": record.status.value,
            "disciplinary": record.disciplinary,
            "rank_pct": record.rank_pct,
            "political": record.political.value,
        }
        for record in records
    }
    done, before = await imports.upsert_students(tx, now, wanted)
    eligible = {r.student_id: r.eligibility for r in records if r.eligibility is not None}
    if eligible:
        await unions_store.upsert_eligibility(tx, now, eligible)
    report = _report(done)
    by_id = {record.student_id: record for record in records}
    unsettled: list[int] = []  # students who may no longer sponsor (REG-1)
    for old in before:
        record = by_id[old.student_id]
        lost_status = old.has_formal_status and record.status != StudentStatus.ENROLLED
        sanctioned = record.disciplinary and not old.disciplinary
        if lost_status:
            await _end_memberships(tx, now, old.id, record.status, report)
        if lost_status or sanctioned:
            unsettled.append(old.id)
    # REG-1: a lead sponsor who can no longer sponsor pauses their open applications now, and
    # staff are told (rather than at the application's next step).
    for student_pk in unsettled:
        for app in await applications_store.of_sponsor(tx, student_pk):
            report.applications_paused += await applications.pause_if_sponsor_lost(tx, now, app)
    return report


def _report(done: imports.Upserted) -> ImportReport:
    return ImportReport(created=done.created, updated=done.updated, unchanged=done.unchanged)


async def _end_memberships(
    tx: Tx, now: datetime, student_pk: int, status: StudentStatus, report: ImportReport
) -> None:
    await people.lock_students(tx, [student_pk])
    held = await clubs.active_memberships(tx, student_pk)
    if not held:
        return
    report.memberships_ended += await clubs.end_memberships(tx, student_pk, now, "status")
    account = await people.account_of_student(tx, student_pk)
    if account is None:
        return
    language = account.language
    for _, club in held:
        text = roster_notices.membership_ended(language, club.name, status)
        key = f"membership-ended:{student_pk}:{club.id}:{now.isoformat()}"
        await outbox.enqueue(tx, key, account.user_id, text, now)


async def import_clubs(
    tx: Tx, now: datetime, data: bytes, *, policy: Policy, cal: Calendar, strict: bool = True
) -> ImportReport:
    """Upsert clubs by normalized name; new clubs are active, existing ones keep their status.

    The optional columns bring in what an existing club already has: its president becomes its
    officer, its advisor is appointed (ADV-2 and ADV-4 checked) until `advisor_term_end`, and
    its last general meeting and annual review are recorded; then its deadlines are computed.
    Not `strict`, an existing breach (an advisor over ADV-4, a president without ORG-5's rank)
    is recorded as it is, with a warning for its row, so that the ledger can show it.
    """
    lines = parse_clubs(data)
    records = [record for _, record in lines]
    unit_ids = await units.ensure_units(tx, [r.guidance_unit for r in records], now)
    wanted = {
        record.key: {
            "name": record.name,
            "category": record.category.value,
            "guidance_unit": record.guidance_unit,
            "unit_id": unit_ids[name_key(record.guidance_unit)],
            "founded": record.founded,
        }
        for record in records
    }
    done, by_key = await imports.upsert_clubs(tx, now, wanted)
    report = _report(done)
    club_list = [by_key[record.key] for record in records]
    errors = await _club_history(tx, now, lines, club_list, report, policy, cal, strict)
    if errors:
        raise ImportRejected(errors)
    await reminders.refresh(tx, policy, cal, now, [club.id for club in club_list])
    return report


async def _club_history(
    tx: Tx,
    now: datetime,
    lines: list[tuple[int, ClubRecord]],
    club_list: list[Club],
    report: ImportReport,
    policy: Policy,
    cal: Calendar,
    strict: bool = True,
) -> list[RowError]:
    """Officers, advisors, meetings and reviews from the optional columns; the bad rows.

    Each kind is read for every club at once and written at once (a file lists every club of
    the university), so the statements do not grow with the rows."""
    today = cal.today(now)
    students = await people.students_by_ids(
        tx, sorted({r.president for _, r in lines if r.president})
    )
    bank = await advisors.advisors_by_staff_ids(
        tx, sorted({r.advisor for _, r in lines if r.advisor})
    )
    errors: dict[int, list[str]] = {}
    presidents: dict[int, int] = {}
    wanted: list[tuple[Club, Advisor, date | None]] = []
    wanted_lines: list[int] = []
    for (line, record), club in zip(lines, club_list, strict=True):
        found = errors.setdefault(line, [])
        for name in ("last_general_meeting", "last_review"):
            day = getattr(record, name)
            if day is not None and day > today:
                found.append(f"{name} {day} is in the future")
        if record.president is not None:
            student = students.get(record.president)
            if student is None:
                found.append(f"president {record.president} is not in the roster")
            elif student.rank_pct > policy.officer_max_rank_pct and strict:
                found.append(_rank_breach(student.student_id, student.rank_pct, policy))
            else:
                if student.rank_pct > policy.officer_max_rank_pct:
                    # Import reality: an existing breach is recorded, the ledger shows it.
                    reason = _rank_breach(student.student_id, student.rank_pct, policy)
                    report.warnings.append(RowError(line, reason))
                presidents[club.id] = student.id
        if record.advisor is not None:
            advisor = bank.get(record.advisor)
            if advisor is None:
                found.append(f"advisor {record.advisor} is not in the advisor bank")
            else:
                wanted.append((club, advisor, record.advisor_term_end))
                wanted_lines.append(line)
    done = await appointments.appoint_many(tx, policy, cal, now, wanted)
    beyond: list[tuple[Club, Advisor, date | None]] = []
    for line, item, outcome in zip(wanted_lines, wanted, done, strict=True):
        if isinstance(outcome, AdvisorLimitReached) and not strict:
            # Import reality: an advisor already beyond ADV-4 is recorded, with a warning.
            beyond.append(item)
            report.warnings.append(RowError(line, roster_notices.refusal(outcome)))
        elif isinstance(outcome, DomainError):
            errors[line].append(roster_notices.refusal(outcome))
        else:
            report.appointments += outcome
    if beyond and not any(errors.values()):
        done = await appointments.appoint_many(tx, policy, cal, now, beyond, over_limit=True)
        report.appointments += sum(outcome is True for outcome in done)
    bad = [RowError(line, reason) for line, found in errors.items() for reason in found]
    if bad:
        return bad  # the import is refused: nothing more is written
    changed = await officers.set_presidents(tx, presidents, now)
    report.presidents += len(changed)
    if changed:
        await accounts.hand_over(tx, now, changed)  # ACT-6: admin rights change hands
    club_ids = [club.id for club in club_list]
    last = await meetings.last_confirmed_of(tx, club_ids)
    held = [
        (club.id, record.last_general_meeting)
        for (_, record), club in zip(lines, club_list, strict=True)
        if record.last_general_meeting is not None
        and (club.id not in last or last[club.id] < record.last_general_meeting)
    ]
    await meetings.record_confirmed(tx, held, now)
    report.meetings += len(held)
    # A club still on the staff's list with a review on record passed it.
    known = await reviews.years_with_result(tx, club_ids)
    passed = [
        (club.id, ReviewResult.PASS, record.last_review)
        for (_, record), club in zip(lines, club_list, strict=True)
        if record.last_review is not None and (club.id, record.last_review.year) not in known
    ]
    await reviews.add_results(tx, passed, now)
    report.reviews += len(passed)
    return []


def _rank_breach(student_id: str, rank: int, policy: Policy) -> str:
    limit = policy.officer_max_rank_pct
    return f"president {student_id}: top {rank}% of the class, not within the top {limit}% (ORG-5)"


async def import_advisors(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the advisor bank (ADV-1) by staff_id."""
    wanted = {
        record.staff_id: {
            "name": record.name,
            "department": record.department,
            "party_member": record.party_member,
        }
        for record in parse_advisors(data)
    }
    return _report(await imports.upsert_advisors(tx, now, wanted))


async def import_units(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the guidance units (REG-2) by normalized name."""
    wanted = {record.key: (record.name, record.kind) for record in parse_units(data)}
    return _report(await imports.upsert_units(tx, now, wanted))


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportRejected([RowError(0, f"cannot read {path}: {exc.strerror}")]) from None
