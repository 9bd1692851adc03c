"""Subscription administration through the gateway (issue 11): add-ons and price-plan
changes (E3), barring (A9), directory listings delivered until acknowledged (E4),
administrator users (E5), equipment from device sightings (F5), and the audit log with
its CSV export (E6).

Acts on demo subscriptions s-nordlys-20…24 and employees e-nordlys-20…24, which the other
HTTP tests do not read. Ola administers Salg (s-nordlys-22); s-nordlys-24 is in
Administrasjon (outside his scope)."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request

import pytest

from tests.helpers import sample_event

IN_SCOPE, OUT_OF_SCOPE = "s-nordlys-22", "s-nordlys-24"
IPHONE_14, IPAD_AIR = "353328111234561", "356741087654322"  # TACs of domain/tac_models.json
ICCID = "8947080012345678900"  # Luhn check digit 0


def _audit(kari, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    status, body = kari.get(f"/admin/audit?limit=200&{query}")
    assert status == 200
    return body["items"]


def _wait(predicate, timeout_s: float = 20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("not reached in time")


# ---------------------------------------------------------------- department-admin scope on every route
SUBSCRIPTION_ROUTES = [
    ("GET", "/add-ons", None),
    ("PUT", "/plan", {"plan_code": "BEDRIFT_10", "effective": "now"}),
    ("DELETE", "/plan/scheduled", None),
    ("PUT", "/barring", {"categories": ["premium_rate"], "chosen_prefixes": []}),
    ("PUT", "/content-limit", {"limit_ore": 10000}),
    ("POST", "/twin-sim", {"iccid": ICCID}),
    ("DELETE", "/twin-sim", None),
    ("GET", "/listing", None),
    ("PUT", "/listing", {"mode": "unlisted"}),
]


@pytest.mark.feature("E5")
@pytest.mark.feature("E3")
@pytest.mark.feature("E4")
@pytest.mark.parametrize("method,suffix,body", SUBSCRIPTION_ROUTES)
def test_department_admin_outside_scope_is_403_other_company_404_and_nothing_changes(
    ola, siri, kari, method, suffix, body
):
    before = kari.get(f"/admin/subscriptions/{OUT_OF_SCOPE}")[1]
    status, answer = ola.call(method, f"/admin/subscriptions/{OUT_OF_SCOPE}{suffix}", body)
    assert status == 403 and answer["error"] == "forbidden"
    status, answer = siri.call(method, f"/admin/subscriptions/{OUT_OF_SCOPE}{suffix}", body)
    assert status == 404 and answer["error"] == "not_found"
    assert kari.get(f"/admin/subscriptions/{OUT_OF_SCOPE}")[1] == before


@pytest.mark.feature("E5")
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/admin/admins", None),
        ("POST", "/admin/admins", {"employee_id": "e-nordlys-20", "role": "department_admin", "departments": ["x"]}),
        ("PATCH", "/admin/admins/e-nordlys-02", {"departments": ["dep-salg"]}),
        ("DELETE", "/admin/admins/e-nordlys-02", None),
        ("GET", "/admin/equipment", None),
        ("POST", "/admin/equipment", {"kind": "router", "model": "X", "department_id": "dep-salg"}),
        ("GET", "/admin/audit.csv", None),
    ],
)
def test_employees_cannot_use_the_admin_routes(lars, method, path, body):
    status = lars.call(method, path, body)[0] if path != "/admin/audit.csv" else _csv(lars)[0]
    assert status == 403


# ---------------------------------------------------------------- E3 add-ons and plan changes
@pytest.mark.feature("E3")
def test_add_ons_show_the_catalogue_at_agreed_prices_and_the_settings(ola):
    status, body = ola.get(f"/admin/subscriptions/{IN_SCOPE}/add-ons")
    assert status == 200
    codes = {o["code"] for o in body["catalogue"]}
    assert {"BIGGER_PLAN", "BARRING", "CONTENT_LIMIT", "TWIN_SIM", "DATA_ROLLOVER", "DATAKONTROLL"} <= codes
    assert body["settings"]["rollover"] is True and body["settings"]["plan_code"]
    assert any(p["code"] == "BEDRIFT_5" for p in body["price_plans"])


@pytest.mark.feature("E3")
@pytest.mark.feature("E6")
def test_plan_change_at_once_is_prorated_recorded_and_audited(ola, kari):
    current = ola.get(f"/admin/subscriptions/{IN_SCOPE}")[1]["plan_code"]
    new = "BEDRIFT_10" if current != "BEDRIFT_10" else "BEDRIFT_20"
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/plan", {"plan_code": new, "effective": "now"})
    assert status == 200 and body["plan_code"] == new
    proration = body["change"]["proration"]
    assert proration["net_ore"] == proration["charge_ore"] - proration["credit_ore"]
    assert 1 <= proration["days_remaining"] <= proration["days_in_month"]
    assert ola.get(f"/admin/subscriptions/{IN_SCOPE}")[1]["plan_code"] == new
    changes = ola.get(f"/admin/subscriptions/{IN_SCOPE}/add-ons")[1]["plan_changes"]
    assert changes[-1]["from_plan"] == current and changes[-1]["to_plan"] == new
    entry = _audit(kari, kind="subscription.plan_changed", target=IN_SCOPE)[0]
    assert entry["actor"] == "e-nordlys-02"
    assert (entry["before"]["plan_code"], entry["after"]["plan_code"]) == (current, new)


@pytest.mark.feature("E3")
def test_unknown_or_same_plan_is_400(ola):
    current = ola.get(f"/admin/subscriptions/{IN_SCOPE}")[1]["plan_code"]
    for plan in ("NO_SUCH_PLAN", current):
        status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/plan", {"plan_code": plan, "effective": "now"})
        assert status == 400 and body["message"]
    status, _ = ola.put(f"/admin/subscriptions/{IN_SCOPE}/plan", {"plan_code": "BEDRIFT_5", "effective": "soon"})
    assert status == 400


@pytest.mark.feature("E3")
@pytest.mark.feature("E6")
def test_plan_change_from_next_month_is_scheduled_and_applies_when_the_month_comes(kari, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-20T10:00:00Z")
    sub = "s-nordlys-21"  # BEDRIFT_10
    status, body = kari.put(f"/admin/subscriptions/{sub}/plan", {"plan_code": "BEDRIFT_20", "effective": "next_month"})
    assert status == 200 and body["plan_code"] == "BEDRIFT_10"
    assert body["next_plan"] == {"plan_code": "BEDRIFT_20", "from_month": "2026-12"}
    assert body["change"]["effective_from"] == "2026-11-30T23:00:00Z" and body["change"]["proration"] is None
    assert _audit(kari, kind="subscription.plan_scheduled", target=sub)
    assert kari.get(f"/admin/subscriptions/{sub}")[1]["plan_code"] == "BEDRIFT_10"
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-01T08:00:00Z")
    shown = kari.get(f"/admin/subscriptions/{sub}")[1]
    assert shown["plan_code"] == "BEDRIFT_20" and shown["next_plan"] is None


@pytest.mark.feature("A9")
@pytest.mark.feature("E3")
@pytest.mark.feature("E6")
def test_barring_is_stored_where_call_control_reads_it_and_audited(ola, kari, cloud):
    from skysentral.store.models import SubscriptionItem

    wanted = {"categories": ["international", "premium_rate"], "chosen_prefixes": ["+4782"]}
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/barring", wanted)
    assert status == 200 and body["barring"] == wanted
    assert SubscriptionItem.get("c-nordlys", f"SUB#{IN_SCOPE}").barring == wanted
    entry = _audit(kari, kind="subscription.barring_changed", target=IN_SCOPE)[0]
    assert entry["after"]["barring"] == wanted
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/barring", {"categories": ["gambling"]})
    assert status == 400 and body["message"]
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/barring", {"categories": [], "chosen_prefixes": ["46"]})
    assert status == 400 and "+4782" in body["message"]


@pytest.mark.feature("E3")
@pytest.mark.feature("E6")
def test_content_limit_and_twin_sim_are_set_and_audited(ola, kari):
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/content-limit", {"limit_ore": 50000})
    assert status == 200 and body["content_limit_ore"] == 50000
    assert ola.put(f"/admin/subscriptions/{IN_SCOPE}/content-limit", {"limit_ore": -1})[0] == 400
    status, body = ola.post(f"/admin/subscriptions/{IN_SCOPE}/twin-sim", {"iccid": ICCID})
    assert status == 201 and body["twin_sim_iccid"] == ICCID
    assert ola.post(f"/admin/subscriptions/{IN_SCOPE}/twin-sim", {"iccid": ICCID})[0] == 409
    status, body = ola.delete(f"/admin/subscriptions/{IN_SCOPE}/twin-sim")
    assert status == 200 and body["twin_sim_iccid"] is None
    assert ola.delete(f"/admin/subscriptions/{IN_SCOPE}/twin-sim")[0] == 404
    assert ola.post(f"/admin/subscriptions/{IN_SCOPE}/twin-sim", {"iccid": "8947080012345678901"})[0] == 400
    kinds = [e["kind"] for e in _audit(kari, target=IN_SCOPE, actor="e-nordlys-02")]
    for kind in ("subscription.content_limit_changed", "subscription.twin_sim_added", "subscription.twin_sim_removed"):
        assert kind in kinds


# ---------------------------------------------------------------- E4 listings
@pytest.mark.feature("E4")
@pytest.mark.feature("E6")
def test_listing_is_retried_until_the_directory_services_acknowledge(ola, kari, directory_standin):
    msisdn = "+4791200022"
    directory_standin.fail_next(2)
    wanted = {
        "mode": "with_address",
        "name": "Nordlys Rørlegger AS",
        "address": {"street": "Storgata 1", "postal_code": "9008", "city": "Tromsø"},
    }
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/listing", wanted)
    assert status == 200 and body["status"] == "pending"
    version = body["version"]

    def acknowledged():
        shown = ola.get(f"/admin/subscriptions/{IN_SCOPE}/listing")[1]
        return shown if shown["status"] == "acknowledged" else None

    shown = _wait(acknowledged)
    assert shown["acknowledged_version"] == version and shown["mode"] == "with_address"
    sent = [r for r in directory_standin.received(msisdn) if r["version"] == version]
    assert len(sent) >= 3 and {r["idempotency_key"] for r in sent} == {f"{msisdn}:{version}"}
    assert directory_standin.published[msisdn] == {"version": version, "listing": {**wanted, "name": wanted["name"]}}
    entry = _audit(kari, kind="subscription.listing_changed", target=IN_SCOPE)[0]
    assert entry["after"]["version"] == version


@pytest.mark.feature("E4")
def test_listing_needs_a_name_and_a_whole_address(ola):
    status, body = ola.put(f"/admin/subscriptions/{IN_SCOPE}/listing", {"mode": "listed"})
    assert status == 400 and body["message"]
    status, _ = ola.put(
        f"/admin/subscriptions/{IN_SCOPE}/listing",
        {"mode": "with_address", "name": "X", "address": {"street": "S 1", "postal_code": "90", "city": "T"}},
    )
    assert status == 400


@pytest.mark.feature("E4")
def test_publish_for_the_activation_workflow_is_delivered(cloud, directory_standin):
    from skysentral.services import directory_listing

    cloud.apply_function_environment()
    view = directory_listing.publish(
        "c-nordlys", "s-nordlys-20", {"mode": "name_only", "name": "Nordlys", "address": None}
    )
    assert view["status"] == "pending"
    _wait(lambda: directory_standin.published.get("+4791200020", {}).get("version") == view["version"])


@pytest.mark.feature("E4")
def test_listing_sample_event_is_acknowledged(cloud, directory_standin):
    assert cloud.invoke("DirectoryListingFunction", sample_event("directory_listing_sqs.json")) == {
        "batchItemFailures": []
    }
    assert directory_standin.published["+4791200024"]["version"] >= 1


# ---------------------------------------------------------------- E5 administrator users
@pytest.mark.feature("E5")
@pytest.mark.feature("E6")
def test_admin_users_are_granted_rescoped_and_revoked_within_what_the_granter_holds(kari, ola):
    status, body = ola.post("/admin/admins", {"employee_id": "e-nordlys-22", "role": "company_admin"})
    assert status == 403
    status, body = ola.post(
        "/admin/admins", {"employee_id": "e-nordlys-22", "role": "department_admin", "departments": ["dep-adm"]}
    )
    assert status == 403
    status, body = ola.post(
        "/admin/admins", {"employee_id": "e-nordlys-22", "role": "department_admin", "departments": ["dep-salg"]}
    )
    assert status == 201 and body["departments"] == ["dep-salg"]
    assert "e-nordlys-22" in {a["employee_id"] for a in ola.get("/admin/admins")[1]["items"]}
    status, body = kari.post(
        "/admin/admins", {"employee_id": "e-nordlys-20", "role": "department_admin", "departments": ["dep-service"]}
    )
    assert status == 201
    assert "e-nordlys-20" not in {a["employee_id"] for a in ola.get("/admin/admins")[1]["items"]}
    assert ola.delete("/admin/admins/e-nordlys-20")[0] == 403  # Service is not his
    assert ola.patch("/admin/admins/e-nordlys-01", {"departments": ["dep-salg"]})[0] == 403  # a company admin
    status, body = kari.patch("/admin/admins/e-nordlys-20", {"departments": ["dep-service", "dep-adm"]})
    assert status == 200 and body["departments"] == ["dep-adm", "dep-service"]
    assert kari.delete("/admin/admins/e-nordlys-20")[0] == 204
    assert kari.get("/admin/employees/e-nordlys-20")[1]["role"] == "employee"
    assert ola.delete("/admin/admins/e-nordlys-22")[0] == 204
    kinds = {(e["kind"], e["target"]) for e in _audit(kari, kind="admin.")}
    assert {
        ("admin.granted", "e-nordlys-22"),
        ("admin.granted", "e-nordlys-20"),
        ("admin.scope_changed", "e-nordlys-20"),
        ("admin.revoked", "e-nordlys-20"),
        ("admin.revoked", "e-nordlys-22"),
    } <= kinds


@pytest.mark.feature("E5")
def test_the_last_company_admin_cannot_revoke_themselves(kari):
    status, body = kari.delete("/admin/admins/e-nordlys-01")
    assert status == 409 and body["error"] == "last_company_admin"
    assert kari.get("/admin/employees/e-nordlys-01")[1]["role"] == "company_admin"


# ---------------------------------------------------------------- F5 equipment
@pytest.mark.feature("F5")
@pytest.mark.feature("E6")
def test_device_sightings_out_of_order_keep_the_newest_device(cloud, kari, ola):
    sqs, url = cloud.client("sqs"), cloud.queue_url("DeviceSeenQueue")
    newer = {"msisdn": "+4791200023", "imei": IPAD_AIR, "seen_at": "2026-11-25T10:00:00Z"}
    older = {"msisdn": "+4791200023", "imei": IPHONE_14, "seen_at": "2026-11-25T09:00:00Z"}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(newer))
    _wait(lambda: (kari.get("/admin/subscriptions/s-nordlys-23")[1]["device"] or {}).get("imei") == IPAD_AIR)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(older))
    cloud.drain()
    device = kari.get("/admin/subscriptions/s-nordlys-23")[1]["device"]
    assert device["imei"] == IPAD_AIR and device["model"].startswith("Apple iPad") and device["kind"] == "tablet"
    tablets = kari.get("/admin/equipment?kind=tablet&department_id=dep-service")[1]["items"]
    assert any(i.get("subscription_id") == "s-nordlys-23" for i in tablets)
    assert all(i["department_id"] in {"dep-salg"} for i in ola.get("/admin/equipment")[1]["items"])
    assert _audit(kari, kind="subscription.device_seen", target="s-nordlys-23")[0]["after"]["imei"] == IPAD_AIR


@pytest.mark.feature("F5")
def test_device_seen_sample_event_is_handled(cloud):
    assert cloud.invoke("DeviceSeenFunction", sample_event("device_seen_sqs.json")) == {"batchItemFailures": []}


@pytest.mark.feature("F5")
def test_a_sighting_with_a_wrong_check_digit_fails_alone(cloud):
    event = sample_event("device_seen_sqs.json")
    body = json.loads(event["Records"][0]["body"])
    event["Records"][0]["body"] = json.dumps(
        {**body, "imei": body["imei"][:-1] + str((int(body["imei"][-1]) + 1) % 10)}
    )
    assert cloud.invoke("DeviceSeenFunction", event)["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][0]["messageId"]}
    ]


@pytest.mark.feature("F5")
@pytest.mark.feature("E6")
def test_equipment_added_by_hand_is_listed_in_scope_and_audited(kari, ola):
    status, body = ola.post(
        "/admin/equipment", {"kind": "router", "model": "Huawei E5576", "department_id": "dep-salg"}
    )
    assert status == 201 and body["equipment_id"]
    assert ola.post("/admin/equipment", {"kind": "router", "model": "X", "department_id": "dep-adm"})[0] == 403
    assert ola.post("/admin/equipment", {"kind": "toaster", "model": "X", "department_id": "dep-salg"})[0] == 400
    routers = ola.get("/admin/equipment?kind=router")[1]["items"]
    assert body["equipment_id"] in {i.get("equipment_id") for i in routers}
    assert _audit(kari, kind="equipment.added", target=body["equipment_id"])


# ---------------------------------------------------------------- E6 audit export
def _csv(client, query: str = "") -> tuple[int, bytes, str]:
    request = urllib.request.Request(f"{client.base}/admin/audit.csv{query}")
    request.add_header("Authorization", f"Bearer {client.token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


@pytest.mark.feature("E6")
def test_audit_csv_parses_back_to_the_same_entries(kari, ola):
    ola.put(f"/admin/subscriptions/{IN_SCOPE}/content-limit", {"limit_ore": 12345})
    status, raw, content_type = _csv(kari, "?actor=e-nordlys-02")
    assert status == 200 and content_type.startswith("text/csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads æøå right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    entries = _audit(kari, actor="e-nordlys-02")
    assert len(rows) == len(entries) and rows
    assert [r["id"] for r in rows] == [e["id"] for e in entries]
    first = rows[0]
    assert first["kind"] == "subscription.content_limit_changed"
    assert json.loads(first["after"])["content_limit_ore"] == 12345 and json.loads(first["before"]) is not None
    assert _csv(ola)[0] == 403
