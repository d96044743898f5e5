"""Importing the student roster and the club list from CSV files: all rows or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from bot.domain import Category, ClubStatus, Political, StudentStatus, name_key
from bot.i18n import tr
from bot.text import unsafe_character
from storage import clubs, outbox, people
from storage.models import ClubRow, StudentRow
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
CLUB_HEADER = ("name", "category", "guidance_unit", "founded")
MAX_TEXT = 200

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
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships_ended: int = 0


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


@dataclass(frozen=True, slots=True)
class ClubRecord:
    name: str
    key: str
    category: Category
    guidance_unit: str
    founded: date


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
    if not value.isdigit() or not 0 <= int(value) <= 100:
        raise ValueError(value)
    return int(value)


def _parse_all(
    data: bytes,
    header: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], str],
) -> list[T]:
    records: list[T] = []
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
        records.append(record)
    if errors:
        raise ImportRejected(errors)
    return records


def _student(row: dict[str, str]) -> StudentRecord:
    return StudentRecord(
        student_id=_text(row, "student_id"),
        name=_text(row, "name"),
        college=_text(row, "college"),
        class_name=_text(row, "class"),
        status=_choice(row, "status", StudentStatus, "|".join(StudentStatus)),
        disciplinary=_choice(row, "disciplinary", _yes_no, "yes|no"),
        rank_pct=_choice(row, "rank_pct", _rank, "0..100"),
        political=_choice(row, "political", Political, "|".join(Political)),
    )


def _club(row: dict[str, str]) -> ClubRecord:
    name = _text(row, "name")
    return ClubRecord(
        name=name,
        key=name_key(name),
        category=_choice(row, "category", Category, "|".join(Category)),
        guidance_unit=_text(row, "guidance_unit"),
        founded=_choice(row, "founded", date.fromisoformat, "ISO dates (2024-09-01)"),
    )


def parse_students(data: bytes) -> list[StudentRecord]:
    """Every row of a roster file, or ImportRejected listing every bad row."""
    return _parse_all(data, STUDENT_HEADER, _student, lambda r: r.student_id)


def parse_clubs(data: bytes) -> list[ClubRecord]:
    """Every row of a clubs file, or ImportRejected listing every bad row."""
    return _parse_all(data, CLUB_HEADER, _club, lambda r: r.key)


async def import_students(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert the roster by student_id; a student who lost formal status leaves every club."""
    records = parse_students(data)
    report = ImportReport()
    existing = await people.students_by_ids(tx, [r.student_id for r in records])
    for record in records:
        row = existing.get(record.student_id)
        values: dict[str, object] = {
            "name": record.name,
            "college": record.college,
            "class_name": record.class_name,
            "status": record.status.value,
            "disciplinary": record.disciplinary,
            "rank_pct": record.rank_pct,
            "political": record.political.value,
        }
        if row is None:
            tx.session.add(
                StudentRow.model_validate(
                    {"student_id": record.student_id, "updated_at": now, **values}
                )
            )
            report.created += 1
            continue
        if all(getattr(row, name) == value for name, value in values.items()):
            report.unchanged += 1
            continue
        lost_status = (
            row.status == StudentStatus.ENROLLED and record.status != StudentStatus.ENROLLED
        )
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        report.updated += 1
        if lost_status:
            assert row.id is not None
            await _end_memberships(tx, now, row.id, record.status, report)
    await tx.session.flush()
    return report


async def _end_memberships(
    tx: Tx, now: datetime, student_pk: int, status: StudentStatus, report: ImportReport
) -> None:
    await tx.db.lock_rows(tx.session, "student", [student_pk])
    held = await clubs.active_memberships(tx, student_pk)
    if not held:
        return
    report.memberships_ended += await clubs.end_memberships(tx, student_pk, now, "status")
    account = await people.account_of_student(tx, student_pk)
    if account is None:
        return
    language = account.language
    for _, club in held:
        text = tr(language, "notice.membership_ended", club=club.name, status=status)
        key = f"membership-ended:{student_pk}:{club.id}:{now.isoformat()}"
        await outbox.enqueue(tx, key, account.user_id, text, now)


async def import_clubs(tx: Tx, now: datetime, data: bytes) -> ImportReport:
    """Upsert clubs by normalized name; new clubs are active, existing ones keep their status."""
    records = parse_clubs(data)
    report = ImportReport()
    existing = await clubs.clubs_by_keys(tx, [r.key for r in records])
    for record in records:
        row = existing.get(record.key)
        values: dict[str, object] = {
            "name": record.name,
            "category": record.category.value,
            "guidance_unit": record.guidance_unit,
            "founded": record.founded,
        }
        if row is None:
            fields = {"name_key": record.key, "status": ClubStatus.ACTIVE.value, "created_at": now}
            tx.session.add(ClubRow.model_validate({**values, **fields}))
            report.created += 1
        elif all(getattr(row, name) == value for name, value in values.items()):
            report.unchanged += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            report.updated += 1
    await tx.session.flush()
    return report


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportRejected([RowError(0, f"cannot read {path}: {exc.strerror}")]) from None
