"""E2 through the API with the activation workflow executing for real in the local cloud:
SIM from stock, shipped then delivered, eSIM, port-in on a date, two orders for one number,
the network refusing (compensation), a delivery that never comes (timeout and compensation),
terminations and SIM swaps, department-admin scope, and the audit of every mutation (E6)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid

import pytest

FINAL = {"completed", "failed", "compensated"}


def wait_final(client, activation_id, timeout_s=25.0, until=FINAL):
    deadline = time.monotonic() + timeout_s
    while True:
        status, body = client.get(f"/admin/activations/{activation_id}")
        assert status == 200, body
        if body["status"] in until or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


@pytest.fixture(scope="module")
def acme(cloud, gateway, issuer):
    """A company of its own (the activations create employees and subscriptions, which the
    tests reading the seeded Nordlys must not see): departments Salg and Service, the
    standard plans, one subscription in each department; a company admin and a department
    admin of Salg."""
    from infra.local.seed import seed_activation
    from skysentral.domain import organisation
    from skysentral.domain.catalogue import PLANS
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import SubscriptionItem
    from tests.helpers import Client

    seed_activation(cloud)  # the SES sender verified
    cid = f"c-act-{uuid.uuid4().hex[:6]}"
    directory = Directory(cid)
    values = [
        organisation.Company(cid, "Acme AS", "999111222", "+4722000099"),
        organisation.Department("dep-salg", "Salg"),
        organisation.Department("dep-service", "Service"),
        *PLANS.values(),
        organisation.Employee("e-admin", "Anne Admin", "anne@acme.no", "company_admin", "dep-service"),
        organisation.Employee(
            "e-ola", "Ola Salg", "ola@acme.no", "department_admin", "dep-salg", admin_departments=("dep-salg",)
        ),
        organisation.Subscription("s-service", f"+47413{uuid.uuid4().int % 10**5:05d}", "dep-service", "BEDRIFT_10"),
    ]
    with SubscriptionItem.batch_write() as batch:
        for value in values:
            batch.save(directory.item(value))

    def client(sub, role, departments=""):
        claims = {"sub": sub, "email": f"{sub}@acme.no", "custom:company_id": cid, "custom:role": role}
        return Client(gateway, issuer.issue({**claims, "custom:departments": departments}))

    return {
        "id": cid,
        "admin": client("e-admin", "company_admin"),
        "dept_admin": client("e-ola", "department_admin", "dep-salg"),
    }


@pytest.fixture
def kari(acme):
    """The company admin of Acme (named as the seeded Nordlys admin whose role she has)."""
    return acme["admin"]


@pytest.fixture
def ola(acme):
    """Department admin of Acme's Salg."""
    return acme["dept_admin"]


def new_iccid() -> str:
    return "8947" + f"{uuid.uuid4().int % 10**15:015d}"


@pytest.fixture
def stock_sim(kari):
    """A fresh SIM in Nordlys' stock."""
    iccid = new_iccid()
    status, body = kari.post("/admin/sims", {"iccids": [iccid]})
    assert status == 200 and body["added"] == [iccid], body
    return iccid


def fresh_number() -> str:
    """A new number in the operator's pool (other tests, the fuzzer among them, may have
    taken the seeded ones)."""
    from skysentral.store import activation_repository

    number = f"+47930{uuid.uuid4().int % 10**5:05d}"
    activation_repository.add_pool_numbers([number])
    return number


@pytest.fixture
def free_number(kari, cloud):
    return fresh_number()


@pytest.fixture(autouse=True)
def network_ok(provisioning_sim):
    provisioning_sim.set_mode("ok")
    yield
    provisioning_sim.set_mode("ok")


def order(number=None, sim=None, **extra):
    body = {
        "department_id": "dep-salg",
        "plan_code": "BEDRIFT_10",
        "new_employee": {"name": "Nina Ny", "email": f"nina.{uuid.uuid4().hex[:6]}@nordlys.no"},
        "sim": sim or {"kind": "esim"},
        **extra,
    }
    if number:
        body["number"] = number
    elif "port_in" not in extra:
        fresh_number()  # the order takes any free number: make sure there is one
    return body


def sim_status(kari, iccid):
    status, body = kari.get("/admin/sims")
    assert status == 200
    return next((s["status"] for s in body["items"] if s["iccid"] == iccid), None)


