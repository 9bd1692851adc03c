"""F9: Huldt & Lillevik Lønn, the TRS import file (variable payroll data).

Fixed width, 164 characters a record, CRLF, plain ASCII (æøå spelled ae/o/a, anything else
'?'); numbers right-aligned and zero-padded with two implied decimals (1 → 0000000100);
text left-aligned and space-padded. A value wider than its field is refused naming the
field, never cut. The entry's text has no place in this layout. File name
`IT<client number, 4 digits>TRS.HLW` (H&L's own convention: one file per client, so it
carries no period).
"""

from __future__ import annotations

import re
from typing import Any

from skysentral.documents.payroll_entries import PayrollEntry, PayrollRun, render_with
from skysentral.documents.payroll_layout import Field, Layout
from skysentral.domain.errors import PayrollFileInvalid

CONTENT_TYPE = "text/plain; charset=us-ascii"
RECORD_WIDTH = 164

LAYOUT = Layout(
    name="Huldt & Lillevik TRS",
    charset="ascii",
    line_ending="\r\n",
    fields=(
        Field("employee_id", 6, "digits", align="right", pad="0", description="ansattnummer: the payroll number"),
        Field("wage_type", 5, "text", description="lønnsart: the company's wage type"),
        Field("department", 12, "text", description="avdeling: the employee's department"),
        Field("project", 12, "constant", description="prosjekt: blank"),
        *(Field(f"element_{i}", 12, "constant", description=f"element {i}: blank") for i in range(1, 6)),
        Field("date", 6, "ddmmyy", description="dato DDMMYY: the pay date (the period's last day)"),
        Field("quantity", 10, "implied2", align="right", pad="0", description="antall: 1 (0000000100)"),
        Field("rate", 10, "implied2", align="right", pad="0", description="sats: the amount"),
        Field("amount", 13, "implied2", align="right", pad="0", description="beløp"),
        Field("filler", 30, "constant", description="blank"),
    ),
)
assert LAYOUT.record_width == RECORD_WIDTH


def file_name(run: PayrollRun) -> str:
    if not re.fullmatch(r"[0-9]{1,4}", run.client_number or ""):
        raise PayrollFileInvalid(f"client_number must be at most 4 digits for H&L, got {run.client_number!r}.")
    return f"IT{run.client_number.zfill(4)}TRS.HLW"


def record_of(run: PayrollRun, entry: PayrollEntry) -> dict[str, Any]:
    return {
        "employee_id": entry.payroll_number,
        "wage_type": entry.wage_type,
        "department": entry.department,
        "date": run.pay_date,
        "quantity": 100,
        "rate": entry.amount_ore,
        "amount": entry.amount_ore,
    }


def render_entries(run: PayrollRun, entries: list[PayrollEntry]) -> bytes:
    file_name(run)  # a bad client number is refused before anything is written
    return render_with(LAYOUT, entries, lambda e: record_of(run, e))


def parse(content: bytes) -> list[dict[str, Any]]:
    return LAYOUT.parse(content)


def validate(content: bytes) -> list[str]:
    return LAYOUT.validate(content)
