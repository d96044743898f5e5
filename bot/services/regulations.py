"""The rules the university issued (the self-examination report's second section), imported
from a CSV file `title,issued_on,number`: all rows or none, every bad row listed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.values import name_key
from bot.services.roster import (
    ImportRejected,
    ImportReport,
    RowError,
    _date,
    _Fields,
    _optional_text,
    _text,
    parse_rows,
)
from storage import audit
from storage import regulations as store
from storage.tx import Tx

HEADER = ("title", "issued_on", "number")


@dataclass(frozen=True, slots=True)
class RegulationRecord:
    title: str
    key: str
    issued_on: date
    number: str | None


def _regulation(row: dict[str, str]) -> RegulationRecord:
    f = _Fields(row)
    title = f(_text, "title")
    issued_on = f(_date, "issued_on")
    number = f(_optional_text, "number")
    f.check()
    return RegulationRecord(title, name_key(title), issued_on, number)


async def import_regulations(tx: Tx, now: datetime, data: bytes, today: date) -> ImportReport:
    """Regulations by title (a title seen again updates its date and number)."""
    lines, bad = parse_rows(data, HEADER, _regulation, lambda r: r.key)
    bad += [
        RowError(line, f"issued_on {r.issued_on} is in the future")
        for line, r in lines
        if r.issued_on > today
    ]
    if bad:
        raise ImportRejected(sorted(bad, key=lambda e: e.line))
    done = await store.save_regulations(
        tx, now, {r.key: (r.title, r.issued_on, r.number) for _, r in lines}
    )
    return ImportReport(done.created, done.updated, done.unchanged)


def regulation_record(row: dict[str, str], today: date) -> RegulationRecord:
    """One regulation typed in chat, checked; ValueError says what is wrong."""
    record = _regulation(row)
    if record.issued_on > today:
        raise ValueError(f"issued_on {record.issued_on} is in the future")
    return record


async def save_regulation(tx: Tx, now: datetime, actor: int, record: RegulationRecord) -> None:
    """One regulation from chat (/regulations add), audited."""
    await store.save_regulations(
        tx, now, {record.key: (record.title, record.issued_on, record.number)}
    )
    await audit.append(
        tx,
        now,
        actor,
        "regulation.save",
        subject=record.title,
        after={"issued_on": record.issued_on, "number": record.number},
    )
