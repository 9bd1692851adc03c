"""SIP rules (chime-sdk-voice): one per phone number, each sending that number's calls to the
SIP media application (reference §7.2). No CloudFormation type exists for them (§7.1), so
the template's `Custom::ChimeSipRule` provider (functions/chime_sip_rules) calls `apply`
with CloudFormation's request: Create makes the rules, Update creates the rules of new
numbers and deletes those of removed ones, Delete removes them (disabled first, as the
service requires). The physical id is the rule ids joined by commas."""

import os


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
