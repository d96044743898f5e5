"""Backups that are consistent while the bot runs: SQLite's online backup API, or `pg_dump`."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import Database, sqlite_file


class BackupFailed(Exception):
    """The backup could not be written; the message says why."""


async def backup(db: Database, out: Path) -> str:
    """Write a backup of the database to `out` (readable by its owner only); what was written.

    SQLite: a copy of the file made page by page from one read transaction, so it is one
    consistent state while the bot goes on writing (WAL lets writers go on during the read).
    PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore` (README, "Backups").
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if db.is_sqlite:
        source = sqlite_file(db.url)
        if source is None:
            raise BackupFailed("an in-memory database has nothing to back up")
        await asyncio.to_thread(_sqlite_backup, Path(source), out)
        return f"SQLite database {source}"
    return await _pg_dump(db, out)


def _sqlite_backup(source: Path, out: Path) -> None:
    if not source.exists():
        raise BackupFailed(f"{source} does not exist")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one state
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(partial, 0o600)
    partial.replace(out)  # never a half-written file under the final name


async def _pg_dump(db: Database, out: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    url = make_url(db.url).set(drivername="postgresql")
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={out}"]
    if db.schema is not None:
        command.append(f"--schema={db.schema}")
    environment = {**os.environ}
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)  # never on the command line
    command.append(url.set(password=None).render_as_string(hide_password=False))
    process = await asyncio.create_subprocess_exec(
        *command, env=environment, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {errors.decode(errors='replace').strip()}")
    os.chmod(out, 0o600)
    return f"PostgreSQL database {url.database} (pg_dump, custom format)"
