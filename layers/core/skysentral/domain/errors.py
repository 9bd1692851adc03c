"""Domain exceptions. Each carries its meaning: a stable snake_case `code` and a message a
person can act on; nothing about HTTP. One place (`skysentral.api.http.HTTP_STATUS`) maps
them to HTTP status codes; Step Functions match them by class name
(`ErrorEquals: ["PaymentDeclined"]`), so class names are stable.

NOTE for everyone editing this file: it is shared by every area; add classes, do not
replace the file."""

from __future__ import annotations


class DomainError(Exception):
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    code = "invalid_input"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    """Also what another company's object looks like: it does not exist for the caller."""

    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Unprocessable(DomainError):
    code = "unprocessable"


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


class InvalidRoutingPlan(InvalidInput):
    """A1-A7: a routing plan that cannot be saved; `problems` lists every one of them as
    {"path": "queues.support.wrapup_s", "message": "..."} (plan_validation)."""

    code = "invalid_routing_plan"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        self.problems = list(problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        listed = "; ".join(f"{p['path']}: {p['message']}" for p in self.problems)
        super().__init__(f"The routing plan has {count}: {listed}")


# ---------------------------------------------------------------- activation (E2): the
# activation state machine matches these by class name (statemachines/activation.asl.json)
class NumberUnavailable(Conflict):
    """E2: the number is reserved or active elsewhere, or the pool has no free number."""

    code = "number_unavailable"


class SimUnavailable(Conflict):
    """E2: the ICCID is not in the company's stock, or another order took it."""

    code = "sim_unavailable"


class ActivationRefused(Unprocessable):
    """E2: the order broke a rule when the workflow checked it (e.g. the plan left the agreement)."""

    code = "activation_refused"


class NetworkActivationFailed(Unprocessable):
    """E2: the mobile network (provisioning API) refused the activation."""

    code = "network_activation_failed"


class ProvisioningUnavailable(Conflict):
    """E2: the provisioning API could not be reached or answered 5xx: the step is retried."""

    code = "provisioning_unavailable"


# ---------------------------------------------------------------- issue 10: directory (B4, C5, C1)
class InvalidPhoto(Unprocessable):
    """C1: an uploaded profile photo that is not a JPEG/PNG/WebP image of 64×64 to 8000×8000
    pixels, or is damaged; the message says which."""

    code = "invalid_photo"


# ---------------------------------------------------------------- issue 10: SMS centre (B5)
class RateLimited(DomainError):
    """B5 (and any per-company quota): too much in too short a time; nothing was done.
    `retry_after_s` becomes the `Retry-After` header of the 429."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))
        self.headers = {"Retry-After": str(self.retry_after_s)}


class SmsRefused(Unprocessable):
    """B5: the SMS provider refused one number (invalid, opted out, blocked): that recipient
    is `failed` with this reason; the others are sent."""

    code = "sms_refused"


# ---------------------------------------------------------------- issue 13: payroll files (F9)
class PayrollFileInvalid(Unprocessable, ValueError):
    """F9: a payroll run that its file layout cannot carry (a value wider than its field, an
    amount that is not > 0, an unknown system), or a file that breaks its layout. Never
    truncated silently: the message names the field. Also a ValueError, for pure callers."""

    code = "payroll_file_invalid"


# ---------------------------------------------------------------- issue 13: strong login (F10)
class StepUpRequired(Unauthorized):
    """F10: an administrator action that changes money or access needs a recent sign-in
    (`auth_time` within the window) or a sign-in with MFA. The 401 says so the OAuth way too
    (RFC 9470 step-up: `WWW-Authenticate: Bearer error="insufficient_user_authentication"`)."""

    code = "step_up_required"

    def __init__(self, max_age_s: int) -> None:
        window = f"{max_age_s} seconds" + (f" ({max_age_s // 60} min)" if max_age_s >= 60 else "")
        super().__init__(
            "This action needs a recent sign-in: sign in again (or sign in with MFA) and retry. "
            f"A sign-in counts for {window}; a sign-in with MFA always counts."
        )
        self.max_age_s = max_age_s
        self.headers = {
            "WWW-Authenticate": f'Bearer error="insufficient_user_authentication", max_age={max_age_s}',
        }


class MfaSetupRequired(Forbidden):
    """F10: an administrator without MFA set up may not sign in (the Pre Token Generation trigger)."""

    code = "mfa_setup_required"
