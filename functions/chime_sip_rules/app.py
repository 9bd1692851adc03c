"""Custom::ChimeSipRule (no CloudFormation type exists, reference §7.1): keeps one SIP rule
(chime-sdk-voice) per phone number, each sending that number's calls to the SIP media
application, and answers CloudFormation with the cfn-response PUT to the presigned
ResponseURL.

Properties: TriggerType (ToPhoneNumber | RequestUriHostname), TriggerValues (list of E.164
numbers or host names), SipMediaApplicationId. PhysicalResourceId = the rule ids, joined
by commas. An update creates the rules of new numbers and deletes those of removed ones."""

import json
import os
import urllib.request

from aws_lambda_powertools import Logger

logger = Logger()


def _voice():
    import boto3

    return boto3.client("chime-sdk-voice")


def _values(props):
    values = props.get("TriggerValues") or []
    return [v.strip() for v in (values.split(",") if isinstance(values, str) else values) if v and v.strip()]


def _targets(props):
    region = os.environ.get("AWS_REGION", "eu-central-1")
    return [{"SipMediaApplicationId": props["SipMediaApplicationId"], "Priority": 1, "AwsRegion": region}]


def _rule_name(event, value):
    return f"{event['LogicalResourceId']}-{value}"[:256]


def _create(voice, event, props, value):
    rule = voice.create_sip_rule(
        Name=_rule_name(event, value),
        TriggerType=props.get("TriggerType", "ToPhoneNumber"),
        TriggerValue=value,
        Disabled=False,
        TargetApplications=_targets(props),
    )["SipRule"]
    return rule["SipRuleId"]


def _delete(voice, event, rule_id, value=""):
    try:  # a rule must be disabled before it can be deleted
        voice.update_sip_rule(SipRuleId=rule_id, Name=_rule_name(event, value or rule_id), Disabled=True)
        voice.delete_sip_rule(SipRuleId=rule_id)
    except voice.exceptions.NotFoundException:
        pass


def apply(event, voice=None):
    """The change the request asks for; returns (physical id, data)."""
    voice = voice or _voice()
    props = event.get("ResourceProperties", {})
    kind = event["RequestType"]
    old_ids = [r for r in (event.get("PhysicalResourceId") or "").split(",") if r]
    if kind == "Create":
        ids = [_create(voice, event, props, v) for v in _values(props)]
    elif kind == "Update":
        old_values = _values(event.get("OldResourceProperties", {}))
        by_value = dict(zip(old_values, old_ids, strict=False))
        ids = []
        for value in _values(props):
            if value in by_value:
                voice.update_sip_rule(
                    SipRuleId=by_value[value],
                    Name=_rule_name(event, value),
                    Disabled=False,
                    TargetApplications=_targets(props),
                )
                ids.append(by_value.pop(value))
            else:
                ids.append(_create(voice, event, props, value))
        for value, rule_id in by_value.items():
            _delete(voice, event, rule_id, value)
    else:
        for rule_id in old_ids:
            _delete(voice, event, rule_id)
        ids = old_ids
    physical_id = ",".join(ids) or event.get("LogicalResourceId", "sip-rules")
    return physical_id, {"SipRuleIds": ",".join(ids)}


def respond(event, status, physical_id, data, reason=""):
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500] or "see the function's logs",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # the presigned URL CloudFormation gave
        response.read()


@logger.inject_lambda_context
def handler(event, context):
    physical_id = event.get("PhysicalResourceId") or event.get("LogicalResourceId", "sip-rules")
    try:
        physical_id, data = apply(event)
        status, reason = "SUCCESS", ""
    except Exception as exc:
        logger.exception("SIP rule change failed")
        status, data, reason = "FAILED", {}, f"{type(exc).__name__}: {exc}"
    if event.get("ResponseURL"):
        respond(event, status, physical_id, data, reason)
    return {"Status": status, "PhysicalResourceId": physical_id}
