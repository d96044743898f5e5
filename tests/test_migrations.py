"""Every migration walked up and down; the models and the migrations describe one schema."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage import migrate
from storage.db import Database
from tests.conftest import PG_URL, _pg_schema


async def test_stairway_up_and_down(db: Database) -> None:
    revisions = migrate.revisions()
    assert revisions[:2] == ["0001", "0002"]
    await migrate.downgrade(db, "base")
    assert await migrate.current(db) is None
    previous = "base"
    for revision in revisions:
        await migrate.upgrade(db, revision)
        assert await migrate.current(db) == revision
        await migrate.downgrade(db, previous)
        await migrate.upgrade(db, revision)
        previous = revision


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
            )
        )
    assert diff == []


@pytest.mark.postgres
async def test_simultaneous_upgrades_take_turns_and_all_succeed() -> None:
    """Three processes upgrading a fresh database at once (three engines, each with its own
    connections): each waits for the one before it, then finds the schema at head."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    await _pg_schema("CREATE", schema)
    handles = [Database(PG_URL, schema=schema) for _ in range(3)]
    try:
        # Without the lock they deadlock on the tables they create, or one fails: bound the wait.
        await asyncio.wait_for(asyncio.gather(*(migrate.upgrade(db) for db in handles)), 120)
        assert {await migrate.current(db) for db in handles} == {migrate.revisions()[-1]}
    finally:
        for db in handles:
            await db.dispose()
        await _pg_schema("DROP", schema)
