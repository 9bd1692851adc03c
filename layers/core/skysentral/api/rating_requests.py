"""Request models of the rating routes (F3): the admin's list of rated lines and the
operator's tariff versions and re-rating."""

from pydantic import ConfigDict, Field

from skysentral.api.requests import Body, Query

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class RatedLineFilter(Query):
    month: str = Field(pattern=MONTH, description="YYYY-MM (Europe/Oslo)")
    subscription_id: str | None = Field(None, description="only this subscription's lines")
    limit: int = Field(100, ge=1, le=500)
    cursor: str | None = None


class RerateOrder(Body):
    price_plan_id: str = Field(min_length=1, max_length=64, description="the plan code, e.g. BEDRIFT_10")
    month: str = Field(pattern=MONTH, description="YYYY-MM (Europe/Oslo)")


class TariffVersion(Body):
    """A tariff version as domain.rating.Tariff.to_dict (docs/rating.md shows one)."""

    model_config = ConfigDict(extra="allow")

    price_plan_id: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=2, description="the next version of the plan's tariff")
    valid_from: str = Field(description="ISO 8601 with offset")
