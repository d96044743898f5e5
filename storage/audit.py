"""The audit log: one append-only table, each entry chained to the one before by SHA-256.

Appends are serialized on the chain's head row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
write lock, held since BEGIN, already serializes them), so the chain stays one line however
many transactions append at once. An entry is written in the transaction of the change it
records: a change that rolls back leaves no entry, and no entry exists without its change.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
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


# The fields of an entry that may name a person (PRIV-2, PRIV-3). Each is sealed apart: the
# chain covers a salted hash of it, not its value, so a field can be pseudonymised later (its
# value replaced by ERASED's, its salt dropped) and the chain still verifies; without the salt,
# nobody can test a guess (a Telegram number) against the hash that stays.
PERSONAL_FIELDS = ("actor", "subject", "before", "after")
ERASED: dict[str, Any] = {"actor": None, "subject": "erased", "before": None, "after": None}


def _field_hash(salt: str, value: Any) -> str:
    return hashlib.sha256(f"{salt}\n{json.dumps(value)}".encode()).hexdigest()


def _seal(fields: dict[str, Any]) -> dict[str, list[str]]:
    """Each field's [digest, salt]."""
    sealed = {}
    for name in PERSONAL_FIELDS:
        salt = secrets.token_hex(16)
        sealed[name] = [_field_hash(salt, fields[name]), salt]
    return sealed


def sealed_hash(
    prev_hash: str, seq: int, at: datetime, action: str, club_id: int | None, seal: dict[str, Any]
) -> str:
    """SHA-256 over the previous hash and the entry, its personal fields by their digests."""
    body = canonical(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": action,
            "club_id": club_id,
            "sealed": {name: seal[name][0] for name in PERSONAL_FIELDS},
        }
    )
    assert body is not None
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _seal_holds(row: AuditRow, seal: dict[str, Any]) -> bool:
    """Each field matches its digest, or was pseudonymised (no salt) and holds ERASED's value."""
    for name in PERSONAL_FIELDS:
        value = getattr(row, name)
        digest, *salt = seal[name]
        if salt:
            if _field_hash(salt[0], value) != digest:
                return False
        elif value != ERASED[name]:
            return False
    return True


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
    seal = _seal({"actor": actor, "subject": subject, "before": before_json, "after": after_json})
    digest = sealed_hash(head.hash, seq, at, action, club_id, seal)
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
            seal=json.dumps(seal),
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
            if row.seal is None:
                # Written before entries were sealed: hashed over the values themselves.
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
                holds = True
            else:
                seal = json.loads(row.seal)
                digest = sealed_hash(prev, row.seq, row.at, row.action, row.club_id, seal)
                holds = _seal_holds(row, seal)
            if digest != row.hash or not holds:
                return expected_seq - 1, Broken(row.seq, "altered (its hash does not match)")
            prev, expected_seq = row.hash, expected_seq + 1
        if len(rows) < CHUNK:
            break
    last = expected_seq - 1
    head = await tx.session.get(AuditHeadRow, HEAD)
    if head is not None and (head.seq != last or head.hash != prev):
        return last, Broken(expected_seq, "missing (entries after it were deleted)")
    return last, None


async def pseudonymise(tx: Tx, actors: list[int], subjects: list[str], mention: str) -> int:
    """PRIV-2: in every sealed entry naming a person (as its actor, by a subject, or with
    `mention` in what changed), replace those fields with ERASED's values and drop their
    salts; the chain still verifies. Entries written before sealing stay as they are. How many
    entries changed."""
    quoted = f'%"{mention}"%'
    stmt = select(AuditRow).where(
        col(AuditRow.seal).is_not(None),
        or_(
            col(AuditRow.actor).in_(actors or [-1]),
            col(AuditRow.subject).in_(subjects or [""]),
            col(AuditRow.before).like(quoted),
            col(AuditRow.after).like(quoted),
        ),
    )
    changed = 0
    for row in await tx.session.scalars(stmt):
        assert row.seal is not None
        seal = json.loads(row.seal)
        naming = {
            "actor": row.actor is not None and row.actor in actors,
            "subject": row.subject in subjects,
            "before": row.before is not None and f'"{mention}"' in row.before,
            "after": row.after is not None and f'"{mention}"' in row.after,
        }
        for name, names in naming.items():
            if names:
                setattr(row, name, ERASED[name])
                seal[name] = seal[name][:1]
        row.seal = json.dumps(seal)
        changed += 1
    await tx.session.flush()
    return changed
