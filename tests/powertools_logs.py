"""The JSON log lines the handlers write with Powertools, as CloudWatch would receive them.

`capture(cloud, {"PurchaseTasksFunction": "purchases"})` imports those handlers (as their
first invocation would) and adds a handler with the service's own Powertools formatter to
each service's logger, so the lines are exactly what Lambda prints (child loggers of the
layer included); `lines()` returns them as dicts."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any


class PowertoolsLines(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self._lines: list[dict[str, Any]] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        with self._guard:
            self._lines.append(line)

    def lines(self) -> list[dict[str, Any]]:
        with self._guard:
            return list(self._lines)


class Capture:
    def __init__(self, handlers: list[tuple[logging.Logger, PowertoolsLines]]) -> None:
        self._handlers = handlers

    def lines(self, service: str | None = None) -> list[dict[str, Any]]:
        return [line for _, h in self._handlers for line in h.lines() if service in (None, line.get("service"))]

    def close(self) -> None:
        for logger, handler in self._handlers:
            logger.removeHandler(handler)


def capture(cloud: Any, services_by_function: dict[str, str]) -> Capture:
    handlers = []
    for logical_id, service in services_by_function.items():
        cloud.runtime.handler_for(logical_id)  # the module (and its Powertools Logger) as Lambda's INIT loads it
        logger = logging.getLogger(service)
        powertools_handler = getattr(logger, "powertools_handler", None)
        assert powertools_handler is not None, f"{logical_id} has no Powertools logger for service {service!r}"
        handler = PowertoolsLines(powertools_handler.formatter)
        logger.addHandler(handler)
        handlers.append((logger, handler))
    return Capture(handlers)
