"""Custom::ChimeSipRule provider: the change to the SIP rules (skysentral.adapters.sip_rules),
then CloudFormation's answer, a PUT of the cfn-response document to the presigned
ResponseURL (written here rather than adding crhelper for one request: docs/pbx.md).

Properties: TriggerType (ToPhoneNumber | RequestUriHostname), TriggerValues (list of E.164
numbers or host names), SipMediaApplicationId."""

import json
import urllib.request

from aws_lambda_powertools import Logger

from skysentral.adapters.sip_rules import apply

logger = Logger()


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
