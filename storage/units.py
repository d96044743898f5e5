"""Guidance units (REG-2) and the people who represent them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import col

from bot.domain.values import name_key
from storage.models import GuidanceUnitRow, UnitRepRow, table_of
from storage.people import menus_due
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    name: str
    kind: str | None  # None for a unit first met in the clubs file
    retired: bool


def _unit(row: GuidanceUnitRow) -> Unit:
    assert row.id is not None
    return Unit(row.id, row.name, row.kind, row.retired_at is not None)


async def _rows_by_keys(tx: Tx, keys: list[str]) -> dict[str, GuidanceUnitRow]:
    stmt = select(GuidanceUnitRow).where(col(GuidanceUnitRow.name_key).in_(keys))
    return {row.name_key: row for row in await tx.session.scalars(stmt)}


async def units_by_keys(tx: Tx, keys: list[str]) -> dict[str, Unit]:
    """Units (retired ones too) by name key."""
    return {key: _unit(row) for key, row in (await _rows_by_keys(tx, keys)).items()}


async def unit_by_name(tx: Tx, name: str) -> Unit | None:
    row = (await _rows_by_keys(tx, [name_key(name)])).get(name_key(name))
    return None if row is None else _unit(row)


async def unit(tx: Tx, unit_id: int) -> Unit | None:
    row = await tx.session.get(GuidanceUnitRow, unit_id)
    return None if row is None else _unit(row)


async def current_units(tx: Tx) -> list[Unit]:
    """REG-2: the units an application may choose (kind known, not retired), by name."""
    stmt = (
        select(GuidanceUnitRow)
        .where(col(GuidanceUnitRow.retired_at).is_(None))
        .where(col(GuidanceUnitRow.kind).is_not(None))
        .order_by(col(GuidanceUnitRow.name_key))
    )
    return [_unit(row) for row in await tx.session.scalars(stmt)]


async def list_unit(tx: Tx, name: str, kind: str, now: datetime) -> None:
    """Add a unit, or give the one of that name key this name and kind and bring it back."""
    key = name_key(name)
    row = (await _rows_by_keys(tx, [key])).get(key)
    if row is None:
        tx.session.add(GuidanceUnitRow(name=name, name_key=key, kind=kind, created_at=now))
    else:
        row.name, row.kind, row.retired_at = name, kind, None
    await tx.session.flush()


async def retire_unit(tx: Tx, key: str, now: datetime) -> bool:
    stmt = (
        update(GuidanceUnitRow)
        .where(col(GuidanceUnitRow.name_key) == key)
        .where(col(GuidanceUnitRow.retired_at).is_(None))
        .values(retired_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def ensure_units(tx: Tx, names: list[str], now: datetime) -> dict[str, int]:
    """Unit ids by name key, creating (without a kind) the units not known yet."""
    keys = {name_key(name): name for name in names}
    found = await _rows_by_keys(tx, list(keys))
    ids = {key: row.id for key, row in found.items() if row.id is not None}
    new = [
        {"name": name, "name_key": key, "kind": None, "created_at": now, "retired_at": None}
        for key, name in keys.items()
        if key not in found
    ]
    # Many rows per statement, their ids returned (the session's flush inserts one by one).
    table = table_of(GuidanceUnitRow)
    for i in range(0, len(new), 500):
        stmt = insert(table).values(new[i : i + 500]).returning(table.c.name_key, table.c.id)
        ids.update((key, pk) for key, pk in (await tx.session.execute(stmt)).all())
    return ids


async def grant_rep(tx: Tx, unit_id: int, user_id: int, now: datetime) -> bool:
    """Record a representative; False when already recorded."""
    stmt = (
        tx.insert(UnitRepRow)
        .values(unit_id=unit_id, user_id=user_id, granted_at=now)
        .on_conflict_do_nothing()
    )
    granted = bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
    if granted:
        await menus_due(tx, [user_id])
    return granted


async def revoke_rep(tx: Tx, unit_id: int, user_id: int) -> bool:
    stmt = (
        delete(UnitRepRow)
        .where(col(UnitRepRow.unit_id) == unit_id)
        .where(col(UnitRepRow.user_id) == user_id)
    )
    revoked = bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
    if revoked:
        await menus_due(tx, [user_id])
    return revoked


async def units_represented_by(tx: Tx, user_id: int) -> list[int]:
    stmt = select(col(UnitRepRow.unit_id)).where(col(UnitRepRow.user_id) == user_id)
    return list(await tx.session.scalars(stmt))


async def unit_reps(tx: Tx, unit_id: int) -> list[int]:
    """The Telegram user ids representing a guidance unit."""
    stmt = select(col(UnitRepRow.user_id)).where(col(UnitRepRow.unit_id) == unit_id)
    return sorted(await tx.session.scalars(stmt))
