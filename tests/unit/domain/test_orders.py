"""C8, D8 orders: who pays, the order's life, SMS keywords, receipts."""

from datetime import UTC, datetime

import pytest

from skysentral.domain import orders
from skysentral.domain.errors import InvalidInput
from skysentral.texts.order_texts import receipt_text

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _order(product="EXTRA_1GB", payer=orders.COMPANY):
    return orders.new_order("o-1", "c", "e", "s", "+4791200004", product, payer, NOW)


@pytest.mark.feature("D8")
def test_by_default_the_company_pays_extra_data_and_the_employee_pays_surf_packages():
    assert orders.payer_for({}, "EXTRA_5GB") == orders.COMPANY
    assert orders.payer_for({}, "SURF_WORLD_300MB") == orders.EMPLOYEE


@pytest.mark.feature("D8")
def test_company_policy_decides_who_pays_per_product():
    assert orders.payer_for({"EXTRA_5GB": orders.EMPLOYEE}, "EXTRA_5GB") == orders.EMPLOYEE
    assert orders.payer_for({"EXTRA_5GB": orders.EMPLOYEE}, "EXTRA_1GB") == orders.COMPANY


@pytest.mark.feature("D8")
@pytest.mark.parametrize("policy", [{"EXTRA_2GB": "company"}, {"EXTRA_1GB": "nobody"}])
def test_bad_policy_is_refused(policy):
    with pytest.raises(InvalidInput):
        orders.check_policy(policy)


@pytest.mark.feature("C8")
def test_final_order_never_changes_again():
    done = orders.advance(_order(), orders.COMPLETED, NOW)
    assert orders.advance(done, orders.FAILED, NOW, failure="declined") is done
    assert [s for s, _ in done.history] == ["received", "completed"]


def test_order_round_trips_through_storage():
    order = orders.advance(_order(), orders.AWAITING_PAYMENT, NOW, payment_intent_id="pi_1")
    assert orders.Order.from_dict(order.to_dict()) == order


@pytest.mark.feature("C8", "D3", "D6")
@pytest.mark.parametrize(
    "text,product",
    [
        ("DATA 1", "EXTRA_1GB"),
        ("data 5", "EXTRA_5GB"),
        ("Data 15", "EXTRA_15GB"),
        (" surf  eu ", "SURF_EU_600MB"),
        ("SURF VERDEN", "SURF_WORLD_300MB"),
        ("surf world", "SURF_WORLD_300MB"),
        ("EXTRA 1", "EXTRA_1GB"),
        ("DATA 2", None),
        ("hei", None),
        ("", None),
        ("DATA 1 takk", None),
    ],
)
def test_sms_keywords_are_case_insensitive_in_norwegian_and_english(text, product):
    assert orders.parse_sms_order(text) == product


@pytest.mark.feature("C8", "D8")
def test_receipt_says_who_paid_in_the_users_language():
    done = orders.advance(_order(), orders.COMPLETED, NOW)
    assert "betalt av bedriften" in receipt_text(done, "nb") and "99,00 kr" in receipt_text(done, "nb")
    assert "paid by your company" in receipt_text(done, "en")


@pytest.mark.feature("C8")
def test_declined_and_refunded_orders_say_so():
    declined = orders.advance(_order(payer=orders.EMPLOYEE), orders.FAILED, NOW, failure="declined")
    assert "declined" in receipt_text(declined, "en") and "not been charged" in receipt_text(declined, "en")
    refunded = orders.advance(_order(payer=orders.EMPLOYEE), orders.REFUNDED, NOW, refund_id="re_1")
    assert "refundert" in receipt_text(refunded, "nb")


@pytest.mark.feature("C8")
def test_unknown_product_is_refused():
    with pytest.raises(InvalidInput):
        orders.new_order("o-2", "c", "e", "s", "+4791200004", "EXTRA_2GB", orders.COMPANY, NOW)


@pytest.mark.feature("C8", "D7")
@pytest.mark.parametrize("kind", ["package_80", "package_100", "data_blocked", "roaming_80", "roaming_100"])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_keyword_an_alert_suggests_is_one_the_sms_order_flow_understands(kind, language):
    """D7 texts tell the user what to send; that must start an order, not a help reply."""
    import re

    from skysentral.domain.balances import Alert
    from skysentral.texts.alert_texts import render_alert

    text = render_alert(
        Alert(
            "k",
            kind,
            "2026-11",
            {"package_bytes": 5 * 1024**3, "used_percent": 80, "spent_eur_cents": 4000, "limit_eur_cents": 5000},
        ),
        language,
    )
    for keyword in re.findall(r"\b(?:DATA|SURF) [^\s().,]+", text):
        assert orders.parse_sms_order(keyword), f"{keyword!r} in {text!r}"
