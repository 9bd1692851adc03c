"""Request models of the web switchboard's routes (B1-B6, C1, C5): docs/switchboard.md."""

from typing import Literal

from pydantic import Field

from skysentral.api.requests import Body


# ---------------------------------------------------------------- call handling (B3, B4)
class CallAssignment(Body):
    employee_id: str = Field(min_length=1, max_length=64, description="the person to offer the call to")


class CallPickup(Body):
    employee_id: str | None = Field(
        None, min_length=1, max_length=64, description="who picks the held call up (default: me)"
    )


class TransferTarget(Body):
    kind: Literal["person", "queue", "group", "external", "extension"]
    target: str = Field(
        min_length=1, max_length=64, description="employee id, queue id, group id, phone number or extension"
    )


class CallTransfer(Body):
    to: TransferTarget
