"""The verifiability export: a counted election as a `clubbot-election/1` document that anyone
can recount (`python -m bot.tally`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain import tally
from bot.domain.elections import UnknownElection, WrongPhase
from bot.services.elections import access
from bot.services.elections.clock import rules_of
from bot.services.elections.voting import paper
from storage import elections as elections_store
from storage.tx import Tx


def _utc(at: datetime | None) -> str:
    # The export is read by machines anywhere: UTC, said so.
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "—"


async def export_document(tx: Tx, election_id: int) -> dict[str, Any]:
    """The counted election as a `clubbot-election/1` document: anonymous ballots, receipts,
    candidates and the results recorded at the count (see bot/domain/tally.py)."""
    row = await elections_store.get(tx, election_id)
    if row is None:
        raise UnknownElection()
    counted = [p for p in await paper(tx, election_id) if p.stored.result is not None]
    if row.members is None or not counted:
        raise WrongPhase(phase=row.phase.value)
    club = await access.club_of(tx, row)
    rules = rules_of(row)
    entries = []
    for p in counted:
        ballots = [tally.Ballot(r, c) for r, c in await elections_store.ballots(tx, p.id)]
        entries.append((p.position, ballots, tally.tally(p.position, ballots, rules)))
    meta = {
        "id": election_id,
        "club": club.name,
        "kind": row.kind.value,
        "runoff_of": row.parent_id,
        "voting_opened": _utc(row.voting_opens_at),
        "voting_closed": _utc(row.voting_closes_at),
        "phase": row.phase.value,
    }
    document = tally.to_document(meta, rules, entries)
    # The file carries what was recorded at the count, so the recount checks the record.
    for entry, p in zip(document["positions"], counted, strict=True):
        entry["result"] = p.stored.result
    return document
