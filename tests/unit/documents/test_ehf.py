"""F4: the EHF document (PEPPOL BIS Billing 3.0 UBL) passes the BIS rules that apply to it
for any set of lines, and the checker catches documents that break them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skysentral.documents.ehf import CUSTOMIZATION_ID, NS_CAC, NS_CBC, PROFILE_ID, render_ehf
from skysentral.documents.ehf_rules import check_ehf, luhn_ok, mod11_ok
from skysentral.domain.errors import InvalidInput
from tests.unit.documents.invoices import lines_for, make_invoice

NS = {"cac": NS_CAC, "cbc": NS_CBC}


def rules_broken(document: bytes) -> set[str]:
    return {v.rule for v in check_ehf(document)}


def edited(document: bytes, path: str, text: str | None) -> bytes:
    """The document with one element's text replaced (None: the element removed)."""
    root = ET.fromstring(document)
    parent_path, _, _ = path.rpartition("/")
    parent = root.find(parent_path, NS) if parent_path else root
    element = root.find(path, NS)
    assert parent is not None and element is not None, path
    if text is None:
        parent.remove(element)
    else:
        element.text = text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@pytest.mark.feature("F4")
def test_invoice_has_the_bis_billing_3_header_and_passes_the_rules():
    document = render_ehf(make_invoice())
    root = ET.fromstring(document)

    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION_ID
    assert root.findtext("cbc:ProfileID", namespaces=NS) == PROFILE_ID
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "NOK"
    assert root.findtext("cbc:DueDate", namespaces=NS) == "2026-12-15"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == "1000230000019"
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert seller.find("cbc:EndpointID", NS).attrib == {"schemeID": "0192"}
    assert seller.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "NO974760673MVA"
    assert check_ehf(document) == []


@pytest.mark.feature("F4")
def test_amounts_are_nok_with_two_decimals():
    root = ET.fromstring(render_ehf(make_invoice(lines_for([123450, 5]))))

    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert totals.findtext("cbc:LineExtensionAmount", namespaces=NS) == "1234.55"
    assert totals.findtext("cbc:PayableAmount", namespaces=NS) == "1543.19"  # VAT 308.64 (308.6375)
    assert totals.find("cbc:PayableAmount", NS).get("currencyID") == "NOK"


@pytest.mark.feature("F4")
def test_credit_note_is_a_381_credit_note_naming_the_corrected_invoice():
    document = render_ehf(make_invoice(kind="credit_note"))
    root = ET.fromstring(document)

    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == "100011"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None
    assert root.find("cbc:DueDate", NS) is None  # not in a UBL CreditNote: PaymentMeans/PaymentDueDate
    assert check_ehf(document) == []


@pytest.mark.feature("F4")
def test_a_draft_has_no_ehf():
    with pytest.raises(InvalidInput):
        render_ehf(make_invoice(number=None))


@pytest.mark.feature("F4")
@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=-50_000, max_value=5_000_000), min_size=1, max_size=60),
    credit=st.booleans(),
)
def test_any_set_of_lines_gives_a_document_that_passes_the_rules(amounts, credit):
    # Totals per docs/portal.md (VAT on the category total, BR-S-09) always satisfy the sums
    # of BR-CO-10/13/14/15/16 and BR-S-08/09, whatever the lines and their signs.
    invoice = make_invoice(lines_for(amounts), kind="credit_note" if credit else "invoice")

    assert check_ehf(render_ehf(invoice)) == []


