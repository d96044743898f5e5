"""The handle a use case passes to repositories: one session inside one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, UpsertableInsert


@dataclass(frozen=True, slots=True)
class Tx:
    session: AsyncSession
    db: Database

    def insert(self, table: Any) -> UpsertableInsert:
        """An INSERT that supports `on_conflict_do_nothing()` on this backend."""
        return self.db.insert(table)
