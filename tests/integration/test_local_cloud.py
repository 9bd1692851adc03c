"""The local cloud (infra/local) deploys template.yaml faithfully and runs the real code.

Two stacks share the session's emulator: ``skysentral-test`` (template.yaml as is) and
``probe`` (a copy of template.yaml in a tmp dir with extra resources added to the copy
only): a standard and a FIFO queue with a DLQ, a tiny function fed by both
(batching, ReportBatchItemFailures), an EventBridge Scheduler schedule, an EventBridge
rule and a state machine whose Lambda task retries/catches on the exception class.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from infra.local import template as tpl
from infra.local.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[2]

PROBE_APP = textwrap.dedent('''
    """A probe function: records what it receives in the probe table."""
    import itertools
    import json
    import os
    import uuid

    import boto3

    _table = boto3.resource("dynamodb").Table(os.environ["PROBE_TABLE"])


    class ProbeFatal(Exception):
        pass


    class ProbeFlaky(Exception):
        pass


    _flaky = {"calls": 0}
    _seen = itertools.count()  # handling order across invocations


    def handler(event, context):
        if "Records" in event:
            failures = []
            records = []
            for r in event["Records"]:
                body = json.loads(r["body"])
                count = int(r["attributes"]["ApproximateReceiveCount"])
                records.append({"id": body.get("id"), "count": count,
                                "group": r["attributes"].get("MessageGroupId"),
                                "n": next(_seen),
                                "source": r["eventSourceARN"].rsplit(":", 1)[-1]})
                if body.get("fail") == "always" or (body.get("fail") == "once" and count == 1):
                    failures.append({"itemIdentifier": r["messageId"]})
            _table.put_item(Item={"pk": "batch#" + str(uuid.uuid4()), "records": json.dumps(records)})
            if any(json.loads(r["body"]).get("raise") for r in event["Records"]):
                raise ProbeFatal("asked to fail the whole batch")
            return {"batchItemFailures": failures}
        if event.get("raise") == "ProbeFatal":
            raise ProbeFatal("fatal on purpose")
        if event.get("raise") == "ProbeFlaky":
            _flaky["calls"] += 1
            if _flaky["calls"] == 1:
                raise ProbeFlaky("first call fails")
        if event.get("source") == "probe.test":
            _table.put_item(Item={"pk": "event#" + event["detail"]["id"], "records": json.dumps(event)})
        return {"echo": event, "function_name": context.function_name,
                "memory": context.memory_limit_in_mb, "remaining_ms": context.get_remaining_time_in_millis(),
                "stage": os.environ.get("STAGE")}
''')

PROBE_ASL = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${ProbeFunctionArn}", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": [{"ErrorEquals": ["ProbeFlaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["ProbeFatal"], "ResultPath": "$.error", "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "End": True},
    },
}

PROBE_RESOURCES: dict[str, Any] = {
    "ProbeTable": {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        },
    },
    "ProbeDLQ": {"Type": "AWS::SQS::Queue", "Properties": {}},
    "ProbeQueue": {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "VisibilityTimeout": 90,  # the template value; the test cloud caps it at 1 s
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["ProbeDLQ", "Arn"]}, "maxReceiveCount": 2},
        },
    },
    "ProbeFifoQueue": {
        "Type": "AWS::SQS::Queue",
        "Properties": {"FifoQueue": True, "ContentBasedDeduplication": True, "VisibilityTimeout": 90},
    },
    "ProbeFunction": {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/probe/",
            "Handler": "app.handler",
            "MemorySize": 256,
            "Environment": {"Variables": {"PROBE_TABLE": {"Ref": "ProbeTable"}}},
            "Policies": [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "ProbeTable"}}}],
            "Events": {
                "FromQueue": {
                    "Type": "SQS",
                    "Properties": {
                        "Queue": {"Fn::GetAtt": ["ProbeQueue", "Arn"]},
                        "BatchSize": 10,
                        "MaximumBatchingWindowInSeconds": 1,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    },
                },
                "FromFifo": {
                    "Type": "SQS",
                    "Properties": {
                        "Queue": {"Fn::GetAtt": ["ProbeFifoQueue", "Arn"]},
                        "BatchSize": 10,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    },
                },
                "ProbeMonthly": {
                    "Type": "ScheduleV2",
                    "Properties": {
                        "ScheduleExpression": "cron(5 0 1 * ? *)",
                        "ScheduleExpressionTimezone": "Europe/Oslo",
                        "Input": json.dumps(
                            {
                                "job": "close",
                                "at": "<aws.scheduler.scheduled-time>",
                                "execution": "<aws.scheduler.execution-id>",
                                "attempt": "<aws.scheduler.attempt-number>",
                            }
                        ),
                    },
                },
                "ProbeEvents": {
                    "Type": "EventBridgeRule",
                    "Properties": {"Pattern": {"source": ["probe.test"]}},
                },
            },
        },
    },
    "ProbeStateMachine": {
        "Type": "AWS::Serverless::StateMachine",
        "Properties": {
            "DefinitionUri": "statemachines/probe.asl.json",
            "DefinitionSubstitutions": {"ProbeFunctionArn": {"Fn::GetAtt": ["ProbeFunction", "Arn"]}},
            "Policies": [{"LambdaInvokePolicy": {"FunctionName": {"Ref": "ProbeFunction"}}}],
        },
    },
}


# ---------------------------------------------------------------------------- the main stack


def test_every_supported_template_resource_exists(cloud: LocalCloud) -> None:
    moto_template, skipped = tpl.prepare_for_moto(cloud.cfn, cloud.region, cloud.account)
    created = {
        r["LogicalResourceId"]: r
        for r in cloud.client("cloudformation").describe_stack_resources(StackName=cloud.stack_name)["StackResources"]
    }
    for logical_id, res in moto_template["Resources"].items():
        assert logical_id in created, f"{logical_id} ({res['Type']}) missing from the stack"
    assert {s.type for s in skipped} <= set(tpl.HANDLED_LOCALLY) | {"AWS::CloudWatch::Alarm"} or skipped
    tables = set(cloud.client("dynamodb").list_tables()["TableNames"])
    functions = {f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]}
    for logical_id, info in cloud.resources.items():
        if info["type"] == "AWS::DynamoDB::Table":
            assert cloud.table_name(logical_id) in tables
        if info["type"] == "AWS::Lambda::Function":
            assert cloud.function_name(logical_id) in functions
    for fn in tpl.sam_functions(cloud.sam):
        assert fn in cloud.runtime.functions, f"{fn} is not runnable locally"


def test_health_handler_runs_in_process(cloud: LocalCloud) -> None:
    event = (
        json.loads((ROOT / "events" / "api_health_get.json").read_text())
        if (ROOT / "events" / "api_health_get.json").exists()
        else {
            "resource": "/health",
            "path": "/health",
            "httpMethod": "GET",
            "headers": None,
            "multiValueHeaders": None,
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "stage": "local"},
        }
    )
    out = cloud.invoke("ApiHealthFunction", event)
    assert out["statusCode"] == 200


def test_invocations_leave_the_set_of_environment_keys_alone(cloud: LocalCloud) -> None:
    """Other threads iterate os.environ (an HTTP client looks for proxies on every request): a
    key added or removed by an invocation under them raises KeyError or RuntimeError there."""
    before = set(os.environ)
    for function in ("ApiHealthFunction", "UsageIngestFunction", "PurchaseTasksFunction"):
        cloud.invoke(function, {})
        assert set(os.environ) == before, function


# ---------------------------------------------------------------------------- the probe stack


@pytest.fixture(scope="module")
def probe(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A copy of template.yaml + PROBE_RESOURCES, deployed into the same emulator."""
    root = tmp_path_factory.mktemp("probe")
    (root / "functions").mkdir()
    for d in (ROOT / "functions").iterdir():
        if d.is_dir():
            os.symlink(d, root / "functions" / d.name)
    (root / "functions" / "probe").mkdir()
    (root / "functions" / "probe" / "app.py").write_text(PROBE_APP)
    os.symlink(ROOT / "layers", root / "layers")
    shutil.copytree(ROOT / "statemachines", root / "statemachines", symlinks=True)
    (root / "statemachines" / "probe.asl.json").write_text(json.dumps(PROBE_ASL))
    template = tpl.load(ROOT / "template.yaml")
    template["Resources"].update(PROBE_RESOURCES)
    (root / "template.yaml").write_text(json.dumps(template, indent=1))

    c = LocalCloud(root, port=cloud.port, stack_name="probe", visibility_timeout_cap_s=1, batching_window_cap_s=0.3)
    c.start()
    try:
        c.deploy()
        yield c
    finally:
        c.stop()