def pool_status(number):
    from skysentral.store import activation_repository

    item = activation_repository.pool_number(number)
    return item.number_status if item else None


@pytest.mark.feature("E2", "E6")
def test_e2_activation_with_a_sim_in_stock_completes_and_creates_the_subscription(kari, stock_sim, free_number):
    status, body = kari.post("/admin/activations", order(free_number, {"kind": "stock", "iccid": stock_sim}))
    assert status == 202, body
    done = wait_final(kari, body["activation_id"])
    assert done["status"] == "completed", done
    names = [s["name"] for s in done["steps"]]
    assert names[:3] == ["validate", "reserve_number", "take_from_stock"]
    for step in ("activate_on_network", "create_subscription", "publish_listing", "create_login", "audit", "notify"):
        assert step in names
    assert all(s["status"] == "done" and s["started_at"] and s["ended_at"] for s in done["steps"]), done["steps"]
    sub_id = done["result"]["subscription_id"]
    status, sub = kari.get(f"/admin/subscriptions/{sub_id}")
    assert status == 200 and sub["msisdn"] == free_number and sub["plan_code"] == "BEDRIFT_10"
    assert sim_status(kari, stock_sim) == "active"
    assert pool_status(free_number) == "active"
    status, audit = kari.get("/admin/audit?kind=activation.&limit=200")
    assert {"activation.ordered", "activation.completed"} <= {
        e["kind"] for e in audit["items"] if e["target"] == body["activation_id"]
    }


@pytest.mark.feature("E2")
def test_e2_activation_with_an_esim_gives_an_activation_code(kari):
    status, body = kari.post("/admin/activations", order())
    assert status == 202, body
    done = wait_final(kari, body["activation_id"])
    assert done["status"] == "completed", done
    assert done["result"]["esim_code"].startswith("LPA:1$")
    assert done["result"]["msisdn"].startswith("+47")


@pytest.mark.feature("E2")
def test_e2_shipped_sim_waits_for_delivery_then_completes(kari, free_number):
    address = {"name": "Nina Ny", "street": "Storgata 1", "postcode": "0155", "city": "Oslo"}
    status, body = kari.post("/admin/activations", order(free_number, {"kind": "ship", "address": address}))
    assert status == 202, body
    waiting = wait_final(kari, body["activation_id"], until={"waiting_for_delivery"} | FINAL)
    assert waiting["status"] == "waiting_for_delivery", waiting
    status, confirmed = kari.post(f"/admin/activations/{body['activation_id']}/delivered")
    assert status == 200, confirmed
    done = wait_final(kari, body["activation_id"])
    assert done["status"] == "completed", done
    assert done["result"]["shipment_id"].startswith("shp-")


@pytest.mark.feature("E2")
def test_e2_shipment_never_delivered_times_out_and_is_undone(kari, free_number, provisioning_sim):
    address = {"name": "Nina Ny", "street": "Storgata 1", "postcode": "0155", "city": "Oslo"}
    status, body = kari.post("/admin/activations", order(free_number, {"kind": "ship", "address": address}))
    assert status == 202, body
    done = wait_final(kari, body["activation_id"], timeout_s=30)
    assert done["status"] == "compensated", done
    assert "not confirmed delivered" in done["reason"]
    assert pool_status(free_number) == "free"
    assert done["result"]["shipment_id"] in provisioning_sim.cancelled
    status, again = kari.post(f"/admin/activations/{body['activation_id']}/delivered")
    assert status == 409, again


@pytest.mark.feature("E2")
def test_e2_network_refusal_is_compensated_number_free_and_sim_back_in_stock(
    kari, stock_sim, free_number, provisioning_sim
):
    provisioning_sim.set_mode("fail", key=stock_sim)
    status, body = kari.post("/admin/activations", order(free_number, {"kind": "stock", "iccid": stock_sim}))
    assert status == 202, body
    done = wait_final(kari, body["activation_id"])
    assert done["status"] == "compensated", done
    assert "mobile network refused" in done["reason"]
    steps = {s["name"]: s["status"] for s in done["steps"]}
    assert steps["activate_on_network"] == "failed"
    assert steps["reserve_number"] == "compensated" and steps["take_from_stock"] == "compensated"
    assert pool_status(free_number) == "free"
    assert sim_status(kari, stock_sim) == "in_stock"
    status, audit = kari.get("/admin/audit?kind=activation.failed&limit=200")
    assert any(e["target"] == body["activation_id"] for e in audit["items"])


