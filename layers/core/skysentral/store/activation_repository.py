"""E2 storage: activation orders, the operator's number pool and each company's SIM stock.

Keys:
  orders table     pk `<company>#ACT`  sk `<order id>` (ids start `act-` and sort by time),
                   sk `IDEM#<Idempotency-Key>` pointing at the order a key created
  directory table  pk `NUMBERPOOL`     sk `<e164>`  number_status free | reserved (order_id)
                                                    | active (company_id) | quarantine (until)
                   pk `<company>#SIM`  sk `<iccid>` sim_status in_stock | reserved (order_id)
                                                    | active (subscription_id) | retired

Reservations are conditional writes: two orders never get one number or one SIM. Pool items
never carry an attribute named `msisdn` (the directory's by_msisdn index would list them)."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from skysentral.domain.activation import Order
from skysentral.domain.calendar import iso_utc
from skysentral.domain.errors import NotFound, NumberUnavailable, SimUnavailable
from skysentral.store import order_repository
from skysentral.store.models import OrderItem, _Directory

POOL = "NUMBERPOOL"
FREE, RESERVED, ACTIVE, QUARANTINE = "free", "reserved", "active", "quarantine"
IN_STOCK, RETIRED = "in_stock", "retired"


class PoolNumberItem(_Directory):
    """pk = NUMBERPOOL, sk = <e164>"""

    number_status = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    owner_company = UnicodeAttribute(null=True)
    quarantine_until = UnicodeAttribute(null=True)  # ISO UTC
    origin = UnicodeAttribute(default="pool")  # pool | port_in


class SimItem(_Directory):
    """pk = <company>#SIM, sk = <iccid>"""

    sim_status = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    subscription_id = UnicodeAttribute(null=True)
    form = UnicodeAttribute(default="physical")  # physical | esim
    added_at = UnicodeAttribute(null=True)
    facts = JSONAttribute(null=True)


class ActivationItem(OrderItem):
    """The order's JSON in `order` (OrderItem's); the waiting task's token in `task_token`."""

    waiting_step = UnicodeAttribute(null=True)


def _pk(company_id: str) -> str:
    return f"{company_id}#ACT"


# ---------------------------------------------------------------- orders
def create(order: Order, idempotency_key: str | None, fingerprint: str | None) -> Order:
    """Like data-package orders (C8): one order per Idempotency-Key; the same key with a
    different request is 422 `idempotency_key_reused`."""
    item = ActivationItem(_pk(order.company_id), order.order_id, order=order.to_dict(), order_id=order.order_id)
    first = order_repository.save_once(item, idempotency_key, fingerprint, "activation")
    return order if first is None else get(order.company_id, first)


def get(company_id: str, order_id: str) -> Order:
    return Order.from_dict(_item(company_id, order_id).order)


def _item(company_id: str, order_id: str) -> ActivationItem:
    if order_id.startswith("IDEM#"):
        raise NotFound(f"No activation {order_id}.")
    try:
        return ActivationItem.get(_pk(company_id), order_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"No activation {order_id}.") from None


def save(order: Order) -> None:
    ActivationItem(_pk(order.company_id), order.order_id).update(
        actions=[ActivationItem.order.set(order.to_dict())], condition=ActivationItem.sk.exists()
    )


def page(company_id: str, limit: int, cursor: str | None) -> tuple[list[Order], str | None]:
    """Newest first; `cursor` is the last order id of the previous page."""
    cond = ActivationItem.sk.startswith("act-") if not cursor else ActivationItem.sk < cursor
    found: list[Order] = []
    for item in ActivationItem.query(_pk(company_id), cond, scan_index_forward=False):
        if not item.sk.startswith("act-"):
            break
        found.append(Order.from_dict(item.order))
        if len(found) == limit:
            return found, item.sk
    return found, None


def set_waiting(company_id: str, order_id: str, step: str, token: str) -> None:
    ActivationItem(_pk(company_id), order_id).update(
        actions=[ActivationItem.task_token.set(token), ActivationItem.waiting_step.set(step)],
        condition=ActivationItem.sk.exists(),
    )


def waiting(company_id: str, order_id: str) -> tuple[str | None, str | None]:
    """(the step that waits, its task token)."""
    item = _item(company_id, order_id)
    return item.waiting_step, item.task_token


def clear_waiting(company_id: str, order_id: str) -> None:
    ActivationItem(_pk(company_id), order_id).update(
        actions=[ActivationItem.task_token.remove(), ActivationItem.waiting_step.remove()],
        condition=ActivationItem.sk.exists(),
    )


# ---------------------------------------------------------------- number pool
def add_pool_numbers(numbers: list[str]) -> None:
    """Seed or extend the pool (numbers already known keep their state)."""
    for number in numbers:
        with contextlib.suppress(PutError):
            PoolNumberItem(POOL, number, number_status=FREE).save(condition=PoolNumberItem.sk.does_not_exist())


def pool_number(number: str) -> PoolNumberItem | None:
    try:
        return PoolNumberItem.get(POOL, number, consistent_read=True)
    except DoesNotExist:
        return None


def free_numbers(now: datetime, limit: int = 20) -> list[str]:
    found = []
    stamp = iso_utc(now)
    for item in PoolNumberItem.query(POOL, consistent_read=True):
        if item.number_status == FREE or (item.number_status == QUARANTINE and (item.quarantine_until or "") < stamp):
            found.append(item.sk)
            if len(found) == limit:
                break
    return found


def _reservable(now: datetime):
    free = PoolNumberItem.number_status == FREE
    rested = (PoolNumberItem.number_status == QUARANTINE) & (PoolNumberItem.quarantine_until < iso_utc(now))
    return free | rested


