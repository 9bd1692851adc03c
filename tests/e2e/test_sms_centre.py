"""B5 SMS centre through the local gateway: who may send, recipients and their numbers,
parts, the per-company rate limit, the log, and each recipient's status from queued to
delivered (moto's SNS keeps the SMS; the receipt stand-in plays the carrier)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from infra.local.sms_receipts_standin import SmsReceiptsStandIn
from tests.helpers import Client, sample_event, sms_sent_to

pytestmark = pytest.mark.feature("B5")


@pytest.fixture
def agent(as_user):
    return as_user("switchboard_agent")


@pytest.fixture(scope="module")
def receipts(cloud):
    return SmsReceiptsStandIn(cloud)


def statuses(client: Client, batch_id: str) -> dict[str, str]:
    status, batch = client.get(f"/switchboard/sms/{batch_id}")
    assert status == 200, batch
    return {r["number"]: r["status"] for r in batch["to"]}


def test_employee_may_not_send_sms(lars):
    status, body = lars.post("/switchboard/sms", {"recipients": [{"number": "+4791200005"}], "text": "Hei"})
    assert status == 403, body
    assert lars.get("/switchboard/sms")[0] == 403


def test_sms_goes_once_to_each_number_and_moves_from_queued_to_delivered(cloud, agent, receipts):
    # GIVEN Kari's mobile named twice (as an employee and as a national number) and another number
    before = {n: len(sms_sent_to(cloud, n)) for n in ("+4791200001", "+4791200006")}
    text = f"Brannøvelse kl. 14 i dag ({uuid.uuid4().hex[:6]})"
    recipients = [{"employee_id": "e-nordlys-01"}, {"number": "912 00 001"}, {"number": "+47 912 00 006"}]
    status, sent = agent.post("/switchboard/sms", {"recipients": recipients, "text": text})
    # THEN one batch of two recipients, one GSM-7 part each
    assert status == 202, sent
    assert {k: sent[k] for k in ("recipients", "encoding", "parts", "parts_total")} == {
        "recipients": 2,
        "encoding": "GSM-7",
        "parts": 1,
        "parts_total": 2,
    }
    assert set(statuses(agent, sent["batch_id"]).values()) <= {"queued", "sent"}

    cloud.drain()
    assert statuses(agent, sent["batch_id"]) == {"+4791200001": "sent", "+4791200006": "sent"}
    assert [sms_sent_to(cloud, n)[before[n] :] for n in before] == [[text], [text]]

    # WHEN the carrier reports one delivered and the other unreachable
    ours = {number: mid for mid, number, t in receipts.sent() if t == text}
    receipts.deliver(ours["+4791200001"], "+4791200001", "TEXT_DELIVERED")
    receipts.deliver(ours["+4791200006"], "+4791200006", "TEXT_UNREACHABLE", "Phone is switched off")
    cloud.drain()
    _, batch = agent.get(f"/switchboard/sms/{sent['batch_id']}")
    by_number = {r["number"]: r for r in batch["to"]}
    assert by_number["+4791200001"]["status"] == "delivered"
    assert by_number["+4791200006"]["status"] == "failed"
    assert by_number["+4791200006"]["reason"] == "Phone is switched off"
    assert batch["sent_by"] == "e-nordlys-03" and batch["text"] == text

    # AND a late duplicate receipt does not undo a final status
    receipts.deliver(ours["+4791200006"], "+4791200006", "TEXT_DELIVERED")
    cloud.drain()
    assert statuses(agent, sent["batch_id"])["+4791200006"] == "failed"


def test_redelivered_outbox_message_is_not_sent_twice(cloud, agent):
    text = f"Husk møtet ({uuid.uuid4().hex[:6]})"
    status, sent = agent.post("/switchboard/sms", {"recipients": [{"number": "+4791200007"}], "text": text})
    assert status == 202, sent
    cloud.drain()
    assert sms_sent_to(cloud, "+4791200007").count(text) == 1

    # the same outbox message again, as SQS would deliver it a second time
    event = sample_event("sms_send_sqs.json")
    event["Records"][0]["body"] = json.dumps(
        {"company_id": "c-nordlys", "batch_id": sent["batch_id"], "text": text, "numbers": ["+4791200007"]}
    )
    assert cloud.invoke("SmsSendFunction", event) == {"batchItemFailures": []}
    assert sms_sent_to(cloud, "+4791200007").count(text) == 1
    assert statuses(agent, sent["batch_id"]) == {"+4791200007": "sent"}


def test_department_reaches_every_employee_with_a_mobile_in_it(cloud, agent):
    status, sent = agent.post("/switchboard/sms", {"recipients": [{"department_id": "dep-service"}], "text": "Hei!"})
    assert status == 202, sent
    numbers = set(statuses(agent, sent["batch_id"]))
    assert numbers == {f"+47912000{n:02d}" for n in (5, 8, 11, 14, 17, 20, 23)}
    cloud.drain()


def test_long_and_unicode_texts_are_counted_in_parts(agent):
    status, sent = agent.post("/switchboard/sms", {"recipients": [{"number": "+4791200009"}], "text": "a" * 161})
    assert (status, sent["encoding"], sent["parts"]) == (202, "GSM-7", 2), sent
    status, sent = agent.post(
        "/switchboard/sms",
        {"recipients": [{"number": "+4791200009"}, {"number": "+4791200012"}], "text": "God jul 🎄" + "x" * 62},
    )
    assert (status, sent["encoding"], sent["parts"], sent["parts_total"]) == (202, "UCS-2", 2, 4), sent


@pytest.mark.parametrize(
    "body",
    [
        {"recipients": [{"number": "+4791200005"}], "text": ""},
        {"recipients": [{"number": "+4791200005"}], "text": "   "},
        {"recipients": [], "text": "Hei"},
        {"recipients": [{"number": "12"}], "text": "Hei"},
        {"recipients": [{"number": "+4791200005", "employee_id": "e-nordlys-05"}], "text": "Hei"},
        {"recipients": [{"fax": "+4791200005"}], "text": "Hei"},
        {"recipients": [{"number": "+4791200005"}]},
    ],
    ids=["empty", "blank", "no-recipients", "bad-number", "two-kinds", "unknown-kind", "no-text"],
)
def test_bad_sms_requests_are_400(agent, body):
    status, answer = agent.post("/switchboard/sms", body)
    assert status == 400, answer
    assert answer["message"]


def test_other_company_department_employee_and_batch_are_404(agent, siri):
    assert siri.post("/switchboard/sms", {"recipients": [{"department_id": "dep-salg"}], "text": "Hei"})[0] == 404
    assert siri.post("/switchboard/sms", {"recipients": [{"employee_id": "e-nordlys-05"}], "text": "Hei"})[0] == 404
    assert agent.post("/switchboard/sms", {"recipients": [{"contact_id": "k-nobody"}], "text": "Hei"})[0] == 404
    status, sent = agent.post("/switchboard/sms", {"recipients": [{"number": "+4791200010"}], "text": "Bare oss"})
    assert status == 202
    assert siri.get(f"/switchboard/sms/{sent['batch_id']}")[0] == 404
    _, log = siri.get("/switchboard/sms")
    assert sent["batch_id"] not in {b["batch_id"] for b in log["batches"]}


def test_log_is_newest_first_with_a_cursor(agent):
    ids = []
    for n in range(3):
        status, sent = agent.post("/switchboard/sms", {"recipients": [{"number": "+4791200013"}], "text": f"Logg {n}"})
        assert status == 202
        ids.append(sent["batch_id"])
    status, first = agent.get("/switchboard/sms?limit=2")
    assert status == 200 and [b["batch_id"] for b in first["batches"]] == ids[::-1][:2]
    _, second = agent.get(f"/switchboard/sms?limit=2&cursor={first['next_cursor']}")
    assert second["batches"][0]["batch_id"] == ids[0]
    assert agent.get("/switchboard/sms?cursor=%%%")[0] == 400


def test_over_the_rate_limit_is_429_and_nothing_is_sent(cloud, gateway, token):
    # GIVEN a company of its own (the limit is per company and minute) that sends 300 parts
    company = f"c-smsrate-{uuid.uuid4().hex[:8]}"
    auth = token({"custom:company_id": company, "custom:role": "switchboard_agent", "sub": "e-rate-01"})
    client = Client(gateway, auth)
    numbers = [f"+47980{n:05d}" for n in range(30)]
    text = "x" * 1530  # 10 parts of 153
    status, sent = client.post("/switchboard/sms", {"recipients": [{"number": n} for n in numbers], "text": text})
    assert status == 202 and sent["parts_total"] == 300, sent

    # WHEN one more part is asked for in the same minute
    extra = "+4798099999"
    request = urllib.request.Request(
        gateway + "/switchboard/sms",
        data=json.dumps({"recipients": [{"number": extra}], "text": "En til"}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {auth}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)

    # THEN 429 rate_limited with Retry-After, and nothing written or sent
    assert refused.value.code == 429
    assert json.loads(refused.value.read())["error"] == "rate_limited"
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 61
    _, log = client.get("/switchboard/sms")
    assert [b["batch_id"] for b in log["batches"]] == [sent["batch_id"]]
    cloud.drain()
    assert sms_sent_to(cloud, extra) == []