def _items(c: LocalCloud, prefix: str) -> list[dict[str, Any]]:
    table = c.client("dynamodb")
    items = table.scan(TableName=c.table_name("ProbeTable"))["Items"]
    return [
        {"pk": i["pk"]["S"], "records": json.loads(i["records"]["S"])} for i in items if i["pk"]["S"].startswith(prefix)
    ]


def _clear(c: LocalCloud) -> None:
    ddb = c.client("dynamodb")
    name = c.table_name("ProbeTable")
    for i in ddb.scan(TableName=name)["Items"]:
        ddb.delete_item(TableName=name, Key={"pk": i["pk"]})


def test_added_to_the_template_exists_locally(probe: LocalCloud) -> None:
    assert probe.queue_url("ProbeQueue").endswith(probe.resources["ProbeQueue"]["name"])
    assert probe.table_name("ProbeTable")
    assert probe.function_name("ProbeFunction").startswith("probe-ProbeFunction")
    assert probe.state_machine_arn("ProbeStateMachine").startswith("arn:aws:states:")
    attrs = probe.client("sqs").get_queue_attributes(
        QueueUrl=probe.queue_url("ProbeQueue"), AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 2
    assert {probe.queue_url("ProbeQueue"), probe.queue_url("ProbeFifoQueue")} <= {p.queue_url for p in probe.pollers}
    out = probe.invoke("ProbeFunction", {"hello": 1})
    assert out["memory"] == 256 and out["stage"] == "local"
    assert out["function_name"] == probe.function_name("ProbeFunction")
    assert 0 < out["remaining_ms"] <= 15_000


def test_sqs_batches_partial_failures_and_dlq(probe: LocalCloud) -> None:
    _clear(probe)
    sqs = probe.client("sqs")
    url = probe.queue_url("ProbeQueue")
    bodies = [{"id": f"ok{i}"} for i in range(5)] + [{"id": "once", "fail": "once"}, {"id": "dead", "fail": "always"}]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)]
    )
    probe.drain(timeout_s=20)
    batches = [b["records"] for b in _items(probe, "batch#")]
    seen = [r for batch in batches for r in batch]
    # batching: the seven messages arrived together in one event, not one invoke each
    assert max(len(b) for b in batches) == 7, batches
    # partial failure: only the reported records came back, with a higher receive count
    assert sorted(r["count"] for r in seen if r["id"] == "once") == [1, 2]
    assert all(len([r for r in seen if r["id"] == f"ok{i}"]) == 1 for i in range(5))
    # maxReceiveCount 2 → after two failed receives the message is in the DLQ
    assert sorted(r["count"] for r in seen if r["id"] == "dead") == [1, 2]
    dlq = sqs.receive_message(QueueUrl=probe.queue_url("ProbeDLQ"), MaxNumberOfMessages=10, AttributeNames=["All"])[
        "Messages"
    ]
    assert [json.loads(m["Body"])["id"] for m in dlq] == ["dead"]


