"""Apply and revert the Alembic migrations in `storage/migrations/` on a `Database`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL: the advisory lock upgrades take (any 64-bit key no other lock of this project uses;
# these are the bytes of "clubmigr"), so simultaneous upgrades run one after another: the later
# ones find the schema at head and do nothing. SQLite serializes them with its write lock.
MIGRATION_LOCK = 0x636C75626D696772


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision`; processes upgrading at once take turns."""
    async with db.engine.begin() as conn:
        if not db.is_sqlite:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(db: Database, revision: str) -> None:
    """Take the schema down to `revision` ("base" removes every table)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), revision))


async def current(db: Database) -> str | None:
    """The revision the database is at, or None before the first migration."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(_config(None))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
