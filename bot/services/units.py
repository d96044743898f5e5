"""The guidance units staff keep (REG-2): listed, brought back, retired; every change audited."""

from __future__ import annotations

from datetime import datetime

from bot.domain.values import name_key
from storage import audit
from storage import units as units_store
from storage.tx import Tx


async def add_unit(tx: Tx, now: datetime, actor: int | None, name: str, kind: str) -> bool:
    """Add a guidance unit (or bring a retired one back); False if it is current already."""
    found = await units_store.unit_by_name(tx, name)
    if found is not None and not found.retired and found.kind == kind:
        return False
    before = None if found is None else {"kind": found.kind, "retired": found.retired}
    await units_store.list_unit(tx, name, kind, now)
    await audit.append(
        tx, now, actor, "unit.add", subject=f"unit:{name}", before=before, after={"kind": kind}
    )
    return True


async def retire_unit(tx: Tx, now: datetime, actor: int | None, name: str) -> bool:
    """Retire a guidance unit: new applications cannot choose it; False if it was not current."""
    if not await units_store.retire_unit(tx, name_key(name), now):
        return False
    await audit.append(tx, now, actor, "unit.retire", subject=f"unit:{name}")
    return True
