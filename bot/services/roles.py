"""Granting and revoking the roles staff hand out (staff, reviewer), audited."""

from __future__ import annotations

from datetime import datetime

from bot.domain.values import Role
from storage import audit, people
from storage.tx import Tx


async def grant(tx: Tx, now: datetime, actor: int | None, user_id: int, role: Role) -> bool:
    """Grant `role` to a Telegram user id; False when they already held it."""
    changed = await people.grant(tx, user_id, role, now)
    if changed:
        await audit.append(
            tx, now, actor, "role.grant", subject=f"user:{user_id}", after={"role": role.value}
        )
    return changed


async def revoke(tx: Tx, now: datetime, actor: int | None, user_id: int, role: Role) -> bool:
    """Revoke `role`; False when they did not hold it. It counts from their next message."""
    changed = await people.revoke(tx, user_id, role)
    if changed:
        await audit.append(
            tx, now, actor, "role.revoke", subject=f"user:{user_id}", before={"role": role.value}
        )
    return changed
