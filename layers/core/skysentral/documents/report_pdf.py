"""F2: a report as PDF (fpdf2): the title, the filters, a bar chart of its largest rows
(drawn with fpdf2's rectangles and lines) and the table, with the header repeated on each
page and a bold total row. DejaVu Sans (fonts/) carries æøå. Amounts in kroner, Norwegian
style (`1 234,50`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from skysentral.documents._table import as_date, as_datetime, filter_text, nok_text, total_row

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
CHART_BARS = 12
BAR_COLOUR = (31, 94, 160)


def _text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "nok":
        return nok_text(int(value), thousands=" ")
    if kind == "int":
        return f"{int(value):,}".replace(",", " ")
    if kind == "date":
        d = as_date(value)
        return d.isoformat() if d else ""
    if kind == "datetime":
        ts = as_datetime(value)
        return ts.strftime("%Y-%m-%d %H:%M") if ts else ""
    return str(value)


class _Pdf(FPDF):
    def __init__(self, title: str, orientation: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.report_title = title
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)
        self.header_row: tuple[list[str], list[float]] | None = None
        self._fits: dict[tuple[str, float, bool], str] = {}

    def _fitted(self, text: str, width: float, bold: bool) -> str:
        """The text, shortened with "…" to fit the column (remembered: values repeat)."""
        key = (text, width, bold)
        found = self._fits.get(key)
        if found is None:
            found = text
            while found and self.get_string_width(found) > width - 1.5:
                found = found[:-2] + "…" if len(found) > 2 else ""
            self._fits[key] = found
        return found

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.cell(0, 5, f"{self.report_title} – side {self.page_no()}/{{nb}}", align="R")

    def header(self) -> None:
        if self.page_no() > 1 and self.header_row:
            self._row(*self.header_row, bold=True)

    def _row(self, texts: list[str], widths: list[float], *, bold: bool = False, aligns: list[str] | None = None):
        self.set_font(FONT, "B" if bold else "", 7.5)
        for i, (text, width) in enumerate(zip(texts, widths, strict=True)):
            text = self._fitted(text, width, bold)
            self.cell(width, 5, text, border="B" if bold else 0, align=(aligns[i] if aligns else "L"))
        self.ln(5)


def _chart(pdf: _Pdf, table: dict[str, Any]) -> None:
    chart = table.get("chart")
    if not chart or not table["rows"]:
        return
    rows = [r for r in table["rows"] if isinstance(r.get(chart["value"]), int)][:CHART_BARS]
    if not rows:
        return
    kind = next((c["type"] for c in table["columns"] if c["key"] == chart["value"]), "int")
    biggest = max(max(int(r[chart["value"]]) for r in rows), 1)
    label_w, value_w = 55.0, 28.0
    bar_max = pdf.epw - label_w - value_w
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 6, "Største poster", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 7.5)
    for row in rows:
        y = pdf.get_y()
        label = str(row.get(chart["label"]) or row.get(chart["label"] + "_id") or "–")
        while pdf.get_string_width(label) > label_w - 2:
            label = label[:-2] + "…"
        pdf.cell(label_w, 5, label)
        value = int(row[chart["value"]])
        width = max(bar_max * max(value, 0) / biggest, 0.3)
        pdf.set_fill_color(*BAR_COLOUR)
        pdf.rect(pdf.l_margin + label_w, y + 0.8, width, 3.4, style="F")
        pdf.set_x(pdf.l_margin + label_w + bar_max)
        pdf.cell(value_w, 5, _text(value, kind), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(120, 120, 120)
    pdf.line(pdf.l_margin + label_w, pdf.get_y() - 5 * len(rows), pdf.l_margin + label_w, pdf.get_y())
    pdf.ln(4)


def render(table: dict[str, Any], generated_at: datetime | None = None) -> bytes:
    columns = table["columns"]
    pdf = _Pdf(table.get("title", "Rapport"), "L" if len(columns) > 7 else "P")
    pdf.alias_nb_pages()
    pdf.set_title(table.get("title", "Rapport"))
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, table.get("title", "Rapport"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(
        0, 4.5, "Utvalg: " + (filter_text(table.get("filters") or {}) or "alt"), new_x="LMARGIN", new_y="NEXT"
    )
    if generated_at is not None:
        pdf.cell(0, 4.5, f"Laget {generated_at:%Y-%m-%d %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _chart(pdf, table)

    rows = list(table["rows"])
    total = total_row(table)
    texts = [[_text(r.get(c["key"]), c["type"]) for c in columns] for r in rows]
    total_texts = [_text(total.get(c["key"]), c["type"]) for c in columns] if total else None
    natural = []
    for i, c in enumerate(columns):
        pdf.set_font(FONT, "", 7.5)
        sample = [t[i] for t in texts[:200]]
        pdf.set_font(FONT, "B", 7.5)  # the header and the total row are bold
        sample_bold = [c["label"]] + ([total_texts[i]] if total_texts else [])
        widest = max([pdf.get_string_width(s) for s in sample_bold])
        pdf.set_font(FONT, "", 7.5)
        widest = max([widest] + [pdf.get_string_width(s) for s in sample])
        natural.append(min(widest + 3, 60))
    scale = min(1.0, pdf.epw / sum(natural))
    widths = [w * scale for w in natural]
    aligns = ["R" if c["type"] in ("nok", "int") else "L" for c in columns]
    pdf.header_row = ([c["label"] for c in columns], widths)
    pdf._row([c["label"] for c in columns], widths, bold=True)
    for t in texts:
        pdf._row(t, widths, aligns=aligns)
    if total_texts:
        pdf._row(total_texts, widths, bold=True, aligns=aligns)
    if table.get("truncated"):
        pdf.set_font(FONT, "", 7.5)
        pdf.cell(0, 6, "Utdraget er avkortet: bestill en eksport for alle linjene.")
    return bytes(pdf.output())
