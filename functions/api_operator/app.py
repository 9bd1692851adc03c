"""The operator area: the business mobile operator's staff review usage ingestion
(defects 8 and 9). Role `operator` only; tenant roles get 403. Records held as
implausible are released (applied once) or rejected (kept listed, never applied);
conflicting duplicates are listed."""

import os
from typing import Literal

from pydantic import Field

from skysentral import clock
from skysentral.adapters import queues
from skysentral.api.http import Api
from skysentral.api.rating_requests import RerateOrder, TariffVersion
from skysentral.api.requests import Query
from skysentral.domain.identity import OPERATORS
from skysentral.services import rating, usage_review

api = Api("skysentral-operator")
app = api.app


class HeldFilter(Query):
    status: Literal["held", "released", "rejected"] | None = Field(None, description="only records in this state")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class ConflictPaging(Query):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


def _notify(alerts):
    queues.send(os.environ["SMS_QUEUE_URL"], alerts)


@api.route("/operator/usage/held", "GET", roles=OPERATORS, query=HeldFilter, errors=(400,))
def list_held(identity, query):
    """Usage records held for review as implausible (defect 9), paged."""
    return usage_review.held_records(query.status, query.limit, query.cursor)


@api.route("/operator/usage/held/{company_id}/{record_id}/release", "POST", roles=OPERATORS, errors=(404, 409))
def release_held(identity, company_id, record_id):
    """Apply a held record to the subscription's balance, exactly once."""
    return usage_review.release(identity, company_id, record_id, _notify, clock.now())


@api.route("/operator/usage/held/{company_id}/{record_id}/reject", "POST", roles=OPERATORS, errors=(404, 409))
def reject_held(identity, company_id, record_id):
    """Never apply a held record; it stays listed as rejected."""
    return usage_review.reject(identity, company_id, record_id, clock.now())


@api.route("/operator/usage/conflicts", "GET", roles=OPERATORS, query=ConflictPaging, errors=(400,))
def list_conflicts(identity, query):
    """Record ids that arrived again with different content (defect 8): the kept and the other version, paged."""
    return usage_review.conflicts(query.limit, query.cursor)


# ---------------------------------------------------------------- issue 12: rating (F3)
@api.route(
    "/operator/rating/tariffs",
    "POST",
    roles=OPERATORS,
    body=TariffVersion,
    status=201,
    errors=(400, 404, 409),
    step_up=True,  # F10: prices change what every company pays
)
def publish_tariff(identity, body):
    """Publish a new version of a price plan's tariff (a price correction: then re-rate)."""
    return rating.publish_tariff(body.model_dump())


# F10: step-up, since a re-rate writes correction lines (money)
@api.route("/operator/rating/rerate", "POST", roles=OPERATORS, body=RerateOrder, errors=(400, 404), step_up=True)
def rerate(identity, body):
    """Re-price a month's lines rated with an older tariff version: correction lines, once."""
    return rating.rerate(body.price_plan_id, body.month, clock.now())
