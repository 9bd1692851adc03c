"""Request models of the web switchboard's routes (B1-B6, C1, C5)."""

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from skysentral.api.requests import Query


# ---------------------------------------------------------------- statistics (B6)
class StatsRange(Query):
    """B6: a range of Oslo days and the interval size of the rows."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)

    date_from: date | None = Field(None, alias="from", description="first day (Europe/Oslo), YYYY-MM-DD; default today")
    date_to: date | None = Field(None, alias="to", description="last day (Europe/Oslo), included; default `from`")
    grain: Literal["15m", "day", "week", "month"] = Field(
        "15m", description="interval of the rows; longest range: 15m 7 days, day 93, week 371, month 731"
    )


class QueueStatsQuery(StatsRange):
    queue_id: str | None = Field(None, min_length=1, max_length=80, description="one queue (default: every queue)")
    definition: Literal["asterisk", "asterisk_sl2", "amazon_connect"] = Field(
        "asterisk_sl2", description="which service-level definition `service_level` shows"
    )


class AgentStatsQuery(StatsRange):
    employee_id: str | None = Field(None, min_length=1, max_length=80, description="one agent (default: every member)")


class StaffingQuery(Query):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)

    queue_id: str = Field(min_length=1, max_length=80)
    day: date | None = Field(None, alias="date", description="the day to staff (Europe/Oslo); default today")
    target: float = Field(0.8, gt=0, lt=1, description="service level to reach, e.g. 0.8")
    target_s: int = Field(20, ge=1, le=600, description="within this many seconds")
    shrinkage: float = Field(0.3, ge=0, lt=1, description="share of paid time not on the phones")
    interval_minutes: Literal[15, 30, 60] = Field(30, description="length of each staffing interval")
