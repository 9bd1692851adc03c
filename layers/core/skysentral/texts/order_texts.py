"""C8: the SMS texts of ordering data packages: the receipt when an order ends and the
keyword help for an SMS that is not an order."""

from __future__ import annotations

from skysentral.domain.catalogue import PRODUCTS
from skysentral.domain.orders import COMPLETED, REFUNDED, Order
from skysentral.texts import text
from skysentral.texts.text_formats import kroner, package_size


def sms_help_text(language: str) -> str:
    return text(language, "sms.help")


def receipt_text(order: Order, language: str) -> str:
    """The SMS the buyer gets when an order ends (C8): completed, refunded or failed."""
    prod = PRODUCTS[order.product]
    size, price = package_size(prod.bytes), kroner(order.price_ore)
    if order.status == COMPLETED:
        return text(
            language,
            f"receipt.{prod.kind}_completed",
            size=size,
            price=price,
            who=text(language, f"payer.{order.payer}"),
            order_id=order.order_id,
        )
    if order.status == REFUNDED:
        return text(language, "receipt.refunded", size=size, price=price, order_id=order.order_id)
    failure = order.failure if order.failure in ("declined", "expired") else "other"
    return text(
        language, "receipt.failed", size=size, reason=text(language, f"failure.{failure}"), order_id=order.order_id
    )
