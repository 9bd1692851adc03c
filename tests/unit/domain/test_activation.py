"""E2 rules of activation orders: validation, port-in dates in Europe/Oslo, step outcomes and
the reasons an administrator reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from skysentral.domain import activation as act
from skysentral.domain.errors import InvalidInput
from skysentral.domain.organisation import to_e164

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


def validate(**changes):
    body = {
        "department_id": "dep-1",
        "plan_code": "BEDRIFT_10",
        "new_employee": {"name": "Nina", "email": "nina@firma.no"},
        "sim": {"kind": "esim"},
        **changes,
    }
    return act.validate_activation(
        body,
        plan_codes={"BEDRIFT_10"},
        department_ids={"dep-1"},
        employees={"e-1": "dep-1"},
        stock={"8947000000000000001"},
        now=NOW,
        e164=to_e164,
    )


@pytest.mark.feature("E2")
def test_e2_a_valid_order_keeps_plan_department_and_sim():
    out = validate(number="930 00 001")
    assert out["plan_code"] == "BEDRIFT_10" and out["number"] == "+4793000001"
    assert out["sim"] == {"kind": "esim"}


@pytest.mark.feature("E2")
@pytest.mark.parametrize(
    "changes, code",
    [
        ({"plan_code": "FRI_BRUK_20"}, "plan_not_in_agreement"),
        ({"department_id": "dep-x"}, "unknown_department"),
        ({"employee_id": "e-1"}, "validation_error"),  # both employee_id and new_employee
        ({"new_employee": {"name": "N", "email": "not-an-address"}}, "invalid_email"),
        ({"sim": {"kind": "stock", "iccid": "8947000000000000002"}}, "sim_not_in_stock"),
        ({"sim": {"kind": "stock", "iccid": "1234"}}, "invalid_iccid"),
        ({"sim": {"kind": "ship", "address": {"name": "a", "street": "b", "postcode": "123", "city": "c"}}}, None),
        ({"sim": {"kind": "pigeon"}}, "validation_error"),
        ({"number": "+4793000001", "port_in": {"number": "+4790000001"}}, "validation_error"),
        ({"surprise": 1}, "validation_error"),
    ],
)
def test_e2_invalid_orders_name_what_is_wrong(changes, code):
    with pytest.raises(InvalidInput) as err:
        validate(**changes)
    assert err.value.message
    if code:
        assert err.value.code == code


@pytest.mark.feature("E2")
@pytest.mark.parametrize(
    "day, why",
    [
        ("2026-11-25", "port_date_in_past"),
        ("2026-11-28", "port_date_not_working_day"),  # a Saturday
        ("2026-12-25", "port_date_not_working_day"),  # Christmas Day
        ("2027-03-26", "port_date_not_working_day"),  # Good Friday 2027
        ("2027-05-17", "port_date_not_working_day"),  # Constitution Day
        ("26.11.2026", "invalid_date"),
    ],
)
def test_e2_port_in_date_must_be_a_working_day_not_in_the_past(day, why):
    with pytest.raises(InvalidInput) as err:
        validate(port_in={"number": "+4790000001", "donor_operator": "Telia", "requested_date": day})
    assert err.value.code == why


@pytest.mark.feature("E2")
def test_e2_port_in_happens_at_six_oslo_time_or_at_once_if_that_has_passed():
    future = validate(port_in={"number": "+4790000001", "donor_operator": "Telia", "requested_date": "2026-11-30"})
    assert future["port_in"]["port_at"] == "2026-11-30T05:00:00Z"  # 06:00 CET
    summer = act.port_in_at(date(2027, 6, 1), NOW)
    assert summer == datetime(2027, 6, 1, 4, 0, tzinfo=UTC)  # 06:00 CEST
    today = validate(port_in={"number": "+4790000001", "donor_operator": "Telia", "requested_date": "2026-11-26"})
    assert today["port_in"]["port_at"] == "2026-11-26T12:00:00Z"


@pytest.mark.feature("E2")
def test_e2_easter_is_computed_for_the_holidays():
    assert act._easter(2026) == date(2026, 4, 5)
    assert act._easter(2027) == date(2027, 3, 28)
    assert not act.is_working_day(date(2026, 4, 6))  # Easter Monday
    assert act.is_working_day(date(2026, 4, 7))


@pytest.mark.feature("E2")
def test_e2_steps_record_time_and_outcome_and_a_final_order_never_changes():
    order = act.Order("act-1", "c-1", act.ACTIVATION, "t", "u", "u@x.no", "dep-1", {})
    order = act.step_started(order, "reserve_number", NOW)
    assert act.running_step(order) == "reserve_number"
    order = act.step_done(order, "reserve_number", NOW, "+4793000001")
    assert order.step("reserve_number").status == "done" and order.step("reserve_number").ended_at
    order = act.with_status(order, act.COMPENSATED, NOW, "undone")
    assert act.with_status(order, act.COMPLETED, NOW).status == act.COMPENSATED
    assert act.Order.from_dict(order.to_dict()) == order


@pytest.mark.feature("E2")
def test_e2_reasons_are_sentences_for_the_administrator():
    assert "did not confirm" in act.reason_of("States.Timeout", None, "activate_on_network")
    assert "not confirmed delivered" in act.reason_of("States.Timeout", None, "wait_for_delivery")
    lambda_cause = '{"errorMessage": "+4793000001 is not free", "errorType": "NumberUnavailable"}'
    assert act.reason_of("NumberUnavailable", lambda_cause, "reserve_number").endswith("+4793000001 is not free")
    assert "unexpected" in act.reason_of("KeyError", "boom", "notify")
