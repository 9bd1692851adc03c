"""F9: what a payroll export hands to the file layouts (docs/invoice-control.md, "Entries
handed to the file layouts"), and the one entry point that writes the file of a run.

    render(run) -> (file_name, content)    the file for `run.system`, byte for byte the same
                                            for the same run (no timestamps; entries sorted)
    content_type(system)                   the file's MIME type and character set
    validate_file(system, content)         what in a file breaks its layout ([] if nothing)

The layouts themselves are `payroll_visma`, `payroll_huldt_lillevik` and `payroll_sap`
(docs/payroll-files.md). Entries are written sorted by payroll number (as a number: 27
before 1004) and wage type, whatever order they come in. Every amount must be > 0: the
caller leaves out zeros, and the wage type says whether an amount is a benefit or a
deduction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

from skysentral.documents.payroll_layout import Layout
from skysentral.domain.errors import PayrollFileInvalid

SYSTEMS = ("visma", "huldt_lillevik", "sap")
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_FILE_NAME_PART = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PayrollEntry:
    payroll_number: str  # the employee's number in the payroll system (digits)
    wage_type: str  # the company's code for benefit_flat / benefit_content / deduction
    amount_ore: int  # > 0; the wage type says whether it is a benefit or a deduction
    department: str  # the employee's department id (H&L department, Visma R1)
    text: str  # e.g. "Elektronisk kommunikasjon 2026-11"


@dataclass(frozen=True)
class PayrollRun:
    company_id: str
    period: str  # YYYY-MM
    pay_date: date  # the last day of the period
    system: str  # visma | huldt_lillevik | sap
    client_number: str  # H&L client number (4 digits) in the file name
    run_number: int  # Visma run number
    entries: tuple[PayrollEntry, ...]


def layout_module(system: str) -> ModuleType:
    """The module of a system's layout (`LAYOUT`, `CONTENT_TYPE`, `file_name`, `render_entries`)."""
    # Imported here: the layout modules import the dataclasses above.
    from skysentral.documents import payroll_huldt_lillevik, payroll_sap, payroll_visma

    modules = {"visma": payroll_visma, "huldt_lillevik": payroll_huldt_lillevik, "sap": payroll_sap}
    if system not in modules:
        raise PayrollFileInvalid(f"Unknown payroll system {system!r}; one of {', '.join(SYSTEMS)}.")
    return modules[system]


def content_type(system: str) -> str:
    return str(layout_module(system).CONTENT_TYPE)


def sorted_entries(entries: tuple[PayrollEntry, ...] | list[PayrollEntry]) -> list[PayrollEntry]:
    """F9: payroll number (as a number) then wage type, so the same figures give the same file."""
    return sorted(entries, key=lambda e: (int(e.payroll_number), e.payroll_number, e.wage_type))


def check_run(run: PayrollRun) -> None:
    """What every layout needs of a run; a layout checks its own widths."""
    layout_module(run.system)
    if not _PERIOD.fullmatch(run.period):
        raise PayrollFileInvalid(f"period must be YYYY-MM, got {run.period!r}.")
    if not _FILE_NAME_PART.fullmatch(run.company_id):
        raise PayrollFileInvalid(f"company_id {run.company_id!r} cannot be part of a file name.")
    for e in run.entries:
        where = f"payroll number {e.payroll_number!r}, wage type {e.wage_type!r}"
        if not re.fullmatch(r"[0-9]+", e.payroll_number):
            raise PayrollFileInvalid(f"{where}: a payroll number is digits.")
        if not e.wage_type.strip():
            raise PayrollFileInvalid(f"{where}: the wage type is empty.")
        if isinstance(e.amount_ore, bool) or not isinstance(e.amount_ore, int) or e.amount_ore <= 0:
            raise PayrollFileInvalid(f"{where}: amount_ore must be a whole number > 0, got {e.amount_ore!r}.")


def render(run: PayrollRun) -> tuple[str, bytes]:
    """F9: the payroll file of `run`: (file name, content)."""
    check_run(run)
    module = layout_module(run.system)
    return str(module.file_name(run)), bytes(module.render_entries(run, sorted_entries(run.entries)))


def render_with(
    layout: Layout, entries: list[PayrollEntry], record_of: Callable[[PayrollEntry], Mapping[str, Any]]
) -> bytes:
    """The file of `entries`, one record each; a value the layout cannot carry is refused
    naming the entry and the field."""
    lines = []
    for e in entries:
        try:
            lines.append(layout.record(record_of(e)))
        except PayrollFileInvalid as exc:
            where = f"payroll number {e.payroll_number}, wage type {e.wage_type}"
            raise PayrollFileInvalid(f"{where}: {exc.message}") from None
    return layout.encode(lines)


def validate_file(system: str, content: bytes) -> list[str]:
    return list(layout_module(system).LAYOUT.validate(content))
