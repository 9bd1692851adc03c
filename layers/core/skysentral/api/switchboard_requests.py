"""Request models of the web switchboard's routes (B1-B6, C1, C5)."""

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from skysentral.api.requests import Body, Query


# ---------------------------------------------------------------- live view, call path and notes (B1, B2, B3)
class NewNote(Body):
    text: str = Field(min_length=1, max_length=2000, description="the note (B2), 1-2000 characters")


# ---------------------------------------------------------------- directory (B4, C5, C1)
class DirectorySearch(Query):
    q: str | None = Field(
        None, max_length=80, description="name words (prefixes), a number in any format, an extension"
    )
    department_id: str | None = Field(None, max_length=80, description="this department and its sub-departments")
    kind: Literal["employee", "contact"] | None = None
    limit: int = Field(50, ge=1, le=200)


ContactNumberKind = Literal["mobile", "work", "other"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContactSave(Body):
    """An external contact; PUT replaces the whole contact."""

    name: str = Field(min_length=1, max_length=120)
    organisation: str | None = Field(None, max_length=120)
    numbers: dict[ContactNumberKind, str] = Field(
        default_factory=dict, description="mobile, work, other: any format, stored in E.164"
    )
    email: str | None = Field(None, max_length=254, pattern=EMAIL_PATTERN)
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _numbers_short(self) -> "ContactSave":
        for kind, number in self.numbers.items():
            if len(number) > 40:
                raise ValueError(f"numbers.{kind} is longer than 40 characters")
        return self


class PhotoUploaded(Body):
    upload_id: str = Field(min_length=1, max_length=64, description="what POST /me/photo/upload answered")


class EmailRecipient(Body):
    employee_id: str | None = Field(None, min_length=1, max_length=80)
    contact_id: str | None = Field(None, min_length=1, max_length=80)
    address: str | None = Field(None, max_length=254, pattern=EMAIL_PATTERN)

    @model_validator(mode="after")
    def _exactly_one(self) -> "EmailRecipient":
        given = [k for k in ("employee_id", "contact_id", "address") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of employee_id, contact_id, address")
        return self


class EmailSend(Body):
    to: EmailRecipient
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20000)


# ---------------------------------------------------------------- SMS centre (B5)
class SmsRecipient(Body):
    """Exactly one of: a number, an employee, an external contact, a department."""

    number: str | None = Field(None, min_length=2, max_length=40, description="E.164 or national form")
    employee_id: str | None = Field(None, min_length=1, max_length=80)
    contact_id: str | None = Field(None, min_length=1, max_length=80)
    department_id: str | None = Field(
        None, min_length=1, max_length=80, description="every employee with a mobile in it and below it"
    )

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("number", "employee_id", "contact_id", "department_id") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a recipient is exactly one of number, employee_id, contact_id, department_id")
        return self


class SmsSend(Body):
    recipients: list[SmsRecipient] = Field(max_length=500)
    text: str = Field(max_length=1600, description="GSM-7: 160 characters a part (153 when split); else 70 (67)")


class SmsLogPage(Query):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=400)


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
