"""The import files' upserts: students, advisors, guidance units and clubs by their natural keys
(student_id, staff_id, normalized name). A file holds thousands of rows, so they go through the
ORM session, which writes them in batches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlmodel import SQLModel, col

from bot.domain.values import Club, ClubStatus, Student, UnitKind
from storage.clubs import to_club
from storage.models import AdvisorRow, ClubRow, GuidanceUnitRow, StudentRow, table_of
from storage.people import to_student
from storage.tx import Tx

# Column values by column name, as the file gives them (the key column left out).
Values = Mapping[str, object]
CHUNK = 500
R = TypeVar("R", bound=SQLModel)


@dataclass(slots=True)
class Upserted:
    """How many rows an upsert created, updated, and found as the file has them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def _rows(tx: Tx, model: type[R], key: str, keys: list[str]) -> dict[str, R]:
    """Live rows by their key column, read in chunks (a roster may list thousands)."""
    column: Any = getattr(model, key)
    found: dict[str, R] = {}
    for i in range(0, len(keys), CHUNK):
        stmt = select(model).where(col(column).in_(keys[i : i + CHUNK]))
        found.update((getattr(row, key), row) for row in await tx.session.scalars(stmt))
    return found


def _same(row: SQLModel, values: Values) -> bool:
    return all(getattr(row, name) == value for name, value in values.items())


def _set(row: SQLModel, values: Values) -> None:
    for name, value in values.items():
        setattr(row, name, value)


async def upsert_students(
    tx: Tx, now: datetime, wanted: Mapping[str, Values]
) -> tuple[Upserted, list[Student]]:
    """Students by student_id; the counts, and the updated students as they were before."""
    done, before = Upserted(), []
    existing = await _rows(tx, StudentRow, "student_id", list(wanted))
    for student_id, values in wanted.items():
        row = existing.get(student_id)
        if row is None:
            fields = {"student_id": student_id, "updated_at": now, **values}
            tx.session.add(StudentRow.model_validate(fields))
            done.created += 1
        elif _same(row, values):
            done.unchanged += 1
        else:
            before.append(to_student(row))
            _set(row, values)
            row.updated_at = now
            done.updated += 1
    await tx.session.flush()
    return done, before


async def upsert_advisors(tx: Tx, now: datetime, wanted: Mapping[str, Values]) -> Upserted:
    """The advisor bank (ADV-1) by staff_id."""
    done = Upserted()
    existing = await _rows(tx, AdvisorRow, "staff_id", list(wanted))
    for staff_id, values in wanted.items():
        row = existing.get(staff_id)
        if row is None:
            fields = {"staff_id": staff_id, "updated_at": now, **values}
            tx.session.add(AdvisorRow.model_validate(fields))
            done.created += 1
        elif _same(row, values):
            done.unchanged += 1
        else:
            _set(row, values)
            row.updated_at = now
            done.updated += 1
    await tx.session.flush()
    return done


async def upsert_units(
    tx: Tx, now: datetime, wanted: Mapping[str, tuple[str, UnitKind]]
) -> Upserted:
    """Guidance units (REG-2): (name, kind) by normalized name."""
    done = Upserted()
    existing = await _rows(tx, GuidanceUnitRow, "name_key", list(wanted))
    for key, (name, kind) in wanted.items():
        row = existing.get(key)
        if row is None:
            tx.session.add(
                GuidanceUnitRow(name=name, name_key=key, kind=kind.value, created_at=now)
            )
            done.created += 1
        elif row.name == name and row.kind == kind.value:
            done.unchanged += 1
        else:
            row.name, row.kind = name, kind.value
            done.updated += 1
    await tx.session.flush()
    return done


async def upsert_clubs(
    tx: Tx, now: datetime, wanted: Mapping[str, Values]
) -> tuple[Upserted, dict[str, Club]]:
    """Clubs by normalized name: new ones active, existing ones keep their status; the counts,
    and every club of the file by its key."""
    done, clubs = Upserted(), {}
    existing = await _rows(tx, ClubRow, "name_key", list(wanted))
    new: list[dict[str, object]] = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            fields = {"name_key": key, "status": ClubStatus.ACTIVE.value, "created_at": now}
            new.append({"unit_id": None, **values, **fields})
            done.created += 1
            continue
        if _same(row, values):
            done.unchanged += 1
        else:
            _set(row, values)
            done.updated += 1
        clubs[key] = to_club(row)
    await tx.session.flush()
    # Many rows per statement, returned with their ids (the session's flush would insert them
    # one by one to learn each id).
    table = table_of(ClubRow)
    for i in range(0, len(new), CHUNK):
        stmt = insert(table).values(new[i : i + CHUNK]).returning(*table.c)
        clubs.update((row.name_key, to_club(row)) for row in await tx.session.execute(stmt))
    return done, {key: clubs[key] for key in wanted}