def reserve_number(number: str, order_id: str, now: datetime, port_in: bool = False) -> None:
    """A pool number that is free (or out of quarantine); a ported number that we do not
    hold yet. The same order reserving again (a retried step) succeeds."""
    mine = PoolNumberItem.order_id == order_id
    if port_in:
        cond = PoolNumberItem.sk.does_not_exist() | _reservable(now) | mine
        item = PoolNumberItem(POOL, number, number_status=RESERVED, order_id=order_id, origin="port_in")
        try:
            item.save(condition=cond)
        except PutError:
            raise NumberUnavailable(f"{number} is already being ported in or in use.") from None
        return
    try:
        PoolNumberItem(POOL, number).update(
            actions=[
                PoolNumberItem.number_status.set(RESERVED),
                PoolNumberItem.order_id.set(order_id),
                PoolNumberItem.quarantine_until.remove(),
            ],
            condition=PoolNumberItem.sk.exists() & (_reservable(now) | mine),
        )
    except UpdateError:
        raise NumberUnavailable(f"{number} is not free in the number pool (another order has it).") from None


def release_number(number: str, order_id: str) -> bool:
    """Undo a reservation of this order: a pool number is free again, a ported one forgotten."""
    item = pool_number(number)
    if item is None or item.order_id != order_id or item.number_status != RESERVED:
        return False
    if item.origin == "port_in":
        item.delete(condition=PoolNumberItem.order_id == order_id)
    else:
        item.update(
            actions=[PoolNumberItem.number_status.set(FREE), PoolNumberItem.order_id.remove()],
            condition=PoolNumberItem.order_id == order_id,
        )
    return True


def activate_number(number: str, company_id: str) -> None:
    PoolNumberItem(POOL, number).update(
        actions=[PoolNumberItem.number_status.set(ACTIVE), PoolNumberItem.owner_company.set(company_id)]
    )


def quarantine_number(number: str, until: datetime) -> None:
    """E2 termination: the number rests until `until`, then the pool gives it out again."""
    PoolNumberItem(POOL, number).update(
        actions=[
            PoolNumberItem.number_status.set(QUARANTINE),
            PoolNumberItem.quarantine_until.set(iso_utc(until)),
            PoolNumberItem.owner_company.remove(),
            PoolNumberItem.order_id.remove(),
        ]
    )


# ---------------------------------------------------------------- SIM stock
def _sim_pk(company_id: str) -> str:
    return f"{company_id}#SIM"


def add_sims(company_id: str, iccids: list[str], now: datetime) -> tuple[list[str], list[str]]:
    """(added, already known)."""
    added, known = [], []
    for iccid in iccids:
        try:
            SimItem(_sim_pk(company_id), iccid, sim_status=IN_STOCK, added_at=iso_utc(now)).save(
                condition=SimItem.sk.does_not_exist()
            )
            added.append(iccid)
        except PutError:
            known.append(iccid)
    return added, known


def sims(company_id: str) -> list[SimItem]:
    return list(SimItem.query(_sim_pk(company_id), consistent_read=True))


def sim(company_id: str, iccid: str) -> SimItem | None:
    try:
        return SimItem.get(_sim_pk(company_id), iccid, consistent_read=True)
    except DoesNotExist:
        return None


def in_stock(company_id: str) -> set[str]:
    return {s.sk for s in sims(company_id) if s.sim_status == IN_STOCK}


def reserve_sim(company_id: str, iccid: str, order_id: str) -> None:
    try:
        SimItem(_sim_pk(company_id), iccid).update(
            actions=[SimItem.sim_status.set(RESERVED), SimItem.order_id.set(order_id)],
            condition=SimItem.sk.exists() & ((SimItem.sim_status == IN_STOCK) | (SimItem.order_id == order_id)),
        )
    except UpdateError:
        raise SimUnavailable(f"SIM {iccid} is not an unused SIM in the company's stock.") from None


def add_reserved_sim(company_id: str, iccid: str, order_id: str, form: str, now: datetime) -> None:
    """A SIM made for this order (shipped or eSIM): reserved from the start."""
    SimItem(_sim_pk(company_id), iccid, sim_status=RESERVED, order_id=order_id, form=form, added_at=iso_utc(now)).save()


def return_sim(company_id: str, iccid: str, order_id: str, to_stock: bool = True) -> bool:
    """Undo this order's reservation: back in stock, or retired (a cancelled shipment, an eSIM)."""
    try:
        SimItem(_sim_pk(company_id), iccid).update(
            actions=[SimItem.sim_status.set(IN_STOCK if to_stock else RETIRED), SimItem.order_id.remove()],
            condition=(SimItem.order_id == order_id) & (SimItem.sim_status == RESERVED),
        )
        return True
    except UpdateError:
        return False


def activate_sim(company_id: str, iccid: str, subscription_id: str) -> None:
    SimItem(_sim_pk(company_id), iccid).update(
        actions=[
            SimItem.sim_status.set(ACTIVE),
            SimItem.subscription_id.set(subscription_id),
            SimItem.order_id.remove(),
        ]
    )


def retire_sim(company_id: str, iccid: str) -> None:
    SimItem(_sim_pk(company_id), iccid).update(actions=[SimItem.sim_status.set(RETIRED)])


def active_sim_of(company_id: str, subscription_id: str) -> str | None:
    for s in sims(company_id):
        if s.sim_status == ACTIVE and s.subscription_id == subscription_id:
            return str(s.sk)
    return None
