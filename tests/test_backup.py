"""`clubbot backup`: a backup taken while the bot writes restores to a database whose audit chain
verifies, with every change of the chain up to one moment and nothing half-written."""

from __future__ import annotations

import asyncio
import os
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from storage import audit, migrate
from storage.backup import BackupFailed, backup
from storage.db import Database
from storage.tx import Tx
from tests.conftest import PG_URL, MakeDb

WRITERS = 4


async def _append(db: Database, i: int) -> None:
    async with db.transaction() as session:
        await audit.append(
            Tx(session, db), datetime.now(UTC), None, "load", subject=f"n:{i}", after={"i": i}
        )


async def _under_load(db: Database, take: asyncio.Future[None]) -> int:
    """Audited writes from several tasks until the backup is done; how many were written."""
    written = 0

    async def writer(w: int) -> None:
        nonlocal written
        i = 0
        while not take.done():
            await _append(db, w * 100_000 + i)
            written += 1
            i += 1
            await asyncio.sleep(0)

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return written


async def _chain(db: Database) -> int:
    async with db.transaction() as session:
        count, broken = await audit.verify(Tx(session, db))
    assert broken is None, broken
    return count


async def test_sqlite_backup_under_load_restores_and_verifies(
    make_db: MakeDb, tmp_path: Path
) -> None:
    db = await make_db("sqlite")
    for i in range(50):
        await _append(db, -i - 1)
    out = tmp_path / "backups" / "clubbot.db"
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def take() -> None:
        for _ in range(3):  # the last copy wins: each is a whole state
            await backup(db, out)
            await asyncio.sleep(0.01)
        done.set_result(None)

    written, _ = await asyncio.gather(_under_load(db, done), take())
    assert written > 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not out.with_name(out.name + ".partial").exists()
    restored = Database(f"sqlite:///{out}")
    try:
        assert await migrate.current(restored) == migrate.revisions()[-1]
        copied = await _chain(restored)
        assert 50 <= copied <= 50 + written
    finally:
        await restored.dispose()
    assert await _chain(db) == 50 + written


async def test_a_missing_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nothing' / 'here.db'}")
    try:
        (tmp_path / "nothing" / "here.db").unlink(missing_ok=True)
        with pytest.raises(BackupFailed, match="does not exist"):
            await backup(db, tmp_path / "out.db")
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_postgres_backup_under_load_restores_and_verifies(
    make_db: MakeDb, tmp_path: Path
) -> None:
    """pg_dump while four tasks append to the audit chain; pg_restore into a new database."""
    db = await make_db("postgres")
    for i in range(50):
        await _append(db, -i - 1)
    out = tmp_path / "clubbot.dump"
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def take() -> None:
        await backup(db, out)
        done.set_result(None)

    written, _ = await asyncio.gather(_under_load(db, done), take())
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_URL.replace("postgresql://", "postgres://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        target = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        restore = await asyncio.create_subprocess_exec(
            "pg_restore",
            "--no-owner",
            f"--dbname={target}",
            str(out),
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await restore.communicate()
        assert restore.returncode == 0, errors.decode()
        restored = Database(target, schema=db.schema)
        try:
            assert await migrate.current(restored) == migrate.revisions()[-1]
            assert 50 <= await _chain(restored) <= 50 + written
        finally:
            await restored.dispose()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
