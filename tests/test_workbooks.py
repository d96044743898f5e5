"""Workbooks written row by row (openpyxl's write-only mode) keep what staff read them for: a
bold header, frozen under the panes, columns as wide as their contents, formulas as text."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.render.workbooks import Sheet, xlsx


def test_header_widths_panes_and_values() -> None:
    rows = [["Chess Club", 12, date(2026, 3, 1)], ["=HYPERLINK(1)", None, None]]
    data = xlsx([Sheet("clubs", ["name", "members", "founded"], rows), Sheet("empty", ["x"], [])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["clubs", "empty"]
    ws = book["clubs"]
    assert [c.value for c in ws[1]] == ["name", "members", "founded"]
    assert all(c.font.bold for c in ws[1])
    assert not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "Chess Club"
    assert ws["B2"].value == 12
    assert ws["C2"].value.date() == date(2026, 3, 1)
    assert ws["A3"].value == "'=HYPERLINK(1)"  # stored as text, not run
    assert ws.column_dimensions["A"].width == len("=HYPERLINK(1)") + 2
    assert ws.column_dimensions["B"].width == len("members") + 2


def test_dates_are_written_as_dates_and_moments_to_the_minute() -> None:
    """Found by the play-test: "2027-03-31 00:00:00" in the ledger's workbook."""
    import io
    from datetime import date, datetime

    from openpyxl import load_workbook

    from bot.render.workbooks import Sheet, xlsx

    data = xlsx([Sheet("s", ["d", "m"], [[date(2027, 3, 31), datetime(2027, 3, 31, 9, 5)]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
