"""Request models of the invoice-control routes (F6–F9, C7): the company's settings, an
employee's report on a line, a payroll export. docs/invoice-control.md has the JSON."""

from datetime import date
from typing import Literal

from pydantic import Field

from skysentral.api.rating_requests import MONTH
from skysentral.api.requests import Body, Query

CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
CODE = r"^[A-Za-z0-9]{1,4}$"


class PolicyRules(Body):
    abroad_private: bool = Field(False, description="usage abroad (roaming) is private")
    outside_hours_private: bool = Field(False, description="calls and messages outside working hours are private")
    extra_packages_private: bool = Field(False, description="extra data packages the company pays are private")
    content_private_above_ore: int | None = Field(
        None, ge=0, description="content purchases above this (øre excl. MVA) are private; 0 = all, null = none"
    )


class PolicyIn(Body):
    treatment: Literal["benefit", "deduction"] = Field(description="benefit-taxed, or private use deducted from salary")
    covers_content: bool = Field(True, description="the company covers private content purchases (1 000 NOK tax free)")
    rules: PolicyRules = Field(default_factory=PolicyRules)


class EmployeeSetting(Body):
    policy: str | None = Field(None, max_length=40, description="the employee's own policy")
    payroll_number: str | None = Field(None, pattern=r"^\d{1,6}$", description="the number in the payroll system")


class WageTypes(Body):
    benefit_flat: str = Field(pattern=CODE, description="the flat benefit for electronic communication")
    benefit_content: str = Field(pattern=CODE, description="content purchases beyond the tax-free 1 000 NOK")
    deduction: str = Field(pattern=CODE, description="salary deduction of private use")


class PayrollSettingsIn(Body):
    system: Literal["visma", "huldt_lillevik", "sap"] = "visma"
    client_number: str = Field("0001", pattern=r"^\d{4}$", description="Huldt & Lillevik client number")
    run_number: int = Field(1, ge=1, le=9999, description="Visma run number")
    wage_types: WageTypes


class InvoiceControlSettings(Body):
    valid_from: date = Field(description="first day (Europe/Oslo) it applies to: today or later")
    working_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[tuple[str, str]]] = Field(
        default_factory=dict, description='per weekday, intervals ["HH:MM", "HH:MM"] in Europe/Oslo'
    )
    report_deadline_day: int = Field(5, ge=1, le=28, description="employees report until this day of the next month")
    payroll: PayrollSettingsIn
    policies: dict[str, PolicyIn] = Field(min_length=1, max_length=50)
    default_policy: str = Field(max_length=40)
    departments: dict[str, str] = Field(default_factory=dict, description="department id -> policy")
    employees: dict[str, EmployeeSetting] = Field(default_factory=dict, description="employee id -> settings")


class MonthQuery(Query):
    month: str = Field(pattern=MONTH, description="YYYY-MM (Europe/Oslo)")


class ReportQuery(Query):
    month: str = Field(pattern=MONTH, description="YYYY-MM (Europe/Oslo)")
    employee_id: str | None = Field(None, description="only this employee's reports")


class YearQuery(Query):
    year: str | None = Field(None, pattern=r"^\d{4}$")


class UseReportIn(Body):
    use: Literal["private", "work"]
    note: str = Field("", max_length=200)


class ExportOrder(Body):
    month: str = Field(pattern=MONTH, description="the month to pay (YYYY-MM), ended")
    system: Literal["visma", "huldt_lillevik", "sap"] | None = Field(None, description="default: the company's")
