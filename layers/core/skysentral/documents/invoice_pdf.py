"""F4: the invoice (or credit note) as a Norwegian PDF, from the invoice dict of docs/portal.md.

Page 1: seller and buyer with organisation numbers, "Faktura"/"Kreditnota", number, dates,
KID and account number, the groups by kind, the totals (net, MVA 25 %, to pay) and a summary
per subscription. Then the specification: every line, flowing over as many pages as it
needs, the column headings repeated at the top of each page. Each page's footer names the
seller, the document and "Side n av N". Amounts are NOK written the Norwegian way
(1 234,50); the layout is described in docs/invoice-documents.md.

The fonts are embedded from `fonts/` (DejaVu Sans: æøå and every other letter a name can
hold), so the document renders the same in Lambda, which has no system fonts. The PDF's
creation date is the issue date, so rendering the same invoice twice gives the same bytes
(a rerun of the invoice job stores an identical document).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from skysentral.documents import norwegian_format as fmt
from skysentral.documents.invoice_groups import (
    KIND_ORDER,
    groups_of,
    kind_label,
    subscription_summaries,
)

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
MARGIN_MM = 18.0
LINE_MM = 5.0

# The specification's columns: (heading, width in mm, alignment); 174 mm = A4 less margins.
SPEC_COLUMNS = (("Abonnement", 36.0, "L"), ("Beskrivelse", 80.0, "L"), ("Antall", 28.0, "R"), ("Beløp", 30.0, "R"))
SUBSCRIPTION_COLUMNS = (
    ("Abonnement", 50.0, "L"),
    ("Ansatt", 66.0, "L"),
    ("Linjer", 28.0, "R"),
    ("Beløp eks. mva", 30.0, "R"),
)
GROUP_COLUMNS = (("Tjeneste", 116.0, "L"), ("Antall linjer", 28.0, "R"), ("Beløp eks. mva", 30.0, "R"))

Columns = tuple[tuple[str, float, str], ...]


def render_invoice_pdf(invoice: Mapping[str, Any]) -> bytes:
    """The invoice dict of docs/portal.md → the PDF's bytes (a credit note when
    `kind == "credit_note"`, marked as a draft when it has no number yet)."""
    pdf = _InvoicePdf(invoice)
    pdf.first_page()
    pdf.specification()
    return bytes(pdf.output())


def title_of(invoice: Mapping[str, Any]) -> str:
    """ "Faktura" or "Kreditnota" (with "utkast" for a draft)."""
    title = "Kreditnota" if invoice.get("kind") == "credit_note" else "Faktura"
    return f"{title} (utkast)" if invoice.get("number") is None else title


def quantity_text(quantity: Any, unit: str | None) -> str:
    """A line's quantity for people: 95 s → "1:35 min", bytes → MB, days, pieces."""
    if quantity is None or quantity == "":
        return ""
    amount = float(quantity)
    if unit == "s":
        seconds = int(amount)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d} t" if hours else f"{minutes}:{secs:02d} min"
    if unit == "bytes":
        mib = amount / 1024**2
        return f"{fmt.decimal(mib / 1024, 2)} GB" if mib >= 1024 else f"{fmt.decimal(mib, 1)} MB"
    if unit == "day":
        days = int(amount)
        return f"{days} dag" if days == 1 else f"{days} dager"
    if amount.is_integer():
        return f"{fmt.integer(int(amount))} stk"
    return fmt.decimal(amount, 2)


