"""Tables as files: an .xlsx workbook (openpyxl) or CSV, from plain rows.

Pure functions of their input, run by the front end in a worker thread (`Attachment.content`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Cell = str | int | float | date | datetime | None
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
# Excel's limit on a sheet's name.
SHEET_NAME_MAX = 31


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _plain(value: Cell) -> Cell:
    # A cell that starts like a formula is stored as text, so a name cannot run in Excel.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _dated(ws: Any, value: Cell) -> Any:
    """A date as a date ("2027-03-31", not "2027-03-31 00:00:00"), a moment to the minute."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=datetime(value.year, value.month, value.day))
        cell.number_format = "yyyy-mm-dd"
        return cell
    return _plain(value)


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per `Sheet`, a bold header row, and sensible column widths.

    Written in openpyxl's write-only mode, row by row (several times faster for thousands of
    rows, and the thread building it holds the interpreter's lock shorter)."""
    # Imported here: openpyxl is needed only when staff export, not at every start of the bot.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:SHEET_NAME_MAX])
        widths = [len(h) for h in sheet.header]
        for row in sheet.rows:
            for i, value in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], min(len(str(value)) if value is not None else 0, 60))
        # Widths and the frozen header go before the rows in a write-only sheet.
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width + 2
        ws.freeze_panes = "A2"
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(ws, value=title)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_dated(ws, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel shows Chinese names right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
