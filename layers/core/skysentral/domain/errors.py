"""Domain exceptions. Each carries a stable snake_case `code`, the HTTP `status` it maps
to, and a message a person can act on. One place (skysentral.api.http) turns them into
responses; Step Functions match them by class name (`ErrorEquals: ["PaymentDeclined"]`).

NOTE for everyone editing this file: it is shared by every area; add classes, do not
replace the file."""

from __future__ import annotations


class DomainError(Exception):
    code = "bad_request"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    code, status = "invalid_input", 400


class Unauthorized(DomainError):
    code, status = "unauthorized", 401


class Forbidden(DomainError):
    code, status = "forbidden", 403


class NotFound(DomainError):
    """Also what another company's object looks like: it does not exist for the caller."""

    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class Unprocessable(DomainError):
    code, status = "unprocessable", 422


class InvalidPhoneNumber(InvalidInput):
    code = "invalid_phone_number"


class DepartmentNotEmpty(Conflict):
    code = "department_not_empty"


class RolloverNotAllowed(Unprocessable):
    """D2: Data Rollover is only for packages of 6 GB or more."""

    code = "rollover_not_allowed"


class UnknownProduct(InvalidInput):
    code = "unknown_product"

    def __init__(self, product_code: str) -> None:
        super().__init__(f"Unknown product {product_code!r}.")
        self.product_code = product_code


class InvalidUsageRecord(InvalidInput):
    code = "invalid_usage_record"


class BalanceNotCurrent(Conflict):
    """The balance is for an earlier month than the event: close the month first (D9)."""

    code = "balance_not_current"
