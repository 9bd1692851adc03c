"""F9: SAP HCM, infotype 0015 "Additional payments" records for batch input (one record per
entry; the company's batch-input or LSMW recording reads the fields by position).

Fixed width, 58 characters a record, LF, plain ASCII. PERNR zero-padded; SUBTY and LGART
both the wage type (in IT0015 the subtype is the wage type); BEGDA the pay date; BETRG with
'.' and two decimals, right-aligned; ANZHL "1.00"; EINHE blank; WAERS NOK. A value wider
than its field is refused naming the field. File name `IT0015-<company_id>-<period>.txt`.
"""

from __future__ import annotations

from typing import Any

from skysentral.documents.payroll_entries import PayrollEntry, PayrollRun, render_with
from skysentral.documents.payroll_layout import Field, Layout

CONTENT_TYPE = "text/plain; charset=us-ascii"
INFOTYPE = "0015"
RECORD_WIDTH = 58

LAYOUT = Layout(
    name="SAP infotype 0015",
    charset="ascii",
    line_ending="\n",
    fields=(
        Field("PERNR", 8, "digits", align="right", pad="0", description="personnel number: the payroll number"),
        Field("INFTY", 4, "constant", constant=INFOTYPE, description="infotype 0015"),
        Field("SUBTY", 4, "text", description="subtype: the wage type"),
        Field("BEGDA", 8, "yyyymmdd", description="date of origin YYYYMMDD: the pay date"),
        Field("LGART", 4, "text", description="wage type"),
        Field("BETRG", 15, "decimal2", align="right", description="amount, '.' and 2 decimals"),
        Field("ANZHL", 7, "decimal2", align="right", description="number: 1.00"),
        Field("EINHE", 3, "constant", description="unit: blank"),
        Field("WAERS", 5, "constant", constant="NOK", description="currency"),
    ),
)
assert LAYOUT.record_width == RECORD_WIDTH


def file_name(run: PayrollRun) -> str:
    return f"IT{INFOTYPE}-{run.company_id}-{run.period}.txt"


def record_of(run: PayrollRun, entry: PayrollEntry) -> dict[str, Any]:
    return {
        "PERNR": entry.payroll_number,
        "SUBTY": entry.wage_type,
        "BEGDA": run.pay_date,
        "LGART": entry.wage_type,
        "BETRG": entry.amount_ore,
        "ANZHL": 100,
    }


def render_entries(run: PayrollRun, entries: list[PayrollEntry]) -> bytes:
    return render_with(LAYOUT, entries, lambda e: record_of(run, e))


def parse(content: bytes) -> list[dict[str, Any]]:
    return LAYOUT.parse(content)


def validate(content: bytes) -> list[str]:
    return LAYOUT.validate(content)
