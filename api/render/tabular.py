"""CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese) and xlsx workbooks from a ``Document``."""

from __future__ import annotations

import csv
import io
from typing import Any

from api.render.documents import Column, Document

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv(document: Document) -> bytes:
    """The first sheet, a row per unit, Chinese headers; rates as percentages (``80.0%``), empty when unmeasured."""
    sheet = document.sheets[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_text(c, c.value(row)) for c in sheet.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "rate":
        return f"{value * 100:.1f}%"
    return str(value)


def to_xlsx(document: Document) -> bytes:
    """A formatted workbook: a sheet per table (bold frozen header row, widths, percentages), and a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for sheet in document.sheets:
        ws = book.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.rows:
            ws.append([c.value(row) for c in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = column.width + 2
            if column.kind in ("rate", "score"):
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%" if column.kind == "rate" else "0.00"
        ws.freeze_panes = "C2" if sheet.columns[:2] and sheet.columns[1].key == "unit_name" else "A2"
        ws.row_dimensions[1].height = 32
        ws.auto_filter.ref = ws.dimensions
    notes = book.create_sheet("说明")
    notes.append([document.title])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([document.subtitle])
    notes.append([])
    notes.append(["条款/口径", "说明"])
    for cell in notes[4]:
        cell.font, cell.fill = header_font, header_fill
    for heading, text in document.notes:
        notes.append([heading, text])
    notes.column_dimensions["A"].width = 34
    notes.column_dimensions["B"].width = 120
    for (cell,) in notes.iter_rows(min_row=5, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.freeze_panes = "A5"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
