"""F9: the payroll files for Visma Lønn, Huldt & Lillevik and SAP, byte for byte against
files written by hand from the layouts (tests/unit/documents/fixtures/payroll/,
docs/payroll-files.md), and checked against each layout: widths, decimals, encodings, line
endings, order, and the runs a layout cannot carry."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skysentral.api.http import http_status_of
from skysentral.documents import payroll_huldt_lillevik, payroll_sap, payroll_visma
from skysentral.documents.payroll_entries import (
    SYSTEMS,
    PayrollEntry,
    PayrollRun,
    content_type,
    render,
    validate_file,
)
from skysentral.domain.errors import PayrollFileInvalid

FIXTURES = Path(__file__).parent / "fixtures" / "payroll"

# The run the fixtures were written from: three employees, given in no particular order;
# æøå in a department and a text, øre (1234.56), 1 øre, a 7-digit kroner amount
# (1 234 567.89), a text longer than Visma's 40 characters.
ENTRIES = (
    PayrollEntry("1004", "5211", 123456, "dep-salg", "Innholdstjenester ut over 1 000 kr 2026-11"),
    PayrollEntry("310", "7100", 1, "dep-økonomi", "Trekk privat bruk, Bjørn Ærø 2026-11"),
    PayrollEntry("1004", "5210", 36600, "dep-salg", "Elektronisk kommunikasjon 2026-11"),
    PayrollEntry("27", "7100", 123456789, "dep-adm", "Trekk privat bruk 2026-11"),
)
FILES = {
    "visma": "visma-c-nordlys-2026-11.csv",
    "huldt_lillevik": "IT0042TRS.HLW",
    "sap": "IT0015-c-nordlys-2026-11.txt",
}
MODULES = {"visma": payroll_visma, "huldt_lillevik": payroll_huldt_lillevik, "sap": payroll_sap}


def run_of(system: str, entries: tuple[PayrollEntry, ...] = ENTRIES, **changes) -> PayrollRun:
    run = PayrollRun(
        company_id="c-nordlys",
        period="2026-11",
        pay_date=date(2026, 11, 30),
        system=system,
        client_number="0042",
        run_number=3,
        entries=entries,
    )
    return dataclasses.replace(run, **changes)


def lines_of(content: bytes, line_ending: bytes) -> list[bytes]:
    assert content.endswith(line_ending)
    return content[: -len(line_ending)].split(line_ending)


@pytest.mark.feature("F9")
@pytest.mark.parametrize("system", SYSTEMS)
def test_file_is_byte_for_byte_the_hand_written_one(system):
    file_name, content = render(run_of(system))

    assert file_name == FILES[system]
    assert content == (FIXTURES / FILES[system]).read_bytes()
    assert validate_file(system, content) == []


@pytest.mark.feature("F9")
def test_content_types_name_each_files_character_set():
    assert content_type("visma") == "text/csv; charset=windows-1252"
    assert content_type("huldt_lillevik") == "text/plain; charset=us-ascii"
    assert content_type("sap") == "text/plain; charset=us-ascii"


@pytest.mark.feature("F9")
def test_visma_is_semicolon_separated_with_point_decimals_and_no_header():
    _, content = render(run_of("visma"))
    lines = lines_of(content, b"\r\n")

    assert len(lines) == 4  # one line per entry, no header
    columns = [line.decode("cp1252").split(";") for line in lines]
    assert {len(c) for c in columns} == {18}
    first = columns[0]
    assert first[:4] == ["2026", "3", "27", "7100"]  # year, run number, employee, wage type
    assert first[5:8] == ["1", "1234567.89", "1234567.89"]  # quantity, rate, amount
    assert [c[7] for c in columns] == ["1234567.89", "0.01", "366.00", "1234.56"]
    assert first[10] == "dep-adm" and first[16] == "0"  # R1 = department, tax-deduction code 0


@pytest.mark.feature("F9")
def test_visma_is_windows_1252_and_cleans_its_text_column():
    entry = PayrollEntry("7", "5210", 100, "dep;a", "Bjørn → Ærø;\r\nlinje to og en ganske lang tekst til slutt")
    _, content = render(run_of("visma", (entry,)))

    assert b"Bj\xf8rn ? \xc6r\xf8" in content  # ø, Æ in cp1252; the arrow it lacks is '?'
    [line] = lines_of(content, b"\r\n")
    columns = line.decode("cp1252").split(";")
    assert len(columns) == 18  # the semicolons inside values are gone
    assert columns[10] == "depa"
    assert columns[17] == "Bjørn ? Ærølinje to og en ganske lang te"
    assert len(columns[17]) == 40


@pytest.mark.feature("F9")
@pytest.mark.parametrize(
    ("system", "line_ending", "width"),
    [("huldt_lillevik", b"\r\n", 164), ("sap", b"\n", 58)],
)
def test_fixed_width_records_have_the_layouts_width_and_line_ending(system, line_ending, width):
    _, content = render(run_of(system))
    content.decode("ascii")

    lines = lines_of(content, line_ending)
    assert len(lines) == 4
    assert {len(line) for line in lines} == {width}
    assert all(b"\r" not in line and b"\n" not in line for line in lines)


@pytest.mark.feature("F9")
def test_huldt_lillevik_fields_are_at_their_positions_with_two_implied_decimals():
    _, content = render(run_of("huldt_lillevik"))
    line = lines_of(content, b"\r\n")[0].decode("ascii")

    def at(start: int, end: int) -> str:  # 1-based, inclusive, as in docs/payroll-files.md
        return line[start - 1 : end]

    assert at(1, 6) == "000027"
    assert at(7, 11) == "7100 "
    assert at(12, 23) == "dep-adm     "
    assert at(24, 95) == " " * 72  # project and the five elements
    assert at(96, 101) == "301126"
    assert at(102, 111) == "0000000100"  # quantity 1.00
    assert at(112, 121) == "0123456789"  # rate 1 234 567.89
    assert at(122, 134) == "0000123456789"
    assert at(135, 164) == " " * 30
    second = lines_of(content, b"\r\n")[1].decode("ascii")
    assert second[11:23] == "dep-okonomi "  # æøå spelled in ASCII
    assert second[121:134] == "0000000000001"  # 1 øre


@pytest.mark.feature("F9")
def test_huldt_lillevik_spells_norwegian_letters_in_ascii():
    entry = PayrollEntry("5", "5210", 100, "ÆØÅæøå-é€", "")
    _, content = render(run_of("huldt_lillevik", (entry,)))

    assert content[11:23] == b"AeOAaeoa-e? "


@pytest.mark.feature("F9")
def test_sap_records_are_infotype_0015_with_point_decimals():
    _, content = render(run_of("sap"))
    records = payroll_sap.parse(content)

    assert [r["PERNR"] for r in records] == ["27", "310", "1004", "1004"]
    assert {r["INFTY"] for r in records} == {"0015"}
    assert all(r["SUBTY"] == r["LGART"] for r in records)
    assert {r["BEGDA"] for r in records} == {date(2026, 11, 30)}
    assert [r["BETRG"] for r in records] == [123456789, 1, 36600, 123456]
    assert {(r["ANZHL"], r["EINHE"], r["WAERS"]) for r in records} == {(100, "", "NOK")}
    line = lines_of(content, b"\n")[2].decode("ascii")
    assert line[28:43] == "         366.00" and line[43:50] == "   1.00" and line[53:58] == "NOK  "


@pytest.mark.feature("F9")
@pytest.mark.parametrize("system", SYSTEMS)
def test_entries_are_sorted_by_payroll_number_then_wage_type_whatever_their_order(system):
    shuffled = list(ENTRIES)
    random.Random(13).shuffle(shuffled)

    assert render(run_of(system, tuple(shuffled))) == render(run_of(system))
    assert render(run_of(system, tuple(reversed(ENTRIES)))) == render(run_of(system))


@pytest.mark.feature("F9")
@pytest.mark.parametrize("system", SYSTEMS)
def test_the_same_run_gives_the_same_bytes_twice(system):
    assert render(run_of(system)) == render(run_of(system))
    assert render(run_of(system)) != render(run_of(system, period="2026-12", pay_date=date(2026, 12, 31)))


entries_strategy = st.lists(
    st.builds(
        PayrollEntry,
        payroll_number=st.integers(1, 999_999).map(str),
        wage_type=st.sampled_from(["5210", "5211", "7100"]),
        amount_ore=st.integers(1, 99_999_999_99),
        department=st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=12),
        text=st.text(max_size=60),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda e: (e.payroll_number, e.wage_type),
)


@pytest.mark.feature("F9")
@settings(max_examples=60, deadline=None)
@given(entries=entries_strategy)
def test_every_file_reads_back_as_the_entries_it_was_written_from(entries):
    expected = sorted((int(e.payroll_number), e.wage_type, e.amount_ore, e.department) for e in entries)
    for system in SYSTEMS:
        _, content = render(run_of(system, tuple(entries)))
        assert MODULES[system].validate(content) == []
        records = MODULES[system].parse(content)
        if system == "visma":
            got = [(int(r["employee_number"]), r["wage_type"], r["amount"], r["r1"]) for r in records]
        elif system == "huldt_lillevik":
            got = [(int(r["employee_id"]), r["wage_type"], r["amount"], r["department"]) for r in records]
        else:
            got = [(int(r["PERNR"]), r["LGART"], r["BETRG"], e[3]) for r, e in zip(records, expected, strict=True)]
        assert got == expected


@pytest.mark.feature("F9")
@pytest.mark.parametrize(
    ("system", "entry", "field"),
    [
        ("huldt_lillevik", PayrollEntry("1", "5210", 100, "dep-very-long", ""), "department"),
        ("huldt_lillevik", PayrollEntry("1234567", "5210", 100, "d", ""), "employee_id"),
        ("huldt_lillevik", PayrollEntry("1", "521000", 100, "d", ""), "wage_type"),
        ("huldt_lillevik", PayrollEntry("1", "5210", 100_000_000_00, "d", ""), "rate"),
        ("sap", PayrollEntry("123456789", "5210", 100, "d", ""), "PERNR"),
        ("sap", PayrollEntry("1", "52100", 100, "d", ""), "SUBTY"),
        ("sap", PayrollEntry("1", "5210", 10**15, "d", ""), "BETRG"),
        ("visma", PayrollEntry("1", "52A0", 100, "d", ""), "wage_type"),
    ],
)
def test_a_value_wider_than_its_field_is_refused_naming_the_field_never_cut(system, entry, field):
    with pytest.raises(ValueError, match=rf"wage type {entry.wage_type}: {field} ") as raised:
        render(run_of(system, (entry,)))

    assert f"payroll number {entry.payroll_number}" in str(raised.value)


@pytest.mark.feature("F9")
@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("amount_ore", [0, -100])
def test_an_amount_that_is_not_positive_is_refused(system, amount_ore):
    entry = PayrollEntry("1004", "7100", amount_ore, "dep-salg", "Trekk")

    with pytest.raises(ValueError, match="amount_ore must be a whole number > 0"):
        render(run_of(system, (entry,)))


@pytest.mark.feature("F9")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"system": "tripletex"}, "Unknown payroll system 'tripletex'"),
        ({"period": "2026-13"}, "period must be YYYY-MM"),
        ({"system": "huldt_lillevik", "client_number": "12345"}, "client_number must be at most 4 digits"),
        ({"system": "visma", "run_number": -1}, "run_number must be digits"),
        ({"entries": (PayrollEntry("10-4", "5210", 100, "d", ""),)}, "a payroll number is digits"),
    ],
)
def test_a_run_the_layouts_cannot_carry_is_a_422_with_a_message(changes, message):
    with pytest.raises(PayrollFileInvalid, match=message) as raised:
        render(run_of(**{"system": "sap", **changes}))

    assert isinstance(raised.value, ValueError)
    assert http_status_of(raised.value) == 422
    assert raised.value.code == "payroll_file_invalid"


@pytest.mark.feature("F9")
def test_huldt_lillevik_file_name_pads_the_client_number_to_four_digits():
    assert render(run_of("huldt_lillevik", client_number="42"))[0] == "IT0042TRS.HLW"


@pytest.mark.feature("F9")
@pytest.mark.parametrize(
    ("system", "broken", "problem"),
    [
        ("huldt_lillevik", lambda c: c.replace(b"\r\n", b"\n"), "a line ending other than CRLF"),
        ("huldt_lillevik", lambda c: c.replace(b" \r\n", b"\r\n", 1), "line 1, 163 characters, the layout has 164"),
        ("huldt_lillevik", lambda c: c.replace(b"0000036600", b"    366.00"), "line 3, rate"),
        ("huldt_lillevik", lambda c: c.replace(b"301126", b"311126"), "date"),
        ("huldt_lillevik", lambda c: c.replace(b"dep-okonomi ", b"dep-\xf8konomi"), "not ascii"),
        ("sap", lambda c: c.replace(b"\n", b"\r\n"), "line ending"),
        ("sap", lambda c: c.replace(b"     1234567.89", b"    1234567,890"), "line 1, BETRG"),
        ("sap", lambda c: c.replace(b"0015", b"0014", 1), "line 1, INFTY"),
        ("sap", lambda c: c[:-1], "does not end with"),
        ("visma", lambda c: c.replace(b"366.00;366.00", b"366,00;366,00"), "line 3, rate"),
        ("visma", lambda c: c.replace(b";0;Trekk privat bruk 2026", b";Trekk privat bruk 2026"), "17 columns"),
        ("visma", lambda c: c.replace(b"\r\n", b"\n"), "line ending"),
    ],
)
def test_the_layout_check_finds_a_file_that_breaks_it(system, broken, problem):
    content = broken((FIXTURES / FILES[system]).read_bytes())

    problems = validate_file(system, content)

    assert any(problem in p for p in problems), problems
    with pytest.raises(PayrollFileInvalid):
        MODULES[system].parse(content)
