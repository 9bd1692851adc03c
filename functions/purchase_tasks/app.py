"""The steps of the purchase state machine (statemachines/purchase.asl.json). Each step
is one call into services.purchase_steps; exceptions are named domain exceptions that the
state machine matches by class name (PaymentDeclined, ActivationFailed, ...)."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.services import purchase_steps

logger = Logger()

STEPS = {
    "price": lambda e: purchase_steps.step_price(e["ref"]),
    "create_payment": lambda e: purchase_steps.step_create_payment(e["ref"], e.get("payment_method")),
    "await_payment": lambda e: purchase_steps.step_await_payment(e["ref"], e["task_token"]),
    "check_payment": lambda e: purchase_steps.step_check_payment(e["ref"]),
    "activate": lambda e: purchase_steps.step_activate(e["ref"]),
    "refund": lambda e: purchase_steps.step_refund(e["ref"]),
    "fail": lambda e: purchase_steps.step_fail(e["ref"], e["reason"], (e.get("failure") or {}).get("error")),
    "notify": lambda e: purchase_steps.step_notify(e["ref"]),
}


# the execution's correlation id (statemachines/purchase.asl.json passes it to every task);
# an execution started before it did falls back to the order id, its name
@correlation.bound(lambda event, context: event.get("correlation_id") or event["ref"]["order_id"])
@logger.inject_lambda_context
def handler(event, context):
    logger.thread_safe_append_keys(order_id=event["ref"]["order_id"], step=event["step"])
    result = STEPS[event["step"]](event)
    logger.info("purchase step done")
    return result
