"""Orders of data packages (C8), the Idempotency-Key index, and the D8 who-pays policy."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from skysentral.domain.errors import NotFound, Unprocessable
from skysentral.domain.orders import Order
from skysentral.store.models import OrderItem


def _pk(company_id: str, employee_id: str) -> str:
    return f"{company_id}#{employee_id}"


def create(order: Order, idempotency_key: str | None, request_fingerprint: str | None = None) -> Order:
    """Store a new order; with an Idempotency-Key, the order that key created first wins
    (a repeat returns it instead of creating another). A key reused for a different request
    (another fingerprint) is Unprocessable `idempotency_key_reused` (422, Stripe's rule);
    keys stored before fingerprints were kept match any request."""
    pk = _pk(order.company_id, order.employee_id)
    item = OrderItem(pk, f"ORDER#{order.order_id}", order=order.to_dict(), order_id=order.order_id)
    first = save_once(item, idempotency_key, request_fingerprint, "order")
    return order if first is None else get(order.company_id, order.employee_id, first)


def save_once(item: OrderItem, idempotency_key: str | None, fingerprint: str | None, what: str) -> str | None:
    """Save a new order item (of OrderItem or a subclass); with an Idempotency-Key, only the
    key's first request creates one (an `IDEM#<key>` item beside it, in one transaction).
    Returns None when `item` was saved, else the id of the order the key created first;
    the key with another request (fingerprint) is Unprocessable `idempotency_key_reused`."""
    model = type(item)
    if not idempotency_key:
        item.save(condition=model.sk.does_not_exist())
        return None
    try:
        with TransactWrite(connection=Connection()) as tx:
            claim = model(item.pk, f"IDEM#{idempotency_key}", order_id=item.order_id, request_fingerprint=fingerprint)
            tx.save(claim, condition=model.sk.does_not_exist())
            tx.save(item, condition=model.sk.does_not_exist())
    except TransactWriteError:
        existing = model.get(item.pk, f"IDEM#{idempotency_key}", consistent_read=True)
        if existing.request_fingerprint not in (None, fingerprint):
            raise Unprocessable(
                f"The Idempotency-Key {idempotency_key!r} was already used for a different request "
                f"({what} {existing.order_id}); use a new key for a new order.",
                code="idempotency_key_reused",
            ) from None
        return str(existing.order_id)
    return None


def get(company_id: str, employee_id: str, order_id: str) -> Order:
    return Order.from_dict(_item(company_id, employee_id, order_id).order)


def _item(company_id: str, employee_id: str, order_id: str) -> OrderItem:
    try:
        return OrderItem.get(_pk(company_id, employee_id), f"ORDER#{order_id}", consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"No order {order_id}.") from None


def of_employee(company_id: str, employee_id: str, limit: int = 50) -> list[Order]:
    items = OrderItem.query(
        _pk(company_id, employee_id), OrderItem.sk.startswith("ORDER#"), scan_index_forward=False, limit=limit
    )
    return [Order.from_dict(i.order) for i in items]


def save(order: Order) -> None:
    """Replace the order's data (status moves are decided by domain.orders.advance)."""
    OrderItem(_pk(order.company_id, order.employee_id), f"ORDER#{order.order_id}").update(
        actions=[OrderItem.order.set(order.to_dict())], condition=OrderItem.sk.exists()
    )


def payment_state(company_id: str, employee_id: str, order_id: str) -> tuple[str | None, str | None]:
    """(task token of the waiting execution, payment status Stripe reported)."""
    item = _item(company_id, employee_id, order_id)
    return item.task_token, item.payment_status


def set_task_token(company_id: str, employee_id: str, order_id: str, token: str) -> str | None:
    """Keep the waiting execution's token with the order; returns the payment status
    already known (a webhook may have come before the execution reached its wait)."""
    item = OrderItem(_pk(company_id, employee_id), f"ORDER#{order_id}")
    item.update(actions=[OrderItem.task_token.set(token)], condition=OrderItem.sk.exists())
    return item.payment_status


def set_payment_status(company_id: str, employee_id: str, order_id: str, status: str) -> str | None:
    """Record what Stripe says of the payment; returns the waiting execution's token, if any."""
    item = OrderItem(_pk(company_id, employee_id), f"ORDER#{order_id}")
    try:
        item.update(actions=[OrderItem.payment_status.set(status)], condition=OrderItem.sk.exists())
    except UpdateError:
        raise NotFound(f"No order {order_id}.") from None
    return item.task_token


def policy(company_id: str) -> dict[str, str]:
    try:
        return dict(OrderItem.get(f"{company_id}#POLICY", "POLICY").policy or {})
    except DoesNotExist:
        return {}


def policy_item(company_id: str, value: dict[str, str]) -> OrderItem:
    return OrderItem(f"{company_id}#POLICY", "POLICY", policy=value)
