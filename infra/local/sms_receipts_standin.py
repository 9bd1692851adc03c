"""B5: the carrier's delivery receipts, played locally.

In AWS, SMS sent through an End User Messaging SMS configuration set come back as events
(TEXT_DELIVERED, TEXT_UNREACHABLE, …) on the configuration set's SNS event destination,
SmsReceiptsTopic, which feeds SmsReceiptsQueue and functions/sms_receipts. moto has no
pinpoint-sms-voice-v2, so locally the SMS go through moto's SNS (which keeps them) and
this stand-in publishes the same events for them to the same topic: the product's receipt
path from the topic on is the one that runs in AWS.

    receipts = SmsReceiptsStandIn(cloud)
    receipts.deliver_all()                      # every SMS sent so far: TEXT_DELIVERED
    receipts.deliver(message_id, number, "TEXT_UNREACHABLE", "Phone is switched off")
    receipts.start(every_s=2.0)                 # `make run`: receipts for new SMS on a thread
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

STATUS_OF = {"TEXT_DELIVERED": "DELIVERED", "TEXT_SUCCESSFUL": "SUCCESSFUL"}


class SmsReceiptsStandIn:
    def __init__(self, cloud: Any, topic_logical_id: str = "SmsReceiptsTopic"):
        self.cloud = cloud
        self.topic_arn = cloud.resources[topic_logical_id]["physical_id"]
        self.receipted: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sent(self) -> list[tuple[str, str, str]]:
        """(message id, number, text) of every SMS moto's SNS has sent, oldest first."""
        from moto.sns.models import sns_backends

        backend = sns_backends[self.cloud.account][self.cloud.region]
        return [(mid, number, text) for mid, (number, text) in list(backend.sms_messages.items())]

    def deliver(
        self, message_id: str, number: str, event_type: str = "TEXT_DELIVERED", description: str | None = None
    ) -> None:
        """Publish one End User Messaging SMS event for a sent message to SmsReceiptsTopic."""
        now_ms = int(time.time() * 1000)
        event = {
            "eventType": event_type,
            "eventVersion": "1.0",
            "eventTimestamp": now_ms,
            "isFinal": True,
            "destinationPhoneNumber": number,
            "messageId": message_id,
            "messageRequestTimestamp": now_ms,
            "messageType": "TRANSACTIONAL",
            "messageStatus": STATUS_OF.get(event_type, "FAILED"),
            "messageStatusDescription": description
            or ("Message has been accepted by phone" if event_type in STATUS_OF else event_type),
        }
        self.cloud.client("sns").publish(TopicArn=self.topic_arn, Message=json.dumps(event))
        self.receipted.add(message_id)

    def deliver_all(self, event_type: str = "TEXT_DELIVERED") -> int:
        """A receipt for every sent SMS that has none yet; answers how many were published."""
        count = 0
        for message_id, number, _ in self.sent():
            if message_id not in self.receipted:
                self.deliver(message_id, number, event_type)
                count += 1
        return count

    def start(self, every_s: float = 2.0) -> SmsReceiptsStandIn:
        def run() -> None:
            while not self._stop.wait(every_s):
                with contextlib.suppress(Exception):  # a stand-in's hiccup must not end `make run`
                    self.deliver_all()

        self._thread = threading.Thread(target=run, name="sms-receipts", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
