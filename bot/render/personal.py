"""A copy of everything held about a student (PRIV-2), as JSON and as a workbook.

Pure functions of their input, run by the front end in a worker thread (`Attachment.content`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.render.workbooks import SHEET_NAME_MAX, Cell, Sheet, xlsx
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


def as_workbook(sections: Sequence[Section]) -> bytes:
    """One sheet per table."""
    sheets = [
        Sheet(s.table[:SHEET_NAME_MAX], s.header, [[_cell(v) for v in row] for row in s.rows])
        for s in sections
    ]
    return xlsx(sheets)
