"""F2/F5: the report documents open in the tools people use: the xlsx's cells are numbers
with their formats, the CSV has its BOM, delimiter and decimal mark, the PDF's figures are
the JSON's."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from skysentral.documents import report_csv, report_pdf, report_xlsx
from skysentral.domain import reports
from tests.unit.domain.test_reports import LINES, NAMES, OCT


@pytest.fixture
def by_department():
    return reports.standard("cost-by-department", LINES, OCT, NAMES).to_dict()


@pytest.fixture
def lines_table():
    return reports.standard("lines", LINES, reports.Filters("2026-10", "2026-11"), NAMES).to_dict()


@pytest.mark.feature("F2")
def test_xlsx_cells_are_numbers_with_the_kroner_format_and_a_frozen_header(by_department, lines_table):
    ws = load_workbook(io.BytesIO(report_xlsx.render(by_department))).active
    assert [c.value for c in ws[1]] == ["Avdeling-ID", "Avdeling", "Linjer", "Beløp eks. mva", "Mva"]
    assert ws.freeze_panes == "A2"
    drift = [c for c in ws[2]]
    assert drift[1].value == "Drift"
    assert drift[3].value == 423 and isinstance(drift[3].value, (int, float))  # a number, not text
    assert ws.cell(3, 4).value == 95 and ws.cell(3, 5).value == 23.75
    assert drift[3].number_format == "# ##0.00"
    assert drift[2].value == 4 and isinstance(drift[2].value, int)
    total = [c.value for c in ws[4]]
    assert total[0] == "Sum" and total[3] == 518.0 and ws.cell(4, 4).font.b
    assert ws.column_dimensions["B"].width >= len("Avdeling")

    sheet = load_workbook(io.BytesIO(report_xlsx.render(lines_table))).active
    header = [c.value for c in sheet[1]]
    when = sheet.cell(2, header.index("Tidspunkt") + 1)
    assert isinstance(when.value, datetime) and when.value == datetime(2026, 10, 5, 12, 0)  # 10:00Z in Oslo (CEST)
    assert when.is_date


@pytest.mark.feature("F2", "F5")
@pytest.mark.parametrize(("variant", "delimiter", "amount"), [("semicolon", ";", "423,00"), ("comma", ",", "423.00")])
def test_csv_has_a_bom_crlf_and_the_variants_delimiter_and_decimal_mark(by_department, variant, delimiter, amount):
    data = report_csv.render(by_department, variant)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4 and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    assert rows[0] == ["Avdeling-ID", "Avdeling", "Linjer", "Beløp eks. mva", "Mva"]
    assert rows[1] == ["dep-b", "Drift", "4", amount, amount.replace("423", "105")[:-2] + "75"]
    assert rows[-1][0] == "Sum"


@pytest.mark.feature("F2")
def test_csv_quotes_a_field_that_holds_the_delimiter():
    table = {"columns": [{"key": "a", "label": "Navn", "type": "text"}, {"key": "b", "label": "Sum", "type": "nok"}],
             "rows": [{"a": "Rør; og vann, AS", "b": -150}]}  # fmt: skip
    for variant, delimiter in (("semicolon", ";"), ("comma", ",")):
        text = report_csv.render(table, variant).decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1] == [
            "Rør; og vann, AS",
            "-1,50" if variant == "semicolon" else "-1.50",
        ]


@pytest.mark.feature("F2")
def test_pdf_has_pages_and_its_figures_match_the_json(by_department, lines_table):
    reader = PdfReader(io.BytesIO(report_pdf.render(by_department, generated_at=datetime(2026, 11, 26, 12, 0))))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Kostnad per avdeling" in text
    for row in by_department["rows"]:
        kroner = f"{row['amount_ore'] // 100},{row['amount_ore'] % 100:02d}"
        assert f"{row['department_id']} {row['department']} {row['lines']} {kroner}" in text
    assert "Sum 9 518,00 129,50" in text

    many = dict(lines_table, rows=lines_table["rows"] * 40)
    reader = PdfReader(io.BytesIO(report_pdf.render(many)))
    assert len(reader.pages) >= 3
    assert "Åse Ødegård" in reader.pages[-1].extract_text() + reader.pages[0].extract_text()
    assert reader.pages[1].extract_text().split("\n")[0].startswith("Måned Tidspunkt")  # header on every page
