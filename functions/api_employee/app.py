"""Employee app back end ("Mobil App", C-area): my profile, settings, data dashboard and usage."""
from typing import Literal

from aws_lambda_powertools import Logger
from pydantic import Field

from skysentral import clock
from skysentral.api.http import Api, Body, Query
from skysentral.domain.calendar import month_of
from skysentral.domain.identity import EVERYONE
from skysentral.services import directory as svc
from skysentral.services import usage
from skysentral.store.directory import Directory

logger = Logger()
api = Api("skysentral-employee")
app = api.app


class ProfileChange(Body):
    language: Literal["nb", "en"] | None = None
    display_number: Literal["personal", "main"] | None = None


@api.route("/me", "GET", roles=EVERYONE, errors=(404,))
def get_me(identity):
    """My profile, company and subscriptions (C1)."""
    return svc.me(identity, Directory.of(identity))


@api.route("/me", "PATCH", roles=EVERYONE, body=ProfileChange, errors=(400, 404))
def patch_me(identity, body):
    """Change my language (nb/en) and the number shown when I call out (A10)."""
    return svc.update_me(identity, Directory.of(identity), body.model_dump(exclude_none=True))


class SubscriptionChoice(Query):
    subscription_id: str | None = Field(None, description="one of my subscriptions; default: my first mobile")


class UsageQuery(SubscriptionChoice):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default: this month")


@api.route("/me/dashboard", "GET", roles=EVERYONE, query=SubscriptionChoice, errors=(404,))
def get_dashboard(identity, query):
    """C2: remaining data, rollover, extra packages, roaming, costs this month."""
    return usage.dashboard(usage.account_of_employee(Directory.of(identity), identity.user_id, query.subscription_id), clock.now())


@api.route("/me/usage", "GET", roles=EVERYONE, query=UsageQuery, errors=(404,))
def get_usage(identity, query):
    """C6: my usage of a month by kind and zone, national and international."""
    return usage.usage_summary(usage.account_of_employee(Directory.of(identity), identity.user_id, query.subscription_id), query.month or month_of(clock.now()))


@api.route("/me/alerts", "GET", roles=EVERYONE, query=UsageQuery, errors=(404,))
def get_alerts(identity, query):
    """D7: the usage alerts I was sent this month (also by SMS)."""
    account = usage.account_of_employee(Directory.of(identity), identity.user_id, query.subscription_id)
    month = query.month or month_of(clock.now())
    return {"month": month, "items": usage.alerts_of(account, month)}

