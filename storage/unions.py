"""Student unions and their records (SU-1 to SU-14), the roster's SU-5 columns and club
branches (ORG-4): writes for the imports, reads for the ledger and /union, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.domain.unions import (
    DegreeLevel,
    Eligibility,
    RankBasis,
)
from storage.models import StudentEligibilityRow, StudentRow
from storage.tx import Tx

CHUNK = 500


async def student_pks(tx: Tx, student_ids: list[str]) -> dict[str, int]:
    """Student pks by student_id, read in chunks (the unknown ones left out)."""
    found: dict[str, int] = {}
    for i in range(0, len(student_ids), CHUNK):
        stmt = select(col(StudentRow.student_id), col(StudentRow.id)).where(
            col(StudentRow.student_id).in_(student_ids[i : i + CHUNK])
        )
        found.update((sid, pk) for sid, pk in (await tx.session.execute(stmt)).all() if pk)
    return found


def _eligibility_values(e: Eligibility) -> dict[str, Any]:
    return {
        "major": e.major,
        "grade": e.grade,
        "degree_level": e.degree_level.value if e.degree_level else None,
        "major_rank_pct": e.major_rank_pct,
        "rank_basis": e.rank_basis.value if e.rank_basis else None,
        "failed_courses": e.failed_courses,
    }


async def upsert_eligibility(tx: Tx, now: datetime, wanted: Mapping[str, Eligibility]) -> None:
    """SU-5: the roster's eligibility columns by student_id (the students exist by now)."""
    pks = await student_pks(tx, list(wanted))
    existing: dict[int, StudentEligibilityRow] = {}
    keys = list(pks.values())
    for i in range(0, len(keys), CHUNK):
        stmt = select(StudentEligibilityRow).where(
            col(StudentEligibilityRow.student_pk).in_(keys[i : i + CHUNK])
        )
        existing.update((row.student_pk, row) for row in await tx.session.scalars(stmt))
    for student_id, e in wanted.items():
        pk = pks[student_id]
        values = _eligibility_values(e)
        row = existing.get(pk)
        if row is None:
            tx.session.add(StudentEligibilityRow(student_pk=pk, updated_at=now, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
    await tx.session.flush()


def to_eligibility(row: Any) -> Eligibility:
    """An Eligibility from a StudentEligibilityRow (or a row with its columns)."""
    return Eligibility(
        major=row.major,
        grade=row.grade,
        degree_level=DegreeLevel(row.degree_level) if row.degree_level else None,
        major_rank_pct=row.major_rank_pct,
        rank_basis=RankBasis(row.rank_basis) if row.rank_basis else None,
        failed_courses=row.failed_courses,
    )


async def eligibility_of(tx: Tx, student_pks: list[int]) -> dict[int, Eligibility]:
    """The SU-5 columns of these students (those with none left out)."""
    found: dict[int, Eligibility] = {}
    for i in range(0, len(student_pks), CHUNK):
        stmt = select(StudentEligibilityRow).where(
            col(StudentEligibilityRow.student_pk).in_(student_pks[i : i + CHUNK])
        )
        found.update(
            (row.student_pk, to_eligibility(row)) for row in await tx.session.scalars(stmt)
        )
    return found
