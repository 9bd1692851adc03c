"""Request models of the activation routes (E2): bodies and query strings. Kept apart from
api.requests so that the activation area has one place; the domain (domain.activation)
checks the rules (plan in the agreement, working day, SIM in stock)."""

from typing import Literal

from pydantic import Field

from skysentral.api.requests import Body, Query


class NewEmployee(Body):
    name: str = Field(min_length=1, max_length=80)
    email: str = Field(min_length=3, max_length=120)
    mobile: str | None = Field(None, max_length=20, description="a private number to reach them, if any")


class PortIn(Body):
    number: str = Field(min_length=3, max_length=20)
    donor_operator: str = Field(min_length=1, max_length=80)
    requested_date: str = Field(description="YYYY-MM-DD, a working day, not in the past (Europe/Oslo)")


class SimChoice(Body):
    kind: Literal["stock", "ship", "esim"]
    iccid: str | None = Field(None, description="stock: an unused SIM the company holds")
    # a plain object here (checked by domain.activation.check_sim): the OpenAPI generator
    # describes one level of nested models
    address: dict[str, str] | None = Field(
        None, description="ship: where the SIM goes: {name, street, postcode (4 digits), city}"
    )


class ActivationOrder(Body):
    """Either employee_id or new_employee; either number (from the pool; omit for any free
    one) or port_in."""

    department_id: str = Field(min_length=1)
    plan_code: str = Field(min_length=1)
    employee_id: str | None = None
    new_employee: NewEmployee | None = None
    number: str | None = None
    port_in: PortIn | None = None
    sim: SimChoice


class SimSwap(Body):
    sim: SimChoice


class SimStockAdd(Body):
    iccids: list[str] = Field(min_length=1, max_length=500)


class ActivationFilter(Query):
    status: str | None = None
    kind: Literal["activation", "termination", "sim_swap"] | None = None
    department_id: str | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class SimFilter(Query):
    status: Literal["in_stock", "reserved", "active", "retired"] | None = None