def test_raised_exception_fails_whole_batch(probe: LocalCloud) -> None:
    _clear(probe)
    sqs = probe.client("sqs")
    url = probe.queue_url("ProbeQueue")
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "0", "MessageBody": json.dumps({"id": "a"})},
            {"Id": "1", "MessageBody": json.dumps({"id": "boom", "raise": True})},
        ],
    )
    probe.drain(timeout_s=20)
    seen = [r for b in _items(probe, "batch#") for r in b["records"]]
    # both records were delivered twice (whole batch failed), then went to the DLQ
    assert sorted((r["id"], r["count"]) for r in seen) == [("a", 1), ("a", 2), ("boom", 1), ("boom", 2)]
    dlq_url = probe.queue_url("ProbeDLQ")
    ids = []
    for _ in range(3):
        ids += [
            json.loads(m["Body"])["id"]
            for m in sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
        ]
    assert {"a", "boom"} <= set(ids)


def test_fifo_records_carry_group_and_order(probe: LocalCloud) -> None:
    _clear(probe)
    sqs = probe.client("sqs")
    url = probe.queue_url("ProbeFifoQueue")
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": f"m{i}"}), MessageGroupId="+4791200001")
    probe.drain(timeout_s=20)
    batches = [b["records"] for b in _items(probe, "batch#")]
    for batch in batches:  # within a batch, the group's order
        assert [r["id"] for r in batch] == sorted(r["id"] for r in batch)
    seen = sorted((r for b in batches for r in b), key=lambda r: r["n"])
    assert [r["id"] for r in seen] == ["m0", "m1", "m2", "m3"]
    assert {r["group"] for r in seen} == {"+4791200001"}


