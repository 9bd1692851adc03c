"""E1, E5, A1 directory rules: E.164 numbers, the department tree, administrator scope."""

import pytest

from skysentral.domain import organisation
from skysentral.domain.errors import (
    Conflict,
    DepartmentNotEmpty,
    Forbidden,
    InvalidInput,
    InvalidPhoneNumber,
    Unauthorized,
)
from skysentral.domain.identity import Identity

TREE = [
    organisation.Department("a", "Salg"),
    organisation.Department("a1", "Salg Nord", "a"),
    organisation.Department("a11", "Tromsø", "a1"),
    organisation.Department("b", "Service"),
]


@pytest.mark.feature("A1")
@pytest.mark.parametrize("text", ["912 34 567", "91234567", "+47 912 34 567", "0047 91234567"])
def test_national_and_international_input_becomes_e164(text):
    assert organisation.to_e164(text) == "+4791234567"


@pytest.mark.feature("A1")
@pytest.mark.parametrize("text", ["12", "abc", "+47 1234"])
def test_invalid_number_is_refused_with_a_message(text):
    with pytest.raises(InvalidPhoneNumber) as exc:
        organisation.to_e164(text)
    assert text in exc.value.message


@pytest.mark.feature("E5")
def test_department_admin_scope_includes_sub_departments_only():
    admin = Identity("u", "c", "department_admin", frozenset({"a1"}))
    assert organisation.scope_of(admin, TREE) == {"a1", "a11"}


@pytest.mark.feature("E5")
def test_company_admin_scope_is_the_whole_company():
    assert organisation.scope_of(Identity("u", "c", "company_admin"), TREE) is None


@pytest.mark.feature("E5")
def test_acting_outside_scope_is_forbidden():
    with pytest.raises(Forbidden):
        organisation.require_in_scope({"a1"}, "b")


@pytest.mark.feature("E1")
def test_department_cannot_move_below_itself():
    with pytest.raises(Conflict):
        organisation.check_parent(TREE, "a", "a11")


@pytest.mark.feature("E1")
def test_unknown_parent_is_bad_input():
    with pytest.raises(InvalidInput):
        organisation.check_parent(TREE, "b", "nope")


@pytest.mark.feature("E1")
def test_department_with_children_or_members_cannot_be_deleted():
    with pytest.raises(DepartmentNotEmpty):
        organisation.check_deletable(TREE[1], TREE, members=0)
    with pytest.raises(DepartmentNotEmpty):
        organisation.check_deletable(TREE[3], TREE, members=2)
    organisation.check_deletable(TREE[3], TREE, members=0)


@pytest.mark.feature("E5")
def test_identity_comes_from_cognito_style_claims():
    ident = Identity.from_claims(
        {"sub": "e1", "custom:company_id": "c1", "custom:role": "department_admin", "custom:departments": "a,b"}
    )
    assert ident.department_ids == {"a", "b"} and ident.company_id == "c1"


@pytest.mark.feature("E5")
@pytest.mark.parametrize("claims", [None, {}, {"sub": "e1", "custom:company_id": "c1", "custom:role": "root"}])
def test_missing_or_unknown_claims_are_unauthorized(claims):
    with pytest.raises(Unauthorized):
        Identity.from_claims(claims)
