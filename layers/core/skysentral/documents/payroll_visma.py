"""F9: Visma Lønn, "Lønnsregistrering standard format" (import of variable payroll data).

Semicolon-separated, '.' as decimal separator, no header line, CRLF, Windows-1252 (what
cp1252 lacks becomes '?'), one line per entry. The columns are Visma's standard ones
(WgRegLn.* in "Lønnsregistrering Standard format.ifs") plus a last column with the entry's
text: the company imports with a copy of that .ifs with the text column added
(docs/payroll-files.md). File name `visma-<company_id>-<period>.csv`.
"""

from __future__ import annotations

from typing import Any

from skysentral.documents.payroll_entries import PayrollEntry, PayrollRun, render_with
from skysentral.documents.payroll_layout import Field, Layout

CONTENT_TYPE = "text/csv; charset=windows-1252"
TEXT_MAX = 40

LAYOUT = Layout(
    name="Visma Lønn",
    separator=";",
    charset="cp1252",
    line_ending="\r\n",
    fields=(
        Field("year", 4, "digits", description="WgRegLn.WgYr, lønnsår: the period's year (YYYY)"),
        Field("run_number", 0, "digits", description="WgRegLn.RunNo, lønnskjøringsnummer"),
        Field("employee_number", 0, "digits", description="WgRegLn.EmpNo, ansattnummer: the payroll number"),
        Field("wage_type", 0, "digits", description="WgRegLn.WgSrt, lønnsart: the company's wage type"),
        Field("basis", 0, "constant", description="WgRegLn.Bas, grunnlag: empty"),
        Field("quantity", 0, "constant", constant="1", description="WgRegLn.Qty, antall: 1"),
        Field("rate", 0, "decimal2", description="WgRegLn.Rate, sats: the amount, 2 decimals"),
        Field("amount", 0, "decimal2", description="WgRegLn.Am, beløp: 2 decimals, e.g. 366.00"),
        Field("account", 0, "constant", description="WgRegLn.AcNo, konto: empty (the wage type's own)"),
        Field("contra_account", 0, "constant", description="WgRegLn.AgAcNo, motkonto: empty"),
        Field("r1", 0, "text", description="WgRegLn.R1, avdeling: the employee's department"),
        Field("r2", 0, "constant", description="WgRegLn.R2, prosjekt: empty"),
        Field("r3", 0, "constant", description="WgRegLn.R3: empty"),
        Field("r4", 0, "constant", description="WgRegLn.R4: empty"),
        Field("r5", 0, "constant", description="WgRegLn.R5: empty"),
        Field("r6", 0, "constant", description="WgRegLn.R6: empty"),
        Field("tax_code", 0, "constant", constant="0", description="WgRegLn.DedCd, trekkode: 0 (full tax deduction)"),
        Field("text", TEXT_MAX, "text", truncate=True, description="the entry's text, at most 40 characters"),
    ),
)


def file_name(run: PayrollRun) -> str:
    return f"visma-{run.company_id}-{run.period}.csv"


def record_of(run: PayrollRun, entry: PayrollEntry) -> dict[str, Any]:
    return {
        "year": run.period[:4],
        "run_number": run.run_number,
        "employee_number": entry.payroll_number,
        "wage_type": entry.wage_type,
        "rate": entry.amount_ore,
        "amount": entry.amount_ore,
        "r1": entry.department,
        "text": entry.text,
    }


def render_entries(run: PayrollRun, entries: list[PayrollEntry]) -> bytes:
    return render_with(LAYOUT, entries, lambda e: record_of(run, e))


def parse(content: bytes) -> list[dict[str, Any]]:
    return LAYOUT.parse(content)


def validate(content: bytes) -> list[str]:
    return LAYOUT.validate(content)
