"""F4: the invoice as EHF: a PEPPOL BIS Billing 3.0 UBL 2.1 Invoice (or CreditNote).

Built with the standard library's ElementTree from the invoice dict of docs/portal.md, the
elements in the order of the UBL 2.1 schema (the order is part of validity, not style):

    CustomizationID, ProfileID, ID, IssueDate, DueDate (invoice only), InvoiceTypeCode 380 /
    CreditNoteTypeCode 381, DocumentCurrencyCode NOK, BuyerReference, InvoicePeriod,
    BillingReference (credit note: the corrected invoice), AccountingSupplierParty,
    AccountingCustomerParty, PaymentMeans (30, PaymentID = KID, the seller's account),
    TaxTotal (one TaxSubtotal: category S, 25 %), LegalMonetaryTotal, one line per group.

Parties are identified by their Norwegian organisation number (EAS/ICD 0192) as electronic
address and legal id; the seller's VAT id is NO + org number + MVA (NO-R-001), and it is
registered in Foretaksregisteret (NO-R-002, a TaxScheme "TAX"). One InvoiceLine per group
(kind): quantity = the group's number of lines (unit C62, "one"), price = the group's
amount with BaseQuantity = that number, so quantity × price / base quantity is exactly the
line amount (PEPPOL-EN16931-R120) whatever the amounts. A negative group (corrections
larger than the usage) gets a negative quantity and a positive price (BR-27: no negative
prices). Totals are the invoice's own `net_ore`, `vat_ore`, `total_ore`: this module
formats, it does not fix; `documents.ehf_rules.check_ehf` finds the sums that do not hold.
"""

from __future__ import annotations

import calendar
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from skysentral.documents.invoice_groups import groups_of
from skysentral.domain.errors import InvalidInput

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CURRENCY = "NOK"
NO_ORG_SCHEME = "0192"  # ISO 6523 ICD / EAS: Enhetsregisteret (Norwegian organisation number)
VAT_CATEGORY = "S"
UNIT_ONE = "C62"  # UN/ECE Rec 20: "one"

ET.register_namespace("cac", NS_CAC)
ET.register_namespace("cbc", NS_CBC)

ITEM_NAMES_NB = {
    "fee": "Abonnement og tilleggstjenester",
    "voice": "Samtaler",
    "sms": "SMS",
    "mms": "MMS",
    "data": "Datatrafikk",
    "content": "Innholdstjenester",
}


def amount_text(amount_ore: int) -> str:
    """Øre as a UBL amount: 123450 → "1234.50", -5 → "-0.05" (two decimals, BR-DEC)."""
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner}.{ore:02d}"


