"""Foundation API over HTTP (E1, E5, E6, C1, A10): tenants, roles, bad input, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.helpers import Client


def test_health_answers_without_a_token(gateway):
    status, body = Client(gateway, None).get("/health")
    assert status == 200 and body["status"] == "ok"


def test_missing_token_is_401_with_a_message(gateway, seeded):
    status, body = Client(gateway, None).get("/admin/departments")
    assert status == 401 and body["error"] == "unauthorized" and body["message"]


def test_expired_token_is_401(gateway, issuer, seeded):
    token = issuer.issue(seeded[0].claims, ttl_s=-60)
    status, body = Client(gateway, token).get("/admin/departments")
    assert status == 401 and body["message"]


@pytest.mark.feature("E1")
def test_company_admin_sees_the_department_tree_with_counts(kari):
    status, body = kari.get("/admin/departments")
    assert status == 200
    names = {d["name"]: d for d in body["items"]}
    assert {"Salg", "Service", "Administrasjon"} <= set(names)
    assert sum(d["subscriptions"] for d in body["items"]) == 25


@pytest.mark.parametrize(
    "path",
    [
        "/admin/subscriptions/s-nordlys-05",
        "/admin/employees/e-nordlys-04",
        "/admin/subscriptions/s-nordlys-05/balances",
    ],
)
def test_another_companys_object_is_404(siri, path):
    status, body = siri.get(path)
    assert status == 404 and body["error"] == "not_found"


@pytest.mark.feature("E1")
def test_moving_another_companys_subscription_is_404_and_changes_nothing(siri, kari):
    status, _ = siri.put("/admin/subscriptions/s-nordlys-05/department", {"department_id": "dep-fv"})
    assert status == 404
    assert kari.get("/admin/subscriptions/s-nordlys-05")[1]["department_id"] != "dep-fv"


def test_other_company_lists_only_its_own(siri):
    status, body = siri.get("/admin/subscriptions")
    assert status == 200 and {s["subscription_id"] for s in body["items"]} == {
        "s-fjellvind-01",
        "s-fjellvind-02",
        "s-fjellvind-03",
    }


@pytest.mark.feature("E5")
@pytest.mark.parametrize(
    "who,path",
    [
        ("employee (Lars", "/admin/departments"),
        ("switchboard_agent", "/admin/subscriptions"),
        ("department_admin", "/admin/audit"),
    ],
)
def test_role_without_the_right_is_403(as_user, who, path):
    status, body = as_user(who).get(path)
    assert status == 403 and body["error"] == "forbidden" and body["message"]


@pytest.mark.parametrize(
    "raw,code",
    [
        (b"{not json", "malformed_json"),
        (b"[1,2]", "malformed_json"),
        (b"{}", "validation_error"),
        (b'{"name": "X", "colour": "red"}', "validation_error"),
        (b'{"name": ""}', "validation_error"),
        (b"", "missing_body"),
    ],
)
def test_bad_body_is_400_with_a_message_and_writes_nothing(kari, raw, code):
    before = kari.get("/admin/departments")[1]["items"]
    status, body = kari.call("POST", "/admin/departments", raw=raw)
    assert status == 400 and body["error"] == code and body["message"]
    assert kari.get("/admin/departments")[1]["items"] == before


def test_bad_query_is_400(kari):
    status, body = kari.get("/admin/subscriptions?limit=0")
    assert status == 400 and "limit" in body["message"]
    status, body = kari.get("/admin/subscriptions?cursor=bm9wZQ")
    assert status == 400 and body["error"] == "invalid_cursor"


@pytest.mark.feature("E1", "E6")
def test_department_lifecycle_is_audited_with_before_and_after(kari):
    since = datetime.now(UTC) - timedelta(seconds=1)
    status, dep = kari.post("/admin/departments", {"name": "Prosjekt", "parent_id": "dep-service"})
    assert status == 201 and dep["parent_id"] == "dep-service"
    dep_id = dep["department_id"]
    status, renamed = kari.patch(f"/admin/departments/{dep_id}", {"name": "Prosjekt Vest"})
    assert status == 200 and renamed["name"] == "Prosjekt Vest"
    status, moved = kari.patch(f"/admin/departments/{dep_id}", {"parent_id": None})
    assert status == 200 and moved["parent_id"] is None
    assert kari.delete(f"/admin/departments/{dep_id}")[0] == 204
    assert kari.delete(f"/admin/departments/{dep_id}")[0] == 404

    status, log = kari.get(f"/admin/audit?actor=e-nordlys-01&kind=department.&since={quote(since.isoformat())}")
    assert status == 200
    mine = [e for e in log["items"] if e["target"] == dep_id]
    assert [e["kind"] for e in mine] == [
        "department.deleted",
        "department.moved",
        "department.renamed",
        "department.created",
    ]
    assert mine[2]["before"]["name"] == "Prosjekt" and mine[2]["after"]["name"] == "Prosjekt Vest"
    assert mine[0]["after"] is None and mine[3]["before"] is None


@pytest.mark.feature("E1")
def test_department_with_members_cannot_be_deleted(kari):
    status, body = kari.delete("/admin/departments/dep-salg")
    assert status == 409 and body["error"] == "department_not_empty"


@pytest.mark.feature("E1")
def test_department_cannot_move_below_its_own_child(kari):
    _, parent = kari.post("/admin/departments", {"name": "Region"})
    _, child = kari.post("/admin/departments", {"name": "Region Nord", "parent_id": parent["department_id"]})
    status, body = kari.patch(f"/admin/departments/{parent['department_id']}", {"parent_id": child["department_id"]})
    assert status == 409 and body["error"] == "department_cycle"


@pytest.mark.feature("E1", "E5")
def test_department_admin_sees_and_moves_only_within_own_departments(ola, kari):
    status, body = ola.get("/admin/subscriptions?limit=200")
    assert status == 200 and body["items"]
    assert {s["department_id"] for s in body["items"]} == {"dep-salg"}
    salg_sub = body["items"][0]["subscription_id"]
    status, err = ola.put(f"/admin/subscriptions/{salg_sub}/department", {"department_id": "dep-service"})
    assert status == 403 and err["error"] == "forbidden"
    assert kari.get(f"/admin/subscriptions/{salg_sub}")[1]["department_id"] == "dep-salg"


@pytest.mark.feature("E1", "E6")
def test_company_admin_moves_a_subscription_and_the_move_is_audited(kari):
    status, moved = kari.put("/admin/subscriptions/s-nordlys-10/department", {"department_id": "dep-adm"})
    assert status == 200 and moved["department_id"] == "dep-adm"
    status, log = kari.get("/admin/audit?kind=subscription.moved")
    entry = next(e for e in log["items"] if e["target"] == "s-nordlys-10")
    assert entry["after"]["department_id"] == "dep-adm" and entry["actor"] == "e-nordlys-01"
    assert kari.put("/admin/subscriptions/s-nordlys-10/department", {"department_id": "nope"})[0] == 400


@pytest.mark.feature("E1")
def test_lists_are_paginated_without_overlap(kari):
    status, first = kari.get("/admin/employees?limit=10")
    assert status == 200 and len(first["items"]) == 10 and first["next_cursor"]
    seen = [e["employee_id"] for e in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        status, page = kari.get(f"/admin/employees?limit=10&cursor={cursor}")
        seen += [e["employee_id"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.feature("E1")
def test_search_by_name_or_number(kari):
    _, by_name = kari.get("/admin/employees?q=nordmann")
    assert [e["name"] for e in by_name["items"]] == ["Kari Nordmann"]
    _, by_number = kari.get("/admin/subscriptions?q=" + quote("912 00 004"))
    assert [s["subscription_id"] for s in by_number["items"]] == ["s-nordlys-04"]
    _, by_dept = kari.get("/admin/subscriptions?department_id=dep-service&limit=200")
    assert by_dept["items"] and all(s["department_id"] == "dep-service" for s in by_dept["items"])


@pytest.mark.feature("A10", "C1")
def test_me_shows_profile_and_patch_changes_language_and_display_number(lars):
    status, me = lars.get("/me")
    assert status == 200 and me["employee_id"] == "e-nordlys-04" and me["subscriptions"][0]["msisdn"] == "+4791200004"
    status, me = lars.patch("/me", {"language": "en", "display_number": "main"})
    assert status == 200 and me["language"] == "en" and me["shown_number"] == "+4722123400"
    status, body = lars.patch("/me", {"language": "de"})
    assert status == 400 and "language" in body["message"]
    assert lars.patch("/me", {"language": "nb", "display_number": "personal"})[1]["shown_number"] == "+4791200004"
