"""Small corrections to moto 5.2.5 where it differs from AWS in ways the project hits:
an unnamed Step Functions ``StartExecution`` gets a UUID name (moto names them all ``None``);
``ReceiveMessage`` reads a queue's retention period instead of counting the whole queue per
message; one lock around every DynamoDB request (moto's backend is not thread-safe); a
``TransactWriteItems`` that saves only the items it touches for its rollback. The
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
    _cheap_transaction_rollback()
    _applied = True


def _cheap_transaction_rollback() -> None:
    """moto's TransactWriteItems deep-copies the whole table once per item of the
    transaction to roll back on failure: O(items x table size), seconds per transaction once
    a table holds thousands of items (F3's rated lines are written in transactions). Here
    only the items the transaction touches are saved and, on failure, put back; the result
    is the same. Runs under the DynamoDB lock (one request at a time)."""
    import copy

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    real_copy = copy.deepcopy

    class _NoTableCopy:
        @staticmethod
        def deepcopy(x: Any, *args: Any) -> Any:
            return x if isinstance(x, Table) else real_copy(x, *args)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            name = op.get("TableName")
            if name not in self.tables:
                continue
            table = self.tables[name]
            key = (
                op["Key"]
                if "Key" in op
                else {a: op["Item"][a] for a in (table.hash_key_attr, table.range_key_attr) if a}
            )
            current = self.get_item(name, key)
            saved.append((name, key, None if current is None else real_copy(current.to_json()["Attributes"])))
        dynamodb_models.copy = _NoTableCopy  # type: ignore[assignment]
        try:
            return original(self, transact_items)
        except Exception:
            for name, key, attrs in reversed(saved):
                if attrs is None:
                    if self.get_item(name, key) is not None:
                        self.delete_item(name, key)
                else:
                    self.put_item(name, attrs)
            raise
        finally:
            dynamodb_models.copy = copy  # type: ignore[assignment]

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