def render_ehf(invoice: Mapping[str, Any]) -> bytes:
    """The invoice dict of docs/portal.md → EHF XML bytes (UTF-8, with declaration).

    An invoice gives an `Invoice` (380), a credit note (`kind == "credit_note"`) a
    `CreditNote` (381) referring to the invoice it corrects. A draft (no number) has no EHF:
    InvalidInput."""
    if invoice.get("number") is None:
        raise InvalidInput("a draft invoice has no number yet, so no EHF document", code="invoice_not_final")
    credit = invoice.get("kind") == "credit_note"
    root_ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    # The root's namespace is the default one, written as a plain xmlns attribute (ElementTree's
    # default_namespace option refuses the unqualified attributes UBL uses: currencyID, schemeID).
    root = ET.Element("CreditNote" if credit else "Invoice", {"xmlns": root_ns})
    seller: Mapping[str, Any] = invoice.get("seller") or {}
    buyer: Mapping[str, Any] = invoice.get("buyer") or {}

    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", str(invoice["number"]))
    _cbc(root, "IssueDate", str(invoice["issue_date"]))
    if not credit and invoice.get("due_date"):
        _cbc(root, "DueDate", str(invoice["due_date"]))
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    _cbc(root, "DocumentCurrencyCode", CURRENCY)
    # PEPPOL-EN16931-R003: a buyer reference or an order reference; ours is the customer number.
    _cbc(root, "BuyerReference", str(buyer.get("reference") or invoice.get("company_id") or ""))
    if invoice.get("period"):
        first, last = _month_bounds(str(invoice["period"]))
        period = _cac(root, "InvoicePeriod")
        _cbc(period, "StartDate", first)
        _cbc(period, "EndDate", last)
    if credit and invoice.get("corrects") is not None:
        _cbc(_cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", str(invoice["corrects"]))

    _party(_cac(root, "AccountingSupplierParty"), seller, seller_side=True)
    _party(_cac(root, "AccountingCustomerParty"), buyer, seller_side=False)

    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", "30", name="Credit transfer")
    if credit and invoice.get("due_date"):
        _cbc(means, "PaymentDueDate", str(invoice["due_date"]))  # a CreditNote has no DueDate
    if invoice.get("kid"):
        _cbc(means, "PaymentID", str(invoice["kid"]))
    if seller.get("bank_account"):
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", str(seller["bank_account"]).replace(" ", "").replace(".", ""))
        _cbc(account, "Name", str(seller.get("name") or ""))

    net_ore, vat_ore, total_ore = int(invoice["net_ore"]), int(invoice["vat_ore"]), int(invoice["total_ore"])
    rate = str(invoice.get("vat_rate_percent", 25))
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", vat_ore)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", net_ore)
    _amount(subtotal, "TaxAmount", vat_ore)
    _tax_category(subtotal, "TaxCategory", rate)

    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", net_ore)
    _amount(totals, "TaxExclusiveAmount", net_ore)
    _amount(totals, "TaxInclusiveAmount", total_ore)
    _amount(totals, "PayableAmount", total_ore)

    line_tag, quantity_tag = ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    for number, group in enumerate(groups_of(invoice), start=1):
        count = max(group.count, 1)
        line = _cac(root, line_tag)
        _cbc(line, "ID", str(number))
        _cbc(line, quantity_tag, str(-count if group.amount_ore < 0 else count), unitCode=UNIT_ONE)
        _amount(line, "LineExtensionAmount", group.amount_ore)
        item = _cac(line, "Item")
        _cbc(item, "Description", f"{count} linjer, se spesifikasjonen i PDF-fakturaen")
        _cbc(item, "Name", ITEM_NAMES_NB.get(group.kind, group.kind))
        _cbc(_cac(item, "SellersItemIdentification"), "ID", group.kind)
        _tax_category(item, "ClassifiedTaxCategory", rate)
        price = _cac(line, "Price")
        _amount(price, "PriceAmount", abs(group.amount_ore))
        _cbc(price, "BaseQuantity", str(count), unitCode=UNIT_ONE)

    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _party(parent: ET.Element, party: Mapping[str, Any], *, seller_side: bool) -> None:
    org = str(party.get("org_number") or "").replace(" ", "")
    node = _cac(parent, "Party")
    _cbc(node, "EndpointID", org, schemeID=NO_ORG_SCHEME)
    _cbc(_cac(node, "PartyName"), "Name", str(party.get("name") or ""))
    address: Mapping[str, Any] = party.get("address") or {}
    postal = _cac(node, "PostalAddress")
    if address.get("street"):
        _cbc(postal, "StreetName", str(address["street"]))
    if address.get("city"):
        _cbc(postal, "CityName", str(address["city"]))
    zone = address.get("postal_code") or address.get("postcode")
    if zone:
        _cbc(postal, "PostalZone", str(zone))
    _cbc(_cac(postal, "Country"), "IdentificationCode", str(address.get("country") or "NO"))
    vat_number = party.get("vat_number") or (f"NO{org}MVA" if seller_side else None)
    if vat_number:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", str(vat_number))
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    if seller_side:
        register = _cac(node, "PartyTaxScheme")  # NO-R-002: an AS is in Foretaksregisteret
        _cbc(register, "CompanyID", "Foretaksregisteret")
        _cbc(_cac(register, "TaxScheme"), "ID", "TAX")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", str(party.get("name") or ""))
    _cbc(legal, "CompanyID", org, schemeID=NO_ORG_SCHEME)


def _tax_category(parent: ET.Element, tag: str, rate: str) -> None:
    category = _cac(parent, tag)
    _cbc(category, "ID", VAT_CATEGORY)
    _cbc(category, "Percent", rate)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _month_bounds(period: str) -> tuple[str, str]:
    year, month = (int(p) for p in period.split("-"))
    return f"{period}-01", f"{period}-{calendar.monthrange(year, month)[1]:02d}"


def _cac(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS_CAC}}}{tag}")


def _cbc(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS_CBC}}}{tag}", attributes)
    element.text = text
    return element


def _amount(parent: ET.Element, tag: str, amount_ore: int) -> ET.Element:
    return _cbc(parent, tag, amount_text(amount_ore), currencyID=CURRENCY)
