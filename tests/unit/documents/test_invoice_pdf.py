"""F4: the invoice PDF as a customer reads it: number, KID, account, totals in Norwegian
format, æøå, the credit note's title, many lines over several pages with headings."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from skysentral.documents import norwegian_format as fmt
from skysentral.documents.invoice_pdf import quantity_text, render_invoice_pdf
from tests.unit.documents.invoices import lines_for, make_invoice


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.feature("F4")
def test_invoice_pdf_shows_number_kid_account_and_total_in_norwegian_format():
    invoice = make_invoice(lines_for([123450, 2, 99, 0, 4900]))
    assert invoice["total_ore"] == 160564  # net 128451, VAT 32113

    first = pdf_pages(render_invoice_pdf(invoice))[0]

    assert "FAKTURA" in first
    assert "Fakturanummer 100023" in first
    assert "KID 1000230000019" in first
    assert "Kontonummer 1234 56 78903" in first
    assert "Forfallsdato 15.12.2026" in first
    assert "Sum eks. mva 1 284,51" in first
    assert "MVA 25 % 321,13" in first
    assert "Å betale (NOK) 1 605,64" in first
    assert "Org.nr. 974 760 673 MVA" in first


@pytest.mark.feature("F4")
def test_norwegian_letters_render_from_the_embedded_font():
    text = "\n".join(pdf_pages(render_invoice_pdf(make_invoice())))

    assert "Nordlys Rørlegger AS" in text
    assert "Æbeltoftveien 5" in text
    assert "parkering på Ørlandet" in text


@pytest.mark.feature("F4")
def test_groups_and_subscription_summary_are_on_the_first_page():
    first = pdf_pages(render_invoice_pdf(make_invoice()))[0]

    assert "Sammendrag" in first
    assert "Samtaler 2 4,72" in first
    assert "Per abonnement" in first
    assert "+4791200000 (s-nordlys-00) e-nordlys-00" in first


@pytest.mark.feature("F4")
def test_five_hundred_lines_flow_over_pages_with_headings_on_each():
    invoice = make_invoice(lines_for([100 + i for i in range(500)], subscriptions=25))

    pages = pdf_pages(render_invoice_pdf(invoice))

    assert len(pages) >= 8
    start = next(i for i, text in enumerate(pages) if "Spesifikasjon (500 linjer)" in text)
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} av {len(pages)}" in text
        if 1 < number <= start:  # the summary of 25 subscriptions runs over from page 1
            assert "Abonnement Ansatt Linjer Beløp eks. mva" in text, f"page {number} has no headings"
        elif number > start:
            assert "Abonnement Beskrivelse Antall Beløp" in text, f"page {number} has no headings"
    spec = pages[start:]
    rows = sum(text.count(" stk ") + text.count(" min ") + text.count(" MB ") for text in spec)
    assert rows == 400  # fees are counted in days, the rest are the 400 usage lines
    assert f"Sum eks. mva {fmt.nok(invoice['net_ore'])}" in spec[-1]


@pytest.mark.feature("F4")
def test_credit_note_is_titled_and_names_the_invoice_it_corrects():
    first = pdf_pages(render_invoice_pdf(make_invoice(kind="credit_note")))[0]

    assert "KREDITNOTA" in first
    assert "Kreditnotanummer 100023" in first
    assert "Krediterer faktura 100011" in first
    assert "Til gode (NOK)" in first
    assert "Å betale" not in first


@pytest.mark.feature("F4")
def test_draft_is_marked_as_draft():
    first = pdf_pages(render_invoice_pdf(make_invoice(number=None)))[0]

    assert "FAKTURA (UTKAST)" in first


@pytest.mark.feature("F4")
def test_late_line_says_which_month_it_belongs_to():
    lines = lines_for([34900, 236]) + lines_for([4900], period="2026-10")
    text = "\n".join(pdf_pages(render_invoice_pdf(make_invoice(lines))))

    assert "(gjelder oktober 2026)" in text


@pytest.mark.feature("F4")
def test_rendering_twice_gives_the_same_bytes():
    # A rerun of the invoice job stores an identical document.
    invoice = make_invoice()
    assert render_invoice_pdf(invoice) == render_invoice_pdf(invoice)


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("ore", "text"),
    [(0, "0,00"), (5, "0,05"), (123450, "1 234,50"), (100000000, "1 000 000,00"), (-123450, "-1 234,50")],
)
def test_amounts_are_written_the_norwegian_way(ore, text):
    assert fmt.nok(ore) == text


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("quantity", "unit", "text"),
    [(95, "s", "1:35 min"), (3725, "s", "1:02:05 t"), (734003200, "bytes", "700,0 MB"), (30, "day", "30 dager")],
)
def test_quantities_are_written_for_people(quantity, unit, text):
    assert quantity_text(quantity, unit) == text
