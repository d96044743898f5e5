"""The audit log: one append-only table, each entry chained to the one before by SHA-256.

Appends are serialized on the chain's head row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
write lock, held since BEGIN, already serializes them), so the chain stays one line however
many transactions append at once. An entry is written in the transaction of the change it
records: a change that rolls back leaves no entry, and no entry exists without its change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from storage.models import AuditHeadRow, AuditRow
from storage.tx import Tx

GENESIS = "0" * 64
HEAD = 1
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    actor: int | None
    action: str
    club_id: int | None
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Broken:
    """The first entry at which the chain does not hold, and why."""

    seq: int
    reason: str


def canonical(value: dict[str, Any] | None) -> str | None:
    """The one JSON text of a value (sorted keys, no spaces), as stored and hashed."""
    if value is None:
        return None
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: int | None,
    action: str,
    club_id: int | None,
    subject: str,
    before: str | None,
    after: str | None,
) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    body = canonical(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "club_id": club_id,
            "subject": subject,
            "before": before,
            "after": after,
        }
    )
    assert body is not None
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


async def _locked_head(tx: Tx) -> AuditHeadRow:
    await tx.session.execute(
        tx.insert(AuditHeadRow).values(id=HEAD, seq=0, hash=GENESIS).on_conflict_do_nothing()
    )
    stmt = select(AuditHeadRow).where(col(AuditHeadRow.id) == HEAD)
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update()
    return (await tx.session.scalars(stmt.execution_options(populate_existing=True))).one()


SUBJECT_MAX = 200  # the column's length


async def append(
    tx: Tx,
    now: datetime,
    actor: int | None,
    action: str,
    *,
    club_id: int | None = None,
    subject: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Append an entry to the chain; its sequence number."""
    head = await _locked_head(tx)
    seq = head.seq + 1
    # The hash covers exactly what is stored, so `verify` can recompute it from the row.
    subject = subject[:SUBJECT_MAX]
    # Stored at microsecond precision, so the hash is recomputed from what is read back.
    at = now.astimezone(UTC)
    before_json, after_json = canonical(before), canonical(after)
    digest = entry_hash(
        head.hash, seq, at, actor, action, club_id, subject, before_json, after_json
    )
    tx.session.add(
        AuditRow(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            club_id=club_id,
            subject=subject,
            before=before_json,
            after=after_json,
            prev_hash=head.hash,
            hash=digest,
        )
    )
    await tx.session.execute(
        update(AuditHeadRow).where(col(AuditHeadRow.id) == HEAD).values(seq=seq, hash=digest)
    )
    await tx.session.flush()
    return seq


def _entry(row: AuditRow) -> Entry:
    return Entry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        club_id=row.club_id,
        subject=row.subject,
        before=json.loads(row.before) if row.before else None,
        after=json.loads(row.after) if row.after else None,
    )


async def of_club(tx: Tx, club_id: int, limit: int | None = None) -> list[Entry]:
    """A club's entries, newest first."""
    stmt = (
        select(AuditRow).where(col(AuditRow.club_id) == club_id).order_by(col(AuditRow.seq).desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_entry(row) for row in await tx.session.scalars(stmt)]


async def verify(tx: Tx) -> tuple[int, Broken | None]:
    """Walk the chain from the start: how many entries, and the first broken one (if any)."""
    expected_seq, prev = 1, GENESIS
    while True:
        stmt = (
            select(AuditRow)
            .where(col(AuditRow.seq) >= expected_seq)
            .order_by(col(AuditRow.seq))
            .limit(CHUNK)
        )
        rows = list(await tx.session.scalars(stmt))
        for row in rows:
            if row.seq != expected_seq:
                return expected_seq - 1, Broken(expected_seq, "missing (deleted)")
            if row.prev_hash != prev:
                return expected_seq - 1, Broken(row.seq, "does not follow the entry before it")
            digest = entry_hash(
                prev,
                row.seq,
                row.at,
                row.actor,
                row.action,
                row.club_id,
                row.subject,
                row.before,
                row.after,
            )
            if digest != row.hash:
                return expected_seq - 1, Broken(row.seq, "altered (its hash does not match)")
            prev, expected_seq = row.hash, expected_seq + 1
        if len(rows) < CHUNK:
            break
    last = expected_seq - 1
    head = await tx.session.get(AuditHeadRow, HEAD)
    if head is not None and (head.seq != last or head.hash != prev):
        return last, Broken(expected_seq, "missing (entries after it were deleted)")
    return last, None
