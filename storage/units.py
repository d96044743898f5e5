"""Guidance units (REG-2) and the people who represent them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from bot.domain.values import name_key
from storage.models import GuidanceUnitRow, UnitRepRow
from storage.tx import Tx


async def units_by_keys(tx: Tx, keys: list[str]) -> dict[str, GuidanceUnitRow]:
    """Live rows by name key, for imports."""
    stmt = select(GuidanceUnitRow).where(col(GuidanceUnitRow.name_key).in_(keys))
    return {row.name_key: row for row in await tx.session.scalars(stmt)}


async def unit_by_name(tx: Tx, name: str) -> GuidanceUnitRow | None:
    return (await units_by_keys(tx, [name_key(name)])).get(name_key(name))


async def ensure_units(tx: Tx, names: list[str], now: datetime) -> dict[str, int]:
    """Unit ids by name key, creating (without a kind) the units not known yet."""
    keys = {name_key(name): name for name in names}
    found = await units_by_keys(tx, list(keys))
    for key, name in keys.items():
        if key not in found:
            row = GuidanceUnitRow(name=name, name_key=key, kind=None, created_at=now)
            tx.session.add(row)
            found[key] = row
    await tx.session.flush()
    return {key: row.id for key, row in found.items() if row.id is not None}


async def grant_rep(tx: Tx, unit_id: int, user_id: int, now: datetime) -> bool:
    """Record a representative; False when already recorded."""
    stmt = (
        tx.insert(UnitRepRow)
        .values(unit_id=unit_id, user_id=user_id, granted_at=now)
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def revoke_rep(tx: Tx, unit_id: int, user_id: int) -> bool:
    stmt = (
        delete(UnitRepRow)
        .where(col(UnitRepRow.unit_id) == unit_id)
        .where(col(UnitRepRow.user_id) == user_id)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def units_represented_by(tx: Tx, user_id: int) -> list[int]:
    stmt = select(col(UnitRepRow.unit_id)).where(col(UnitRepRow.user_id) == user_id)
    return list(await tx.session.scalars(stmt))
