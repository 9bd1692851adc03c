"""Connect the local cloud to the Stripe stand-in (localstripe + relay): the template's
StripeApiBase parameter points the stripe library at it, the template's StripeSecret holds
its test keys, and its webhooks go to the local gateway's /webhooks/stripe, signed like Stripe's."""

from __future__ import annotations

from typing import Any

from .stripe_standin import StripeStandIn


def start_standin(port: int = 0) -> StripeStandIn:
    return StripeStandIn(port=port).start()


def parameters(standin: StripeStandIn) -> dict[str, str]:
    """Stack parameters for LocalCloud(..., parameters=...)."""
    return {"StripeApiBase": standin.url}


def connect(cloud: Any, standin: StripeStandIn, gateway_url: str) -> None:
    cloud.put_secret("StripeSecret", {"api_key": standin.api_key, "webhook_secret": standin.webhook_secret})
    standin.set_webhook_url(gateway_url.rstrip("/") + "/webhooks/stripe")
