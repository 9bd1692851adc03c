"""Request models of the cost dashboard (F1): which part of the company to show."""

from pydantic import Field

from skysentral.api.requests import Query


class DashboardScope(Query):
    department_id: str | None = Field(
        None, min_length=1, max_length=64, description="a department (with its sub-departments)"
    )
    employee_id: str | None = Field(None, min_length=1, max_length=64, description="one employee")
