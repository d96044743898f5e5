"""The retention sweep (PRIV-3): a clock job that forgets what outlived its purpose."""

from __future__ import annotations

from datetime import datetime

from bot.domain.policy import Policy
from bot.services import privacy
from storage.db import Database
from storage.tx import transact


async def sweep(db: Database, policy: Policy, now: datetime) -> privacy.Swept:
    """One sweep, in one transaction (each part is a single statement)."""
    return await transact(db, lambda tx: privacy.sweep(tx, policy, now))
