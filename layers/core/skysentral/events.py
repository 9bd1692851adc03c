"""Parser (pydantic) models of what arrives on queues: the published contract of each.

`UsageRecordIn` is what the mobile network sends to the usage queue (D-area). Its JSON
Schema is published in events/schemas/usage_record.schema.json (generated from this
model; a test fails if it is stale).

Every model has `defer_build`: its validator is built on its first use, so a function
builds only the contracts it parses (cold start, docs/tooling.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, model_validator

from skysentral.domain.balances import UsageRecord
from skysentral.domain.catalogue import ZONES
from skysentral.domain.errors import InvalidPhoneNumber
from skysentral.domain.organisation import to_e164

Zone = Literal[ZONES]  # type: ignore[valid-type]


def _e164(value: str) -> str:
    try:
        return to_e164(value)
    except InvalidPhoneNumber as exc:
        raise ValueError(exc.message) from None


Msisdn = Annotated[str, AfterValidator(_e164)]  # national input accepted, stored as E.164


class UsageRecordIn(BaseModel):
    """One usage record from the network. Quantities are integers: bytes for `data`,
    seconds for `voice`, a count for `sms` and `mms`; `content` carries `amount_ore` (and
    quantity 1), and may name its `merchant` and `category` (F3). For voice, SMS and MMS
    `destination` is the called number (E.164). Fields added later are optional, so
    records in the older format stay valid."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, title="UsageRecord")

    record_id: str = Field(min_length=1, max_length=128, description="unique per record; a repeat changes nothing")
    msisdn: Msisdn = Field(description="E.164 (+4791234567); national form is accepted")
    kind: Literal["data", "voice", "sms", "mms", "content"]
    quantity: StrictInt = Field(
        ge=0, le=1024**4, description="bytes (data), seconds (voice), count (sms, mms, content)"
    )
    amount_ore: StrictInt | None = Field(None, ge=0, description="price of a content-service purchase, in øre")
    started_at: AwareDatetime = Field(description="ISO 8601 with offset")
    zone: Zone = Field(description="NO | NORDIC | EU_EEA | CH | US | WORLD | REST")  # type: ignore[valid-type]
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 of where it happened")
    destination: str | None = Field(
        None, max_length=64, description="called number (E.164) of a call, SMS or MMS, or the service, if any"
    )
    duration_s: StrictInt | None = Field(
        None,
        ge=0,
        description="how long the session lasted, in seconds, if known "
        "(a data record above the plausibility limit per "
        "second of it is held for review)",
    )
    merchant: str | None = Field(None, max_length=128, description="content purchase: who sold it (F3)")
    category: str | None = Field(None, max_length=64, description="content purchase: what kind of service (F3)")

    @model_validator(mode="after")
    def _content_has_amount(self) -> UsageRecordIn:
        if self.kind == "content" and self.amount_ore is None:
            raise ValueError("a content record needs amount_ore")
        return self

    def content(self) -> dict:
        """What the record says, with its time in UTC: two versions of a record id conflict
        when this differs (usage_screening.fingerprint)."""
        # F3's optional fields count only when present: an older-format record keeps the
        # fingerprint it was stored with, so its redelivery is no conflict.
        unset = {k for k in ("merchant", "category") if getattr(self, k) is None}
        return {
            **self.model_dump(exclude={"record_id", *unset}),
            "started_at": self.started_at.astimezone(UTC).isoformat(),
        }

    def to_domain(self) -> UsageRecord:
        return UsageRecord(
            record_id=self.record_id,
            kind=self.kind,
            quantity=self.quantity,
            started_at=self.started_at,
            zone=self.zone,
            amount_ore=self.amount_ore or 0,
            country=self.country,
            destination=self.destination,
        )


class AlertMessage(BaseModel):
    """What the ingest handler puts on the SMS alerts queue (D7): one alert to deliver once."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    key: str  # <company>:<subscription>:<month>:<threshold>, unique across companies (SMS sent once per key)
    company_id: str
    subscription_id: str
    msisdn: str
    kind: str
    month: str
    params: dict = Field(default_factory=dict)


class CloseItem(BaseModel):
    """A subscription as the month close needs it (copied from the directory by the planner)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    company_id: str
    subscription_id: str
    msisdn: str
    department_id: str
    plan_code: str
    rollover: bool = False
    datakontroll: bool = False
    topup_product: str | None = None


class MonthCloseRequest(BaseModel):
    """A page of subscriptions to close up to `to_month` (D9), as fanned out by the planner."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    to_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    items: list[CloseItem]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class InboundSms(BaseModel):
    """An SMS to the operator's short number, as the SMS gateway puts it on the inbound queue."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True)

    message_id: str = Field(min_length=1, max_length=128, description="unique per SMS; a repeat starts nothing")
    sender: Msisdn = Field(alias="from", description="the subscription's number, E.164")
    to: str = Field(description="the short number it was sent to, e.g. 2000")
    text: str = Field(max_length=1600)
    received_at: AwareDatetime


# ---------------------------------------------------------------- issue 11 (E4, F5)
class DeviceSeen(BaseModel):
    """F5: the network saw a device (IMEI) using a subscription's SIM (DeviceSeenQueue)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    msisdn: Msisdn
    imei: str = Field(pattern=r"^\d{15}$", description="15 digits, Luhn check digit last")
    seen_at: AwareDatetime


class ListingMessage(BaseModel):
    """E4: a listing version to deliver to the directory services (ListingQueue)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    company_id: str
    subscription_id: str
    msisdn: str
    version: int = Field(ge=1)
    listing: dict


# ---------------------------------------------------------------- issue 12: invoices (F4)
class InvoiceCompanyRequest(BaseModel):
    """F4: build one company's invoice of a month (InvoiceQueue, fanned out by the run)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    company_id: str = Field(min_length=1, max_length=64)


class PaymentReceived(BaseModel):
    """F4: a payment from the bank's OCR/camt feed (PaymentsQueue), matched on the KID."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kid: str = Field(min_length=1, max_length=25)
    amount_ore: int = Field(gt=0)
    paid_at: AwareDatetime
    reference: str = Field(min_length=1, max_length=128, description="the bank's reference: a repeat is ignored")
