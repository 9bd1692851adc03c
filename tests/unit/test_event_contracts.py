"""The published queue contracts: the usage record schema is generated from the Parser
model, and the sample events in events/ are valid instances of it."""

import json

import pytest
from pydantic import ValidationError

from infra.template import ROOT
from skysentral.events import AlertMessage, InboundSms, MonthCloseRequest, UsageRecordIn

EVENTS = ROOT / "events"


def test_published_usage_record_schema_is_current():
    published = json.loads((EVENTS / "schemas" / "usage_record.schema.json").read_text())
    assert published == UsageRecordIn.model_json_schema(), "regenerate events/schemas/usage_record.schema.json"


def test_published_inbound_sms_schema_is_current_and_the_sample_is_valid():
    published = json.loads((EVENTS / "schemas" / "inbound_sms.schema.json").read_text())
    assert published == InboundSms.model_json_schema(by_alias=True), "regenerate events/schemas/inbound_sms.schema.json"
    sms = InboundSms.model_validate(_bodies("sms_inbound_sqs.json")[0])
    assert sms.sender == "+4791200004" and sms.text == "DATA 1"


def _bodies(name):
    return [json.loads(r["body"]) for r in json.loads((EVENTS / name).read_text())["Records"]]


def test_sample_usage_batch_is_valid_and_in_e164():
    records = [UsageRecordIn.model_validate(b) for b in _bodies("usage_ingest_batch.json")]
    assert {r.kind for r in records} == {"data", "voice", "sms", "content"}
    assert all(r.msisdn.startswith("+47") for r in records)


def test_sample_invalid_record_names_every_problem():
    with pytest.raises(ValidationError) as exc:
        UsageRecordIn.model_validate(_bodies("usage_ingest_invalid_record.json")[0])
    assert {e["loc"][0] for e in exc.value.errors()} == {"msisdn", "quantity", "started_at", "zone", "country"}


def test_national_number_is_accepted_and_stored_as_e164():
    record = UsageRecordIn.model_validate(
        {
            "record_id": "r",
            "msisdn": "912 34 567",
            "kind": "sms",
            "quantity": 1,
            "started_at": "2026-11-03T08:15:00+01:00",
            "zone": "NO",
            "country": "NO",
        }
    )
    assert record.msisdn == "+4791234567"


def test_content_record_needs_an_amount():
    with pytest.raises(ValidationError):
        UsageRecordIn.model_validate(
            {
                "record_id": "r",
                "msisdn": "+4791234567",
                "kind": "content",
                "quantity": 1,
                "started_at": "2026-11-03T08:15:00+01:00",
                "zone": "NO",
                "country": "NO",
            }
        )


def test_sample_alert_and_close_messages_are_valid():
    AlertMessage.model_validate(_bodies("sms_alerts_sqs.json")[0])
    MonthCloseRequest.model_validate(_bodies("month_close_worker_sqs.json")[0])


# ------------------------------------------------------------------ call events (A14, C10)
def _call_event_schema():
    return json.loads((EVENTS / "schemas" / "call_event.schema.json").read_text())


def _example_call_events():
    from skysentral.domain.pbx.call_events import KINDS, CallEvent

    return [
        CallEvent(f"txn#1#{n}", kind, "c-1", "txn", "2026-11-26T09:00:00.000Z", "+4798765432", "+4722123400", data={})
        for n, kind in enumerate(KINDS)
    ]


@pytest.mark.feature("A14")
def test_call_event_schema_kinds_and_version_are_the_code_s():
    from skysentral.domain.pbx.call_events import KINDS, SCHEMA_VERSION

    schema = _call_event_schema()
    assert tuple(schema["properties"]["kind"]["enum"]) == KINDS
    assert schema["properties"]["version"]["const"] == SCHEMA_VERSION


@pytest.mark.feature("A14")
def test_every_kind_of_call_event_validates_and_broken_ones_do_not():
    import jsonschema

    from skysentral.domain.pbx.call_events import CallEvent

    validator = jsonschema.Draft202012Validator(_call_event_schema())
    jsonschema.Draft202012Validator.check_schema(_call_event_schema())
    for event in _example_call_events():
        validator.validate(event.to_dict())
    full = CallEvent(
        "t#2#0",
        "CONNECT",
        "c-1",
        "t",
        "2026-11-26T09:00:00.000Z",
        queue_id="q",
        employee_id="e",
        data={"holdtime_s": 3},
    )
    validator.validate(full.to_dict())
    good = _example_call_events()[0].to_dict()
    for broken in ({"kind": "RINGING"}, {"version": 2}, {"at": "yesterday"}, {"surprise": 1}):
        assert list(validator.iter_errors({**good, **broken})), broken
    assert list(validator.iter_errors({k: v for k, v in good.items() if k != "call_id"}))


@pytest.mark.feature("A14")
def test_call_log_sample_carries_eventbridge_envelopes_of_valid_call_events():
    import jsonschema

    validator = jsonschema.Draft202012Validator(_call_event_schema())
    for body in _bodies("call_log_sqs.json"):
        assert body["source"] == "skysentral.pbx" and body["detail-type"] == "CallEvent"
        validator.validate(body["detail"])


@pytest.mark.feature("F3")
def test_usage_record_carries_mms_and_content_merchant_and_old_records_keep_their_fingerprint():
    old = {
        "record_id": "r",
        "msisdn": "+4791234567",
        "kind": "sms",
        "quantity": 1,
        "started_at": "2026-11-03T08:15:00+01:00",
        "zone": "NO",
        "country": "NO",
    }
    assert "merchant" not in UsageRecordIn.model_validate(old).content()  # stored fingerprints stay valid
    mms = UsageRecordIn.model_validate({**old, "kind": "mms", "destination": "+46701234567"})
    assert mms.kind == "mms"
    content = UsageRecordIn.model_validate(
        {**old, "kind": "content", "amount_ore": 4900, "merchant": "Strex", "category": "parking"}
    )
    assert (content.merchant, content.category) == ("Strex", "parking")
