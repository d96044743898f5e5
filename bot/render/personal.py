"""A copy of everything held about a student (PRIV-2), as JSON and as a workbook.

Pure functions of their input, run by the front end in a worker thread (`Attachment.content`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.render.workbooks import SHEET_NAME_MAX, Cell, Sheet, xlsx
from bot.services.privacy import HELD_NOT_SHOWN
from storage.privacy import Section


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | date | datetime):
        return value
    return str(value)


def as_json(sections: Sequence[Section], made: datetime) -> bytes:
    """One object: when the copy was made, then each table's rows as objects."""
    body = {
        "made_at": made.isoformat(),
        "tables": {
            s.table: [dict(zip(s.header, row, strict=True)) for row in s.rows] for s in sections
        },
    }
    return json.dumps(body, ensure_ascii=False, indent=2, default=str).encode()


@dataclass(frozen=True, slots=True)
class Words:
    """The workbook in the reader's language: tables and columns by name (a code without
    words stays as it is), the restricted marker, yes and no."""

    tables: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)
    held: str = HELD_NOT_SHOWN
    yes: str = "yes"
    no: str = "no"

    def cell(self, value: Any) -> Cell:
        if value is True or value is False:
            return self.yes if value else self.no
        if value == HELD_NOT_SHOWN:
            return self.held
        return _cell(value)


def as_workbook(sections: Sequence[Section], words: Words | None = None) -> bytes:
    """One sheet per table, for people: in `words` (the JSON copy keeps the codes)."""
    w = words or Words()
    sheets = [
        Sheet(
            w.tables.get(s.table, s.table)[:SHEET_NAME_MAX],
            [w.columns.get(c, c) for c in s.header],
            [[w.cell(v) for v in row] for row in s.rows],
        )
        for s in sections
    ]
    return xlsx(sheets)
