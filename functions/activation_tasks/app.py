"""The steps of the activation state machine (statemachines/activation.asl.json): E2
activations, terminations and SIM swaps. Each step is one call into
services.activation_steps; refusals are named domain exceptions the state machine matches
by class name (NumberUnavailable, SimUnavailable, NetworkActivationFailed, ...)."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.services import activation_steps as steps

logger = Logger()

STEPS = {
    "validate": lambda e: steps.step_validate(e["ref"]),
    "reserve_number": lambda e: steps.step_reserve_number(e["ref"]),
    "take_from_stock": lambda e: steps.step_take_from_stock(e["ref"]),
    "issue_esim": lambda e: steps.step_issue_esim(e["ref"]),
    "order_shipment": lambda e: steps.step_order_shipment(e["ref"]),
    "await_delivery": lambda e: steps.step_await_delivery(e["ref"], e["task_token"]),
    "schedule_port_in": lambda e: steps.step_schedule_port_in(e["ref"]),
    "port_in": lambda e: steps.step_port_in(e["ref"]),
    "network": lambda e: steps.step_network(e["ref"], e["task_token"]),
    "create_subscription": lambda e: steps.step_create_subscription(e["ref"], e.get("network")),
    "publish_listing": lambda e: steps.step_publish_listing(e["ref"]),
    "create_login": lambda e: steps.step_create_login(e["ref"]),
    "finish_termination": lambda e: steps.step_finish_termination(e["ref"], e.get("network")),
    "finish_sim_swap": lambda e: steps.step_finish_sim_swap(e["ref"], e.get("network")),
    "audit": lambda e: steps.step_audit(e["ref"]),
    "notify": lambda e: steps.step_notify(e["ref"]),
    "compensate": lambda e: steps.step_compensate(e["ref"], e.get("error")),
}


@correlation.bound(lambda event, context: event.get("correlation_id") or event["ref"]["order_id"])
@logger.inject_lambda_context
def handler(event, context):
    logger.thread_safe_append_keys(order_id=event["ref"]["order_id"], step=event["step"])
    result = STEPS[event["step"]](event)
    logger.info("activation step done")
    return result
