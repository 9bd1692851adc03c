"""F4 invoicing rules: totals equal the sum of the lines to the øre (property), VAT on the
total (not per line), KID check digits, due date, payment status, late lines and credit notes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skysentral.domain import invoicing
from skysentral.domain.rating import CORRECTION, FEE, USAGE, RatedLine, line_vat_ore

SELLER = {"name": "Skysentral AS", "org_number": "999999999"}
BUYER = {"name": "Test AS", "org_number": "999888771"}


def rated(line_id: str, amount_ore: int, kind: str = "voice", line_type: str = USAGE, month: str = "2026-11"):
    return RatedLine(line_id, line_type, "c-1", month, "s-1", "+4791234567", "dep-1", "e-1", kind, "NO_MOBILE",
                     "NO", 60, "s", amount_ore, line_vat_ore(amount_ore), "BEDRIFT_10", 1)  # fmt: skip


def draft(amounts: list[int], kinds: list[str] | None = None):
    kinds = kinds or ["voice"] * len(amounts)
    lines = [invoicing.invoice_line(rated(f"r{n}", a, k)) for n, (a, k) in enumerate(zip(amounts, kinds, strict=True))]
    return invoicing.assemble(invoice_id="c-1#2026-11", kind=invoicing.INVOICE, company_id="c-1", period="2026-11",
                              issue_date=date(2026, 12, 1), seller=SELLER, buyer=BUYER, lines=lines)  # fmt: skip


@pytest.mark.feature("F4")
@given(
    st.lists(
        st.tuples(st.integers(0, 5_000_000), st.sampled_from(["voice", "sms", "mms", "data", "content", "fee"])),
        max_size=60,
    )
)
def test_invoice_totals_equal_the_sum_of_their_lines_to_the_ore(lines):
    invoice = draft([a for a, _ in lines], [k for _, k in lines])
    assert invoice["net_ore"] == sum(a for a, _ in lines) == sum(line["amount_ore"] for line in invoice["lines"])
    assert invoice["net_ore"] == sum(g["amount_ore"] for g in invoice["groups"])
    assert sum(g["count"] for g in invoice["groups"]) == len(lines)
    assert invoice["total_ore"] == invoice["net_ore"] + invoice["vat_ore"]
    # VAT is 25 % of the total, rounded once to the øre (EHF BR-S-09), within half an øre
    assert abs(invoice["vat_ore"] * 100 - invoice["net_ore"] * 25) <= 50


@pytest.mark.feature("F4")
def test_vat_is_computed_on_the_total_not_summed_per_line():
    invoice = draft([2, 2, 2])  # each line's VAT 0.5 øre rounds to 1; the total's 1.5 øre rounds to 2
    assert sum(line_vat_ore(2) for _ in range(3)) == 3
    assert (invoice["net_ore"], invoice["vat_ore"], invoice["total_ore"]) == (6, 2, 8)


# Known-good MOD10 (Luhn) numbers: Nets' KID example, the ISO/IEC 7812 textbook example,
# Visa and Mastercard test card numbers.
KNOWN_GOOD = ["1234567897", "79927398713", "4111111111111111", "5555555555554444", "4012888888881881"]


@pytest.mark.feature("F4")
@pytest.mark.parametrize("number", KNOWN_GOOD)
def test_mod10_check_digit_of_known_good_numbers(number):
    assert invoicing.mod10_check_digit(number[:-1]) == number[-1]


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("number", "kid"), [(1, "0000000000018"), (100023, "0000001000231"), (100001, "0000001000017")]
)
def test_kid_is_the_zero_padded_number_and_its_mod10_digit(number, kid):
    assert invoicing.kid_of(number) == kid
    assert invoicing.is_valid_kid(kid)
    assert invoicing.number_of_kid(kid) == number


@pytest.mark.feature("F4")
def test_a_kid_with_a_wrong_digit_names_no_invoice():
    kid = invoicing.kid_of(100023)
    for i in range(len(kid)):
        wrong = kid[:i] + str((int(kid[i]) + 1) % 10) + kid[i + 1 :]
        assert invoicing.number_of_kid(wrong) is None
    assert invoicing.number_of_kid("12345") is None
    assert invoicing.number_of_kid("abc") is None


@pytest.mark.feature("F4")
def test_due_date_is_fourteen_days_after_the_oslo_issue_date():
    issued = invoicing.issue_date_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 Dec in Oslo
    assert issued == date(2026, 12, 1)
    assert invoicing.due_date_of(issued) == date(2026, 12, 15)
    assert draft([100])["due_date"] == "2026-12-15"


@pytest.mark.feature("F4")
@pytest.mark.parametrize(
    ("paid", "today", "status"),
    [
        (0, date(2026, 12, 15), "open"),
        (0, date(2026, 12, 16), "overdue"),
        (50, date(2026, 12, 10), "partly_paid"),
        (50, date(2026, 12, 16), "overdue"),
        (125, date(2026, 12, 16), "paid"),
        (200, date(2026, 12, 1), "paid"),
    ],
)
def test_payment_status(paid, today, status):
    invoice = {**draft([100]), "paid_ore": paid}  # total 125 with VAT
    shown = invoicing.with_payment_status(invoice, today)
    assert shown["payment_status"] == status
    assert shown["overpaid_ore"] == max(0, paid - 125)


@pytest.mark.feature("F4")
def test_negative_corrections_of_a_month_become_a_credit_note_and_the_rest_the_invoice():
    late = [
        rated("late-usage", 300, month="2026-10"),
        rated("corr#a#v2", -200, line_type=CORRECTION, month="2026-10"),
        rated("corr#b#v2", 50, line_type=CORRECTION, month="2026-10"),
        rated("corr#c#v2", 40, line_type=CORRECTION, month="2026-09"),
        rated("fee#s-1#2026-10#PLAN", 100, kind="fee", line_type=FEE, month="2026-10"),
    ]
    to_invoice, credit = invoicing.split_late_lines(late)
    assert {line.line_id for line in to_invoice} == {"late-usage", "corr#c#v2", "fee#s-1#2026-10#PLAN"}
    assert {m: [line.line_id for line in lines] for m, lines in credit.items()} == {
        "2026-10": ["corr#a#v2", "corr#b#v2"]
    }
    note_lines = [invoicing.invoice_line(line, sign=-1) for line in credit["2026-10"]]
    assert sum(line["amount_ore"] for line in note_lines) == 150  # a credit note's amounts are positive


@pytest.mark.feature("F3", "F4")
def test_a_line_of_a_subscription_without_an_employee_reads_back():
    line = RatedLine("r1", USAGE, "c-1", "2026-11", "s-1", "+4791234567", "dep-1", None, "sms", "NO_MOBILE",
                     "NO", 1, "sms", 99, 25, "BEDRIFT_10", 1)  # fmt: skip
    assert RatedLine.from_dict(line.to_dict()) == line
