"""Request models of the web switchboard's routes (B1-B6, C1, C5), one block per part."""

from pydantic import Field, model_validator

from skysentral.api.requests import Body, Query


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