@pytest.mark.feature("F4")
@settings(max_examples=40, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=2, max_size=40))
def test_summing_rounded_line_vat_is_caught_when_it_drifts(amounts):
    # What rated lines' mva_ore would give if an invoice summed them (docs/rating.md warns).
    from skysentral.domain.rating import line_vat_ore

    invoice = make_invoice(lines_for(amounts))
    summed = sum(line_vat_ore(a) for a in amounts)
    invoice["vat_ore"], invoice["total_ore"] = summed, invoice["net_ore"] + summed

    broken = rules_broken(render_ehf(invoice))

    assert ("BR-S-09" in broken) == (summed != make_invoice(lines_for(amounts))["vat_ore"])


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda inv: inv.update(net_ore=inv["net_ore"] + 1), "BR-CO-10"),
        (lambda inv: inv.update(vat_ore=inv["vat_ore"] + 100), "BR-S-09"),
        (lambda inv: inv.update(total_ore=inv["total_ore"] - 1), "BR-CO-15"),
        (lambda inv: inv.update(kid="1000230000018"), "SKY-KID"),
        (lambda inv: inv.update(kid="10002300A0019"), "SKY-KID"),
        (lambda inv: inv.update(seller=dict(inv["seller"], vat_number="NO974760673")), "NO-R-001"),
        (lambda inv: inv.update(seller=dict(inv["seller"], vat_number="NO974760674MVA")), "NO-R-001"),
        (lambda inv: inv.update(buyer=dict(inv["buyer"], org_number="912345678")), "PEPPOL-COMMON-R041"),
        (lambda inv: inv.update(buyer=dict(inv["buyer"], name="")), "BR-07"),
        (lambda inv: inv.update(seller=dict(inv["seller"], bank_account=None)), "BR-61"),
        (lambda inv: inv.update(company_id=""), "PEPPOL-EN16931-R003"),
        (lambda inv: inv.update(lines=[], groups=[]), "BR-16"),
        (lambda inv: inv.update(groups=inv["groups"][1:]), "BR-CO-10"),
        (lambda inv: inv.update(issue_date="2026-12-1"), "PEPPOL-EN16931-F001"),
    ],
)
def test_broken_invoices_are_caught(change, rule):
    invoice = make_invoice()
    change(invoice)

    assert rule in rules_broken(render_ehf(invoice))


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("path", "text", "rule"),
    [
        ("cbc:CustomizationID", "urn:cen.eu:en16931:2017", "PEPPOL-EN16931-R004"),
        ("cbc:ProfileID", None, "PEPPOL-EN16931-R001"),
        ("cbc:ID", None, "BR-02"),
        ("cbc:InvoiceTypeCode", "999", "PEPPOL-EN16931-P0100"),
        ("cbc:DocumentCurrencyCode", "SEK", "PEPPOL-EN16931-R051"),
        ("cac:TaxTotal/cbc:TaxAmount", "1.00", "BR-CO-14"),
        ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1.00", "BR-S-08"),
        ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "1.00", "BR-CO-13"),
        ("cac:LegalMonetaryTotal/cbc:PayableAmount", "1.00", "BR-CO-16"),
        ("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "802.701", "BR-DEC"),
        ("cac:InvoiceLine/cbc:LineExtensionAmount", "1.00", "PEPPOL-EN16931-R120"),
        ("cac:InvoiceLine/cac:Price/cbc:PriceAmount", "-698.00", "BR-27"),
        ("cac:InvoiceLine/cac:Item/cbc:Name", None, "BR-25"),
        ("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "0", "BR-S-05"),
        ("cbc:DueDate", None, "BR-CO-25"),
        ("cac:PaymentMeans", None, "BR-49"),
        ("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", None, "PEPPOL-EN16931-R010"),
        ("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country", None, "BR-09"),
        ("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme", None, "BR-S-02"),
        ("cac:InvoicePeriod/cbc:StartDate", "", "PEPPOL-EN16931-R008"),
    ],
)
def test_broken_documents_are_caught(path, text, rule):
    document = edited(render_ehf(make_invoice()), path, text)

    assert rule in rules_broken(document)


@pytest.mark.feature("F4")
def test_elements_out_of_the_ubl_order_are_caught():
    root = ET.fromstring(render_ehf(make_invoice()))
    totals = root.find("cac:LegalMonetaryTotal", NS)
    root.remove(totals)
    root.insert(3, totals)

    assert "UBL-ORDER" in rules_broken(ET.tostring(root))


@pytest.mark.feature("F4")
def test_not_xml_and_not_ubl_are_caught():
    assert rules_broken(b"<Invoice>") == {"XML"}
    assert rules_broken(b"<Invoice/>") == {"UBL-ROOT"}


@pytest.mark.feature("F4")
def test_check_digits():
    assert luhn_ok("1000230000019") and not luhn_ok("1000230000018")
    assert mod11_ok("974760673") and mod11_ok("987654325")
    assert not mod11_ok("912345678") and not mod11_ok("97476067")
