"""D9 month close: which month to close to, the fan-out plan, and closing a page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from skysentral.domain.balances import AddOns
from skysentral.domain.calendar import month_of
from skysentral.domain.errors import InvalidInput
from skysentral.domain.organisation import Subscription
from skysentral.domain.plan_change import plan_in
from skysentral.events import CloseItem, MonthCloseRequest
from skysentral.services.usage import Account, close_subscription
from skysentral.store import balance_repository
from skysentral.store.directory_repository import Directory, all_subscriptions

PAGE = 100


def target_month(event: dict) -> str:
    """The month that starts at the scheduled time (00:00 Oslo on the 1st -> that month)."""
    if event.get("to_month"):
        return MonthCloseRequest.model_validate({"to_month": event["to_month"], "items": []}).to_month
    scheduled = event.get("scheduled_time") or event.get("time")
    if not scheduled:
        raise InvalidInput("The close needs scheduled_time or to_month.")
    return month_of(datetime.fromisoformat(scheduled.replace("Z", "+00:00")))


def plan(to_month: str) -> Iterator[MonthCloseRequest]:
    page: list[CloseItem] = []
    for company_id, sub in all_subscriptions():
        page.append(
            CloseItem(
                company_id=company_id,
                subscription_id=sub.subscription_id,
                msisdn=sub.msisdn,
                department_id=sub.department_id,
                plan_code=plan_in(sub.plan_code, sub.next_plan, to_month),  # E3 scheduled change
                **sub.to_dict()["add_ons"],
            )
        )
        if len(page) == PAGE:
            yield MonthCloseRequest(to_month=to_month, items=page)
            page = []
    if page:
        yield MonthCloseRequest(to_month=to_month, items=page)


def close_page(request: MonthCloseRequest) -> int:
    """Close every subscription of the page; returns how many changed (0 on a rerun)."""
    plans: dict[tuple[str, str], object] = {}
    states = balance_repository.load_many([(i.company_id, i.subscription_id) for i in request.items])
    closed = 0
    for item in request.items:
        key = (item.company_id, item.plan_code)
        if key not in plans:
            plans[key] = Directory(item.company_id).price_plan(item.plan_code)
        sub = Subscription(
            item.subscription_id,
            item.msisdn,
            item.department_id,
            item.plan_code,
            add_ons=AddOns(item.rollover, item.datakontroll, item.topup_product),
        )
        closed += close_subscription(
            Account(item.company_id, sub, plans[key]), request.to_month, states[(item.company_id, item.subscription_id)]
        )
    return closed
