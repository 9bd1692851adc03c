"""F3/F4: MVA (Norwegian VAT), 25 % on every line of the standard category (S).

Each rated line carries `mva_ore` = 25 % of its `amount_ore`, rounded half away from zero
to whole øre. That figure is for showing a line with VAT (dashboard, reports, drill-down);
it is NOT summed into an invoice. The invoice computes VAT once per VAT category on the
category's total excluding VAT (`invoice_vat_ore`), as EHF / PEPPOL BIS Billing 3.0 wants
(BR-S-08/BR-S-09: the category's VAT amount = its taxable amount x rate, rounded to two
decimals). Summing per-line rounded VAT would drift by up to half an øre per line from
that figure, and the EHF validation would reject the document.
"""

from __future__ import annotations

MVA_PERCENT = 25


def round_half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def line_vat_ore(amount_ore: int) -> int:
    """A line's 25 % MVA, rounded half away from zero (informational; see the module)."""
    return round_half_away(amount_ore * MVA_PERCENT, 100)


def invoice_vat_ore(total_amount_ore: int) -> int:
    """The MVA of an invoice's VAT category total (EHF BR-S-09): the rule the invoice uses."""
    return round_half_away(total_amount_ore * MVA_PERCENT, 100)
