"""F2/F5: a table as an Excel workbook (xlsx, openpyxl).

Real numbers, not text: amounts in kroner with the number format `# ##0.00`, counts as
integers (`0`), dates and times as Excel dates. A bold header row, the panes frozen below
it, column widths from the content, a bold total row, and a second sheet with the filters."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs in the lock
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from skysentral.documents._table import as_date, as_datetime, kroner, total_row

NOK_FORMAT = "# ##0.00"
INT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = 50


def _value(value: Any, kind: str) -> tuple[Any, str | None]:
    if value is None or value == "":
        return None, None
    if kind == "nok":
        return kroner(value), NOK_FORMAT
    if kind == "int":
        return int(value), INT_FORMAT
    if kind == "date":
        return as_date(value), DATE_FORMAT
    if kind == "datetime":
        return as_datetime(value), DATETIME_FORMAT
    return str(value), None


def render(table: dict[str, Any], sheet_title: str = "Rapport") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    columns = table["columns"]
    bold = Font(bold=True)
    ws.append([c["label"] for c in columns])
    for cell in ws[1]:
        cell.font = bold
    widths = [len(c["label"]) for c in columns]
    rows = list(table["rows"])
    total = total_row(table)
    for n, row in enumerate(rows + ([total] if total else []), start=2):
        for i, col in enumerate(columns, start=1):
            value, fmt = _value(row.get(col["key"]), col["type"])
            cell = ws.cell(row=n, column=i, value=value)
            if fmt:
                cell.number_format = fmt
            if total is not None and row is total:
                cell.font = bold
            shown = len(f"{value:,.2f}") if isinstance(value, float) else len(str(value)) if value is not None else 0
            widths[i - 1] = max(widths[i - 1], min(shown, MAX_WIDTH))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    ws.freeze_panes = "A2"
    info = wb.create_sheet("Filtre")
    info.append(["Rapport", table.get("title", "")])
    for key, value in (table.get("filters") or {}).items():
        info.append([key, ", ".join(map(str, value)) if isinstance(value, list) else value])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
