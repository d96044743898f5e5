"""Every migration walked up and down; the models and the migrations describe one schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage import migrate
from storage.db import Database


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
