"""Leases: a named right that one process holds for a while (e.g. to send the outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import col

from storage.models import LeaseRow
from storage.tx import Tx


async def acquire(tx: Tx, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease until now + ttl; False while another holder's lease runs."""
    create = (
        tx.insert(LeaseRow)
        .values(name=name, holder=holder, until=now + ttl, paused_until=None)
        .on_conflict_do_nothing()
    )
    if (await tx.session.execute(create)).rowcount:  # type: ignore[attr-defined]
        return True
    stmt = (
        update(LeaseRow)
        .where(col(LeaseRow.name) == name)
        .where((col(LeaseRow.holder) == holder) | (col(LeaseRow.until) < now))
        .values(holder=holder, until=now + ttl)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def release(tx: Tx, name: str, holder: str, now: datetime) -> None:
    """Let another process take the lease at once."""
    stmt = (
        update(LeaseRow)
        .where(col(LeaseRow.name) == name)
        .where(col(LeaseRow.holder) == holder)
        .values(until=now)
    )
    await tx.session.execute(stmt)


async def pause(tx: Tx, name: str, until: datetime) -> None:
    """Nobody uses what the lease guards before `until` (a later pause wins)."""
    stmt = (
        update(LeaseRow)
        .where(col(LeaseRow.name) == name)
        .where((col(LeaseRow.paused_until).is_(None)) | (col(LeaseRow.paused_until) < until))
        .values(paused_until=until)
    )
    await tx.session.execute(stmt)


async def paused_until(tx: Tx, name: str) -> datetime | None:
    stmt = select(col(LeaseRow.paused_until)).where(col(LeaseRow.name) == name)
    return (await tx.session.scalars(stmt)).first()
