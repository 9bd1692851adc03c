"""Domain rules of issue 11: proration (E3), barring (A9), listings (E4), admin grants (E5),
device sightings (F5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skysentral.domain import add_on_catalogue, admin_grants, equipment, number_listing, plan_change
from skysentral.domain.catalogue import PLANS
from skysentral.domain.errors import Conflict, Forbidden, InvalidInput
from skysentral.domain.identity import Identity
from skysentral.domain.organisation import Department, Employee


# ---------------------------------------------------------------- E3 proration
@pytest.mark.feature("E3")
def test_proration_counts_the_change_day_and_the_rest_of_the_oslo_month():
    # 15 November 2026 in Oslo: 16 of 30 days remain (15th included)
    p = plan_change.prorate(29900, 49900, datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
    assert (p.month, p.days_in_month, p.days_remaining) == ("2026-11", 30, 16)
    assert p.credit_ore == 15947  # 29900 * 16/30 = 15946.67 -> 15947
    assert p.charge_ore == 26613  # 49900 * 16/30 = 26613.33 -> 26613
    assert p.net_ore == p.charge_ore - p.credit_ore == 10666


@pytest.mark.feature("E3")
def test_proration_uses_the_oslo_day_not_the_utc_day():
    # 23:30 UTC on 30 November is 00:30 on 1 December in Oslo: a whole December
    p = plan_change.prorate(31000, 62000, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert (p.month, p.days_remaining, p.days_in_month) == ("2026-12", 31, 31)
    assert (p.credit_ore, p.charge_ore) == (31000, 62000)


@pytest.mark.feature("E3")
def test_proration_rounds_halves_up():
    # 1 øre-fee * 15/30 = 0.5 -> 1 (half up), on the last day of a 30-day month 1 of 30 remains
    assert plan_change.prorate(1, 3, datetime(2026, 11, 16, 12, tzinfo=UTC)).credit_ore == 1
    assert plan_change.prorate(30, 60, datetime(2026, 11, 30, 12, tzinfo=UTC)).charge_ore == 2


@pytest.mark.feature("E3")
def test_change_at_once_is_prorated_and_next_month_is_scheduled_from_the_1st():
    at = datetime(2026, 11, 15, 9, tzinfo=UTC)
    now = plan_change.change_plan("s1", PLANS["BEDRIFT_5"], PLANS["BEDRIFT_20"], "now", at)
    assert now.proration is not None and now.effective_from == "2026-11-15T09:00:00Z"
    later = plan_change.change_plan("s1", PLANS["BEDRIFT_5"], PLANS["BEDRIFT_20"], "next_month", at)
    assert later.proration is None and later.effective_from == "2026-11-30T23:00:00Z"  # 00:00 Oslo, 1 Dec
    assert plan_change.plan_in("BEDRIFT_5", {"plan_code": "BEDRIFT_20", "from_month": "2026-12"}, "2026-11") == (
        "BEDRIFT_5"
    )
    assert plan_change.plan_in("BEDRIFT_5", {"plan_code": "BEDRIFT_20", "from_month": "2026-12"}, "2026-12") == (
        "BEDRIFT_20"
    )


@pytest.mark.feature("E3")
def test_changing_to_the_same_plan_is_refused():
    with pytest.raises(InvalidInput):
        plan_change.change_plan("s1", PLANS["BEDRIFT_5"], PLANS["BEDRIFT_5"], "now", datetime.now(UTC))


@pytest.mark.feature("E3")
def test_agreement_prices_replace_the_standard_ones():
    prices = {o.code: o.monthly_price_ore for o in add_on_catalogue.catalogue({"TWIN_SIM": 2500})}
    assert prices["TWIN_SIM"] == 2500 and prices["BARRING"] == 0


# ---------------------------------------------------------------- A9 barring
@pytest.mark.feature("A9")
def test_barring_is_stored_sorted_without_duplicates():
    assert add_on_catalogue.check_barring(["roaming", "premium_rate", "roaming"], ["+46", "+4782"]) == {
        "categories": ["premium_rate", "roaming"],
        "chosen_prefixes": ["+46", "+4782"],
    }


@pytest.mark.feature("A9")
@pytest.mark.parametrize("categories,prefixes", [(["casino"], []), ([], ["46"]), ([], ["+4a"])])
def test_bad_barring_is_refused(categories, prefixes):
    with pytest.raises(InvalidInput):
        add_on_catalogue.check_barring(categories, prefixes)


@pytest.mark.feature("E3")
def test_twin_sim_iccid_needs_its_check_digit():
    base = "894708001234567890"
    good = base + _luhn_digit(base)
    assert add_on_catalogue.check_iccid(good) == good
    wrong = base + str((int(_luhn_digit(base)) + 1) % 10)
    with pytest.raises(InvalidInput):
        add_on_catalogue.check_iccid(wrong)


def _luhn_digit(base: str) -> str:
    return next(d for d in "0123456789" if equipment.luhn_valid(base + d))


# ---------------------------------------------------------------- E4 listing
@pytest.mark.feature("E4")
def test_listing_versions_grow_and_status_follows_the_acknowledgement():
    first = number_listing.next_version(None, number_listing.check_listing("listed", "Kari", None))
    second = number_listing.next_version(first, number_listing.check_listing("unlisted", None, None))
    assert (first["version"], second["version"], second["name"]) == (1, 2, None)
    assert number_listing.published(second, 1)["status"] == "pending"
    assert number_listing.published(second, 2)["status"] == "acknowledged"


@pytest.mark.feature("E4")
def test_with_address_needs_a_whole_norwegian_address():
    with pytest.raises(InvalidInput):
        number_listing.check_listing("with_address", "Kari", {"street": "Storgata 1", "city": "Oslo"})
    with pytest.raises(InvalidInput):
        number_listing.check_listing("with_address", "Kari", {"street": "S 1", "postal_code": "12", "city": "Oslo"})
    with pytest.raises(InvalidInput):
        number_listing.check_listing("name_only", "Kari", {"street": "S 1", "postal_code": "0150", "city": "Oslo"})


# ---------------------------------------------------------------- E5 admin grants
DEPTS = [Department("salg", "Salg"), Department("salg-nord", "Salg Nord", "salg"), Department("adm", "Adm")]
KARI = Employee("kari", "Kari", "k@x.no", "company_admin", "adm")
OLA = Employee("ola", "Ola", "o@x.no", "department_admin", "salg", admin_departments=("salg",))
LARS = Employee("lars", "Lars", "l@x.no", "employee", "salg-nord")
PER = Employee("per", "Per", "p@x.no", "employee", "adm")
STAFF = [KARI, OLA, LARS, PER]
AS_KARI = Identity("kari", "c", "company_admin")
AS_OLA = Identity("ola", "c", "department_admin", frozenset({"salg"}))


@pytest.mark.feature("E5")
def test_department_admin_grants_within_their_departments_and_sub_departments():
    granted = admin_grants.grant(AS_OLA, DEPTS, STAFF, LARS, "department_admin", ["salg-nord"])
    assert granted.role == "department_admin" and granted.admin_departments == ("salg-nord",)


@pytest.mark.feature("E5")
@pytest.mark.parametrize(
    "employee,role,departments",
    [
        (LARS, "company_admin", []),  # never company admin
        (LARS, "department_admin", ["adm"]),  # a department they do not hold
        (PER, "department_admin", ["salg"]),  # an employee outside their departments
        (KARI, "department_admin", ["salg"]),  # a company admin
    ],
)
def test_department_admin_never_grants_more_than_they_hold(employee, role, departments):
    with pytest.raises(Forbidden):
        admin_grants.grant(AS_OLA, DEPTS, STAFF, employee, role, departments)


@pytest.mark.feature("E5")
def test_the_last_company_admin_cannot_be_revoked_or_narrowed_even_by_themselves():
    with pytest.raises(Conflict):
        admin_grants.revoke(AS_KARI, DEPTS, STAFF, KARI)
    with pytest.raises(Conflict):
        admin_grants.grant(AS_KARI, DEPTS, STAFF, KARI, "department_admin", ["adm"])
    second = admin_grants.grant(AS_KARI, DEPTS, STAFF, PER, "company_admin", [])
    assert admin_grants.revoke(AS_KARI, DEPTS, [KARI, second], KARI).role == "employee"


@pytest.mark.feature("E5")
def test_a_department_admin_needs_existing_departments():
    with pytest.raises(InvalidInput):
        admin_grants.grant(AS_KARI, DEPTS, STAFF, LARS, "department_admin", [])
    with pytest.raises(InvalidInput):
        admin_grants.grant(AS_KARI, DEPTS, STAFF, LARS, "department_admin", ["nowhere"])


# ---------------------------------------------------------------- F5 devices
@pytest.mark.feature("F5")
def test_imei_check_digit_and_model_from_the_tac():
    device = equipment.device_seen("353328111234561", "2026-11-25T08:00:00Z")
    assert (device.tac, device.model, device.kind) == ("35332811", "Apple iPhone 14", "phone")
    assert equipment.device_seen("356741087654322", "2026-11-25T08:00:00Z").kind == "tablet"
    with pytest.raises(InvalidInput):
        equipment.check_imei("353328111234562")
    assert equipment.device_seen("990000000000000"[:14] + _luhn_digit("99000000000000"), "x").model == "unknown"


@pytest.mark.feature("F5")
def test_an_older_sighting_is_not_newer():
    assert equipment.newer(None, "2026-11-25T08:00:00Z")
    assert equipment.newer("2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z")
    assert not equipment.newer("2026-11-25T09:00:00Z", "2026-11-25T08:00:00Z")
