"""Request models of the report routes (F2) and the equipment export (F5)."""

from typing import Literal

from pydantic import Field

from skysentral.api.requests import Body, Query

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
Format = Literal["json", "pdf", "xlsx", "csv"]
CsvVariant = Literal["semicolon", "comma"]


class ReportQuery(Query):
    month: str | None = Field(None, pattern=MONTH, description="one month, YYYY-MM (default: this month)")
    month_from: str | None = Field(None, alias="from", pattern=MONTH, description="first month of a range")
    month_to: str | None = Field(None, alias="to", pattern=MONTH, description="last month of a range (included)")
    department_id: str | None = Field(None, description="this department and its sub-departments")
    employee_id: str | None = None
    subscription_id: str | None = None
    format: Format = "json"
    csv: CsvVariant = Field("semicolon", description="semicolon: decimal comma (Norwegian Excel); comma: point")


class ReportFilters(Body):
    month_from: str = Field(alias="from", pattern=MONTH)
    month_to: str | None = Field(None, alias="to", pattern=MONTH, description="default: `from`")
    department_id: str | None = None
    employee_id: str | None = None
    subscription_id: str | None = None
    kinds: list[Literal["data", "voice", "sms", "mms", "content", "fee"]] | None = Field(None, min_length=1)
    zones: list[str] | None = Field(None, min_length=1, description="roaming zones, e.g. NO, EU, US")
    destination_classes: list[str] | None = Field(None, min_length=1, description="e.g. NO_MOBILE, INTL_NORDIC")
    min_amount_ore: int | None = Field(None, ge=0, description="only lines of at least this amount")
    abroad: bool = False


class CustomReport(Body):
    filters: ReportFilters
    group_by: list[Literal["department", "employee", "subscription", "kind", "zone", "month"]] = Field(
        min_length=1, max_length=3
    )
    format: Format = "json"
    csv: CsvVariant = "semicolon"


class EquipmentExport(Query):
    department_id: str | None = Field(None, description="this department and its sub-departments")
    kind: Literal["phone", "tablet", "router", "computer", "other"] | None = None
    format: Literal["json", "csv", "xlsx"] = "json"
    csv: CsvVariant = "semicolon"
