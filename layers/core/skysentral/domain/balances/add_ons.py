"""E3 add-ons that change the balance rules of a subscription: Data Rollover (D2),
Datakontroll (D5) and the automatic top-up (D4)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from skysentral.domain.catalogue import ROLLOVER_MIN_PACKAGE_BYTES, PricePlan, product
from skysentral.domain.errors import InvalidInput, RolloverNotAllowed


@dataclass(frozen=True, slots=True)
class AddOns:
    """E3 add-ons that change the balance rules of a subscription."""

    rollover: bool = False  # D2
    datakontroll: bool = False  # D5 (includes "Datakontroll Utland")
    topup_product: str | None = None  # D4: EXTRA_1GB / EXTRA_5GB / EXTRA_15GB

    def __post_init__(self) -> None:
        if self.topup_product is not None and product(self.topup_product).kind != "extra":
            raise InvalidInput(
                f"The automatic top-up must be an extra data package, not {self.topup_product}.",
                code="invalid_topup_product",
            )


def enable_rollover_allowed(plan: PricePlan) -> bool:
    """D2: Data Rollover only on packages of 6 GB or more."""
    return plan.package_bytes >= ROLLOVER_MIN_PACKAGE_BYTES


def enable_rollover(addons: AddOns, plan: PricePlan) -> AddOns:
    """D2: switch Data Rollover on; refused on packages below 6 GB."""
    if not enable_rollover_allowed(plan):
        raise RolloverNotAllowed(
            f"Data Rollover needs a data package of at least 6 GB; {plan.name} has {plan.package_bytes // 1024**3} GB"
        )
    return replace(addons, rollover=True)