@pytest.mark.feature("E2")
def test_e2_network_that_never_answers_times_out_and_is_undone(kari, stock_sim, free_number, provisioning_sim):
    provisioning_sim.set_mode("never", key=stock_sim)
    status, body = kari.post("/admin/activations", order(free_number, {"kind": "stock", "iccid": stock_sim}))
    assert status == 202, body
    done = wait_final(kari, body["activation_id"], timeout_s=30)
    assert done["status"] == "compensated", done
    assert "did not confirm" in done["reason"]
    assert sim_status(kari, stock_sim) == "in_stock"


@pytest.mark.feature("E2")
def test_e2_two_concurrent_orders_for_one_number_exactly_one_gets_it(kari, free_number):
    results = []

    def place():
        results.append(kari.post("/admin/activations", order(free_number)))

    threads = [threading.Thread(target=place) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in results] == [202, 202], results
    finals = [wait_final(kari, b["activation_id"]) for _, b in results]
    assert sorted(f["status"] for f in finals) == ["completed", "failed"], finals
    failed = next(f for f in finals if f["status"] == "failed")
    assert "could not be reserved" in failed["reason"]
    assert pool_status(free_number) == "active"


@pytest.mark.feature("E2")
def test_e2_port_in_waits_for_the_port_date_then_completes(kari, cloud):
    # GIVEN the clock on a Monday before 06:00 Oslo: the port happens at 06:00 that day,
    # a moment already past in real time, so the Wait state passes at once
    os.environ["SKYSENTRAL_NOW"] = "2026-01-05T04:00:00Z"
    try:
        number = f"+479{uuid.uuid4().int % 10**7:07d}"
        port_in = {"number": number, "donor_operator": "Telenor", "requested_date": "2026-01-05"}
        status, body = kari.post("/admin/activations", order(None, port_in=port_in))
        assert status == 202, body
        assert body["request"]["port_in"]["port_at"] == "2026-01-05T05:00:00Z"
        done = wait_final(kari, body["activation_id"])
    finally:
        os.environ["SKYSENTRAL_NOW"] = ""
    assert done["status"] == "completed", done
    names = [s["name"] for s in done["steps"]]
    assert names.index("wait_for_port_date") < names.index("port_in") < names.index("activate_on_network")
    assert done["result"]["msisdn"] == number
    machine = cloud.state_machine_arn("ActivationStateMachine")
    execution = f"{machine.replace(':stateMachine:', ':execution:')}:{body['activation_id']}"
    history = cloud.client("stepfunctions").get_execution_history(executionArn=execution)["events"]
    assert any(e["type"] == "WaitStateEntered" for e in history)


@pytest.mark.feature("E2")
@pytest.mark.parametrize(
    "change, code",
    [
        ({"plan_code": "NOPE"}, "plan_not_in_agreement"),
        ({"sim": {"kind": "stock", "iccid": "8947000000000000999"}}, "sim_not_in_stock"),
        ({"sim": {"kind": "ship", "address": {"name": "a", "street": "b", "postcode": "12", "city": "c"}}}, None),
        ({"port_in": {"number": "+4790000001", "donor_operator": "Telia", "requested_date": "2020-01-06"}}, None),
        ({"port_in": {"number": "+4790000001", "donor_operator": "Telia", "requested_date": "2099-01-03"}}, None),
        ({"department_id": "dep-nope"}, "unknown_department"),
    ],
)
def test_e2_invalid_orders_are_refused_with_a_message(kari, change, code):
    status, body = kari.post("/admin/activations", {**order(), **change})
    assert status == 400, body
    assert body["message"]
    if code:
        assert body["error"] == code