class _InvoicePdf(FPDF):
    def __init__(self, invoice: Mapping[str, Any]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.invoice = invoice
        self.title_text = title_of(invoice)
        self.number_text = str(invoice["number"]) if invoice.get("number") is not None else "utkast"
        self.seller: Mapping[str, Any] = invoice.get("seller") or {}
        self.buyer: Mapping[str, Any] = invoice.get("buyer") or {}
        self.repeat_columns: Columns | None = None
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 6)
        self.set_title(f"{self.title_text} {self.number_text}")
        self.set_author(str(self.seller.get("name") or ""))
        self.set_lang("nb-NO")
        issued = invoice.get("issue_date")
        when = date.fromisoformat(issued) if issued else date(2000, 1, 1)
        self.set_creation_date(datetime(when.year, when.month, when.day, tzinfo=UTC))

    # -- every page ---------------------------------------------------------------------------
    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "B", 9)
        self.cell(0, LINE_MM, f"{self.seller.get('name', '')}", new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.set_font(FONT, "", 9)
        self.cell(0, LINE_MM, f"{self.title_text} {self.number_text}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        if self.repeat_columns:
            self.table_headings(self.repeat_columns)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(FONT, "", 7.5)
        seller = self.seller
        left = f"{seller.get('name', '')} · Org.nr. {fmt.org_number(seller.get('org_number'))} MVA"
        self.cell(0, 4, left, new_x=XPos.LMARGIN, new_y=YPos.TOP)
        right = f"{self.title_text} {self.number_text} · Side {self.page_no()} av {{nb}}"
        self.cell(0, 4, right, align="R")

    # -- page 1 -------------------------------------------------------------------------------
    def first_page(self) -> None:
        inv = self.invoice
        self.add_page()
        top = self.get_y()
        # Seller, top left.
        self.set_font(FONT, "B", 14)
        self.cell(100, 7, str(self.seller.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)
        for text in _address_lines(self.seller.get("address")):
            self.cell(100, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(100, 4.5, f"Org.nr. {fmt.org_number(self.seller.get('org_number'))} MVA", new_x=XPos.LMARGIN)
        self.ln(4.5)
        self.cell(100, 4.5, "Foretaksregisteret", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # Title, top right.
        self.set_xy(MARGIN_MM + 100, top)
        self.set_font(FONT, "B", 20)
        self.cell(74, 10, self.title_text.upper(), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        # Buyer, left; the facts of the invoice, right.
        self.set_y(max(self.get_y(), top + 34))
        block = self.get_y()
        self.set_font(FONT, "", 8)
        self.cell(90, 4.5, "Kunde", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 11)
        self.cell(90, 6, str(self.buyer.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)
        for text in _address_lines(self.buyer.get("address")):
            self.cell(90, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(90, 4.5, f"Org.nr. {fmt.org_number(self.buyer.get('org_number'))}", new_x=XPos.LMARGIN)
        buyer_end = self.get_y() + 4.5

        base = "Kreditnota" if inv.get("kind") == "credit_note" else "Faktura"
        facts = [
            (f"{base}nummer", self.number_text),
            (f"{base}dato", fmt.oslo_date(inv.get("issue_date"))),
            ("Forfallsdato", fmt.oslo_date(inv.get("due_date"))),
            ("Periode", fmt.month_name(inv["period"]) if inv.get("period") else ""),
            ("Kundenummer", str(inv.get("company_id") or "")),
            ("KID", str(inv.get("kid") or "")),
            ("Kontonummer", fmt.bank_account(self.seller.get("bank_account"))),
        ]
        if inv.get("corrects") is not None:
            facts.append(("Krediterer faktura", str(inv["corrects"])))
        self.set_xy(MARGIN_MM + 96, block)
        for label, value in facts:
            self.set_x(MARGIN_MM + 96)
            self.set_font(FONT, "", 9)
            self.cell(38, 5, label)
            self.set_font(FONT, "B", 9)
            self.cell(40, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(max(self.get_y(), buyer_end) + 8)

        self.groups_and_totals()
        self.payment_box()
        self.subscription_summary()

    def groups_and_totals(self) -> None:
        inv = self.invoice
        self.section_title("Sammendrag")
        self.table_headings(GROUP_COLUMNS)
        for group in groups_of(inv):
            self.table_row(GROUP_COLUMNS, (group.label, fmt.integer(group.count), fmt.nok(group.amount_ore)))
        self.ln(2)
        credit = inv.get("kind") == "credit_note"
        rate = inv.get("vat_rate_percent", 25)
        totals = [
            ("Sum eks. mva", fmt.nok(int(inv.get("net_ore", 0))), False),
            (f"MVA {rate} %", fmt.nok(int(inv.get("vat_ore", 0))), False),
            (f"{'Til gode' if credit else 'Å betale'} (NOK)", fmt.nok(int(inv.get("total_ore", 0))), True),
        ]
        for label, value, strong in totals:
            self.set_font(FONT, "B" if strong else "", 10.5 if strong else 9)
            self.set_x(MARGIN_MM + 96)
            self.cell(48, 6, label, border="T" if strong else 0)
            self.cell(30, 6, value, align="R", border="T" if strong else 0, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def payment_box(self) -> None:
        inv = self.invoice
        self.set_font(FONT, "", 9)
        if inv.get("kind") == "credit_note":
            corrects = inv.get("corrects")
            text = (
                f"Kreditnotaen krediterer faktura {corrects}. " if corrects is not None else "Kreditnota. "
            ) + "Beløpet til gode trekkes fra neste faktura eller betales tilbake etter avtale."
        else:
            text = (
                f"Betales til konto {fmt.bank_account(self.seller.get('bank_account'))} "
                f"med KID {inv.get('kid') or ''} innen {fmt.oslo_date(inv.get('due_date'))}. "
                "Oppgi KID ved betaling."
            )
        self.set_fill_color(238, 241, 245)
        self.multi_cell(0, 5, text, fill=True, padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def subscription_summary(self) -> None:
        rows = subscription_summaries(self.invoice.get("lines") or ())
        if not rows:
            return
        self.section_title("Per abonnement")
        self.repeat_columns = SUBSCRIPTION_COLUMNS
        self.table_headings(SUBSCRIPTION_COLUMNS)
        for row in rows:
            name = row.msisdn or row.subscription_id or "Firmanivå"
            if row.msisdn and row.subscription_id:
                name = f"{row.msisdn} ({row.subscription_id})"
            self.table_row(
                SUBSCRIPTION_COLUMNS, (name, row.employee_id, fmt.integer(row.count), fmt.nok(row.amount_ore))
            )
        self.repeat_columns = None

    # -- the lines ----------------------------------------------------------------------------
    def specification(self) -> None:
        lines = list(self.invoice.get("lines") or ())
        if not lines:
            return
        period = self.invoice.get("period")
        self.add_page()
        self.section_title(f"Spesifikasjon ({fmt.integer(len(lines))} linjer)")
        self.repeat_columns = SPEC_COLUMNS
        self.table_headings(SPEC_COLUMNS)
        rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
        lines.sort(key=lambda ln: (str(ln.get("subscription_id") or ""), rank.get(str(ln.get("kind")), 99)))
        for line in lines:
            description = str(line.get("description") or kind_label(str(line.get("kind") or "")))
            line_period = line.get("period")
            if line_period and period and line_period != period:
                description += f" (gjelder {fmt.month_name(line_period)})"  # F4: a late line
            self.table_row(
                SPEC_COLUMNS,
                (
                    str(line.get("msisdn") or line.get("subscription_id") or ""),
                    description,
                    quantity_text(line.get("quantity"), line.get("unit")),
                    fmt.nok(int(line["amount_ore"])),
                ),
            )
        self.repeat_columns = None
        self.set_font(FONT, "B", 9)
        self.cell(144, 6, "Sum eks. mva", border="T")
        self.cell(30, 6, fmt.nok(int(self.invoice.get("net_ore", 0))), border="T", align="R")

    # -- table pieces -------------------------------------------------------------------------
    def section_title(self, text: str) -> None:
        if self.will_page_break(16):
            self.add_page()
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_headings(self, columns: Columns) -> None:
        self.set_font(FONT, "B", 8.5)
        self.set_fill_color(226, 231, 238)
        for heading, width, align in columns:
            self.cell(width, 6, heading, align=align, fill=True)
        self.ln(6)

    def table_row(self, columns: Columns, values: tuple[str, ...]) -> None:
        self.set_font(FONT, "", 8.5)
        if self.will_page_break(LINE_MM):
            self.add_page()  # header() repeats the headings of `repeat_columns`
            self.set_font(FONT, "", 8.5)
        for (_, width, align), value in zip(columns, values, strict=True):
            self.cell(width, LINE_MM, self.fitted(value, width - 1.5), align=align)
        self.ln(LINE_MM)

    def fitted(self, text: str, width: float) -> str:
        """The text, cut with "…" where it would run into the next column."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"


def _address_lines(address: Any) -> list[str]:
    """{"street", "postal_code", "city", "country"} → printable lines (Norway not repeated)."""
    if not address:
        return []
    if isinstance(address, str):
        return [address]
    lines = [str(address.get(k)) for k in ("street", "additional_street") if address.get(k)]
    postal = address.get("postal_code") or address.get("postcode") or ""
    place = f"{postal} {address.get('city') or ''}".strip()
    if place:
        lines.append(place)
    country = address.get("country")
    if country and country != "NO":
        lines.append(str(country))
    return lines
