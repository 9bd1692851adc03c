"""F2/F5: a table as CSV, UTF-8 with BOM and CRLF line ends (what Excel opens cleanly).

Two variants: `semicolon` (Norwegian Excel: `;` between fields, decimal comma) and `comma`
(`,` between fields, decimal point). Amounts are kroner with two decimals, no thousands
separator; dates ISO (YYYY-MM-DD), times Europe/Oslo (YYYY-MM-DD HH:MM:SS)."""

from __future__ import annotations

import csv
import io
from typing import Any

from skysentral.documents._table import as_date, as_datetime, nok_text, total_row

VARIANTS = {"semicolon": (";", ","), "comma": (",", ".")}
BOM = "\ufeff"


def _cell(value: Any, kind: str, decimal: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "nok":
        return nok_text(int(value), decimal=decimal, thousands="")
    if kind == "date":
        d = as_date(value)
        return d.isoformat() if d else ""
    if kind == "datetime":
        ts = as_datetime(value)
        return ts.strftime("%Y-%m-%d %H:%M:%S") if ts else ""
    return str(value)


def render(table: dict[str, Any], variant: str = "semicolon") -> bytes:
    """The table's header, rows and total row as CSV bytes (UTF-8 with BOM, CRLF)."""
    delimiter, decimal = VARIANTS[variant]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = table["columns"]
    writer.writerow([c["label"] for c in columns])
    rows = list(table["rows"])
    total = total_row(table)
    if total is not None:
        rows.append(total)
    for row in rows:
        writer.writerow([_cell(row.get(c["key"]), c["type"], decimal) for c in columns])
    return (BOM + out.getvalue()).encode("utf-8")
