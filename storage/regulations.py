"""The rules the university issued, as staff keep them (the report's second section)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import col

from bot.domain.unions import Regulation
from storage.models import RegulationRow
from storage.tx import Tx
from storage.unions import Written, _upsert


async def all_regulations(tx: Tx) -> list[Regulation]:
    """Every regulation on record, the earliest issued first."""
    stmt = select(RegulationRow).order_by(col(RegulationRow.issued_on), col(RegulationRow.id))
    return [
        Regulation(row.title, row.issued_on, row.number) for row in await tx.session.scalars(stmt)
    ]


async def save_regulations(
    tx: Tx, now: datetime, wanted: Mapping[str, tuple[str, date, str | None]]
) -> Written:
    """Regulations by title key: (title, issued on, document number)."""
    stmt = select(RegulationRow).where(col(RegulationRow.title_key).in_(list(wanted)))
    existing = {row.title_key: row for row in await tx.session.scalars(stmt)}
    values = {
        key: {"title": title, "issued_on": issued_on, "number": number}
        for key, (title, issued_on, number) in wanted.items()
    }
    keys = {key: {"title_key": key, "updated_at": now} for key in wanted}
    for key, row in existing.items():
        if any(getattr(row, name) != value for name, value in values[key].items()):
            row.updated_at = now
    return await _upsert(tx, RegulationRow, existing, values, keys)
