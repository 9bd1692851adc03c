"""Small corrections to moto 5.2.5 where it differs from AWS in ways the project hits:
an unnamed Step Functions ``StartExecution`` gets a UUID name (moto names them all ``None``);
``ReceiveMessage`` reads a queue's retention period instead of counting the whole queue per
message; one lock around every DynamoDB request (moto's backend is not thread-safe). The
``.fifo`` name and EventBridge fixes live in :mod:`.template` and :mod:`.schedules`."""

from __future__ import annotations

import threading
import uuid
from typing import Any

_applied = False
_dynamodb_lock = threading.RLock()


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]

    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retention = int(getattr(queue, "message_retention_period", None) or 345600)
        return retention + message.sent_timestamp / 1000 > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]

    # moto's DynamoDB is not thread-safe (infra/local/README.md): one lock serialises every
    # DynamoDB request, answer included. An emulator need not be parallel, only correct.
    from moto.dynamodb.responses import DynamoHandler

    call_action = DynamoHandler.call_action

    def serialised_call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return call_action(self)

    DynamoHandler.call_action = serialised_call_action  # type: ignore[method-assign]
    _applied = True