def test_fire_schedule_with_a_chosen_clock(probe: LocalCloud) -> None:
    listed = {s["name"]: s for s in probe.schedules()}
    sched = next(s for s in listed.values() if "ProbeMonthly" in s["aliases"])
    assert sched["expression"] == "cron(5 0 1 * ? *)" and sched["timezone"] == "Europe/Oslo"
    assert sched["target"]["logical_id"] == "ProbeFunction"
    fired = probe.fire_schedule("ProbeMonthly", at=datetime(2026, 12, 1, 0, 5))  # Oslo wall clock
    echo = fired["result"]["echo"]
    assert echo["job"] == "close"
    assert echo["at"] == "2026-11-30T23:05:00Z" == fired["scheduled_time"]
    assert echo["attempt"] == "1" and len(echo["execution"]) == 36


def test_eventbridge_rule_delivers_to_lambda(probe: LocalCloud) -> None:
    _clear(probe)
    resp = probe.client("events").put_events(
        Entries=[
            {"Source": "probe.test", "DetailType": "Probe", "Detail": json.dumps({"id": "ev1"})},
            {"Source": "other.source", "DetailType": "Probe", "Detail": json.dumps({"id": "ev2"})},
        ]
    )
    assert resp["FailedEntryCount"] == 0
    probe.drain(timeout_s=10)
    items = _items(probe, "event#")
    assert [i["pk"] for i in items] == ["event#ev1"]
    assert items[0]["records"]["detail-type"] == "Probe"
    assert isinstance(items[0]["records"]["time"], str)


def test_step_functions_runs_the_real_lambda(probe: LocalCloud) -> None:
    sfn = probe.client("stepfunctions")
    arn = probe.state_machine_arn("ProbeStateMachine")

    ok = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"n": 1}))["executionArn"]
    result = probe.wait_execution(ok)
    assert result["status"] == "SUCCEEDED", result
    assert result["output"]["echo"] == {"n": 1}
    assert result["output"]["function_name"] == probe.function_name("ProbeFunction")

    caught = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"raise": "ProbeFatal"}))["executionArn"]
    result = probe.wait_execution(caught)
    assert result["status"] == "SUCCEEDED", result
    assert result["output"]["error"]["Error"] == "ProbeFatal"

    t0 = time.monotonic()
    retried = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"raise": "ProbeFlaky"}))["executionArn"]
    result = probe.wait_execution(retried)
    assert result["status"] == "SUCCEEDED", result
    assert time.monotonic() - t0 >= 0.9  # one Retry interval


def test_lambda_invoke_through_the_emulator_surfaces_function_errors(probe: LocalCloud) -> None:
    lam = probe.client("lambda")
    resp = lam.invoke(FunctionName=probe.function_name("ProbeFunction"), Payload=json.dumps({"raise": "ProbeFatal"}))
    assert resp["FunctionError"] == "Unhandled"
    body = json.loads(resp["Payload"].read())
    assert body["errorType"] == "ProbeFatal" and body["errorMessage"] == "fatal on purpose"
