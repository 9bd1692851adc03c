"""Request models of the PBX administration and people routes (A1-A13, C3, C4, C9)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from skysentral.api.requests import Body, Query

AvailabilityState = Literal["available", "busy", "in_meeting", "away", "off_work"]


class RoutingPlanSave(Body):
    """The whole plan (JSON form of domain.pbx.routing_plan) and the version it was read at."""

    version: int = Field(ge=0, description="the version GET /admin/routing answered (0: none saved yet)")
    plan: dict[str, Any]


class RoutingPreview(Query):
    at: datetime = Field(description="an instant with its zone, e.g. 2026-05-17T10:00:00+02:00")


class ExtensionChange(Body):
    extension: str | None = Field(description="2-6 digits, unique in the company; null removes it")


class CalendarSync(Body):
    enabled: bool


class QueueChoice(Body):
    queue_ids: list[str] = Field(max_length=100, description="log in to exactly these queues, out of the others")


class AgentLogin(Body):
    logged_in: bool


class AvailabilityChange(Body):
    state: AvailabilityState
    until: datetime | None = Field(None, description="when the state ends (with its zone); default: until changed")
    note: str = Field("", max_length=200)


class SoftphoneRegistration(Body):
    sip_user: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._+-]+$")


class Dial(Body):
    contact: str = Field(
        min_length=2, max_length=40, description="+47… (or national form), an extension or an employee id"
    )


class NewMeeting(Body):
    title: str = Field(min_length=1, max_length=120)
    participants: list[str] = Field(max_length=100, description="E.164 numbers (national form accepted)")
