"""Employee app back end ("Mobil App", C-area): my profile, settings, data dashboard and usage."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.requests import MyCallFilter, PackageOrder, ProfileChange, SubscriptionChoice, UsageQuery
from skysentral.api.responses import OrderList, OrderView
from skysentral.domain.errors import InvalidInput
from skysentral.domain.identity import EVERYONE
from skysentral.services import administration, call_logging, order_taking, usage

api = Api("skysentral-employee")
app = api.app


@api.route("/me", "GET", roles=EVERYONE, errors=(404,))
def get_me(identity, directory):
    """My profile, company and subscriptions (C1)."""
    return administration.me(identity, directory)


@api.route("/me", "PATCH", roles=EVERYONE, body=ProfileChange, errors=(400, 404))
def patch_me(identity, directory, body):
    """Change my language (nb/en) and the number shown when I call out (A10)."""
    return administration.update_me(identity, directory, body.model_dump(exclude_none=True))


@api.route("/me/dashboard", "GET", roles=EVERYONE, query=SubscriptionChoice, errors=(404,))
def get_dashboard(identity, directory, query):
    """C2: remaining data, rollover, extra packages, roaming, costs this month."""
    return usage.my_dashboard(directory, identity.user_id, query.subscription_id, clock.now())


@api.route("/me/usage", "GET", roles=EVERYONE, query=UsageQuery, errors=(404,))
def get_usage(identity, directory, query):
    """C6: my usage of a month by kind and zone, national and international."""
    return usage.my_usage(directory, identity.user_id, query.subscription_id, query.month, clock.now())


@api.route("/me/alerts", "GET", roles=EVERYONE, query=UsageQuery, errors=(404,))
def get_alerts(identity, directory, query):
    """D7: the usage alerts I was sent this month (also by SMS)."""
    return usage.my_alerts(directory, identity.user_id, query.subscription_id, query.month, clock.now())


@api.route(
    "/me/data-packages",
    "POST",
    roles=EVERYONE,
    body=PackageOrder,
    status=202,
    errors=(400, 404, 422),
    response=OrderView,
    headers={
        "Idempotency-Key": "1 to 255 characters: a repeated POST with the same key "
        "and body returns the same order; another body is 422"
    },
)
def order_data_package(identity, directory, body):
    """C8: buy an extra data or surf package; who pays follows the company's policy (D8).
    An Idempotency-Key header makes a repeated POST return the same order; the same key with
    a different body is refused with 422 idempotency_key_reused (Stripe's rule)."""
    key = api.app.current_request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters.", code="invalid_idempotency_key")
    order = order_taking.place_order(
        directory,
        identity.user_id,
        body.product,
        idempotency_key=key,
        subscription_id=body.subscription_id,
        payment_method=body.payment_method,
    )
    return order.view()


@api.route("/me/orders", "GET", roles=EVERYONE, response=OrderList)
def list_orders(identity, directory):
    """My data-package orders, newest first."""
    return {"items": order_taking.my_orders(directory, identity.user_id)}


@api.route("/me/orders/{order_id}", "GET", roles=EVERYONE, errors=(404,), response=OrderView)
def get_order(identity, directory, order_id):
    """One of my orders with its status history."""
    return order_taking.my_order(directory, identity.user_id, order_id)


@api.route("/me/calls", "GET", roles=EVERYONE, query=MyCallFilter, errors=(400,))
def my_calls(identity, query):
    """C10: my call log (direct and queue calls, answered or not), newest first, paginated."""
    return call_logging.my_calls(identity, **query.model_dump())