@pytest.mark.feature("E2", "E5")
def test_e2_department_admin_orders_only_within_their_departments(ola, kari):
    status, body = ola.post("/admin/activations", {**order(), "department_id": "dep-service"})
    assert status == 403, body
    status, mine = ola.post("/admin/activations", order())
    assert status == 202, mine
    status, theirs = kari.post("/admin/activations", {**order(), "department_id": "dep-service"})
    assert status == 202
    assert ola.get(f"/admin/activations/{theirs['activation_id']}")[0] == 403
    assert ola.post(f"/admin/activations/{theirs['activation_id']}/delivered")[0] == 403
    status, listed = ola.get("/admin/activations?limit=200")
    assert status == 200 and all(a["department_id"] == "dep-salg" for a in listed["items"])
    assert ola.post("/admin/sims", {"iccids": [new_iccid()]})[0] == 403
    status, subs = kari.get("/admin/subscriptions?department_id=dep-service&limit=1")
    other = subs["items"][0]["subscription_id"]
    assert ola.post(f"/admin/subscriptions/{other}/termination")[0] == 403
    assert ola.post(f"/admin/subscriptions/{other}/sim-swap", {"sim": {"kind": "esim"}})[0] == 403
    wait_final(kari, mine["activation_id"])
    wait_final(kari, theirs["activation_id"])


@pytest.mark.feature("E2", "E6")
def test_e2_idempotency_key_returns_the_same_activation(kari):
    key = uuid.uuid4().hex
    body = order()
    first = kari.post("/admin/activations", body, headers={"Idempotency-Key": key})
    second = kari.post("/admin/activations", body, headers={"Idempotency-Key": key})
    assert first[0] == second[0] == 202
    assert first[1]["activation_id"] == second[1]["activation_id"]
    other = kari.post("/admin/activations", order(), headers={"Idempotency-Key": key})
    assert other[0] == 422
    wait_final(kari, first[1]["activation_id"])


@pytest.mark.feature("E2", "E6")
def test_e2_sim_swap_then_termination_puts_the_number_in_quarantine(kari, stock_sim, free_number):
    status, body = kari.post("/admin/activations", order(free_number))
    sub_id = wait_final(kari, body["activation_id"])["result"]["subscription_id"]
    status, swap = kari.post(f"/admin/subscriptions/{sub_id}/sim-swap", {"sim": {"kind": "stock", "iccid": stock_sim}})
    assert status == 202, swap
    swapped = wait_final(kari, swap["activation_id"])
    assert swapped["status"] == "completed", swapped
    assert sim_status(kari, stock_sim) == "active"
    status, end = kari.post(f"/admin/subscriptions/{sub_id}/termination")
    assert status == 202, end
    ended = wait_final(kari, end["activation_id"])
    assert ended["status"] == "completed", ended
    assert kari.get(f"/admin/subscriptions/{sub_id}")[1]["status"] == "terminated"
    assert pool_status(free_number) == "quarantine"
    assert sim_status(kari, stock_sim) == "retired"
    status, audit = kari.get("/admin/audit?kind=subscription.&limit=200")
    kinds = {e["kind"] for e in audit["items"] if e["target"] == sub_id}
    assert {"subscription.activated", "subscription.sim_swapped", "subscription.terminated"} <= kinds
    assert kari.post(f"/admin/subscriptions/{sub_id}/termination")[0] == 409


@pytest.mark.feature("E2")
def test_e2_forged_provisioning_callback_is_refused(gateway):
    from tests.helpers import Client

    status, body = Client(gateway, None).post(
        "/webhooks/provisioning",
        {"callback_id": "x", "status": "done"},
        headers={"X-Provisioning-Signature": "00" * 32},
    )
    assert status == 400 and body["error"] == "invalid_signature"


@pytest.mark.feature("E2")
def test_activation_tasks_sample_compensates_an_order_with_a_readable_reason(cloud, seeded):
    """events/activation_tasks_compensate.json: the Compensate step of an order that held
    nothing yet ends it failed (nothing to undo) with the network's reason."""
    from skysentral.domain import activation as act
    from skysentral.store import activation_repository
    from tests.helpers import sample_event

    event = sample_event("activation_tasks_compensate.json")
    ref = event["ref"]
    order = act.Order(
        ref["order_id"],
        ref["company_id"],
        act.ACTIVATION,
        "2026-11-26T12:00:00Z",
        "e-nordlys-01",
        "kari.nordmann@nordlys.no",
        "dep-salg",
        {"plan_code": "BEDRIFT_10"},
    )
    with contextlib.suppress(Exception):
        activation_repository.ActivationItem(f"{ref['company_id']}#ACT", ref["order_id"]).delete()
    activation_repository.create(order, None, None)
    result = cloud.invoke("ActivationTasksFunction", event)
    assert result["status"] == "failed"
    stored = activation_repository.get(ref["company_id"], ref["order_id"])
    assert stored.status == "failed" and "mobile network refused" in stored.reason
