"""E4 directory-service listing per number: the admin's view and change, the entry point the
activation workflow calls (`publish`), and the delivery to the directory services.

A change is stored with the next version (with its audit entry), then queued on the
listing queue (LISTING_QUEUE_URL) as {company_id, subscription_id, msisdn, version,
listing}. The worker (functions/directory_listing) sends it through
adapters.directory_services until acknowledged: a failure raises and SQS redelivers it
(after maxReceiveCount it goes to the DLQ and its alarm fires). Per (number, version) it is
idempotent: a version already acknowledged, or superseded by a newer stored version, is
not sent again; the acknowledged version only grows."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.exceptions import UpdateError

from skysentral.adapters import directory_services as directory_service
from skysentral.adapters import queues
from skysentral.domain import number_listing, organisation
from skysentral.domain.identity import Identity
from skysentral.services.administration import get_subscription
from skysentral.store.directory_repository import AuditEntry, Directory
from skysentral.store.models import SubscriptionItem

QUEUE_ENV = "LISTING_QUEUE_URL"


def _view(sub: organisation.Subscription) -> dict:
    return {
        "subscription_id": sub.subscription_id,
        "msisdn": sub.msisdn,
        **number_listing.published(sub.listing, sub.listing_acked_version),
    }


def get_listing(identity: Identity, directory: Directory, subscription_id: str) -> dict:
    return _view(get_subscription(identity, directory, subscription_id))


def _store_and_queue(identity: Identity | None, directory: Directory, before: organisation.Subscription, wanted: dict):
    stored = number_listing.next_version(before.listing, wanted)
    after = replace(before, listing=stored)
    directory.commit(
        identity,
        update=[after],
        audit=AuditEntry("subscription.listing_changed", before.subscription_id, before.listing, stored),
    )
    queues.send(
        queues.queue_url(QUEUE_ENV),
        [
            {
                "company_id": directory.company_id,
                "subscription_id": after.subscription_id,
                "msisdn": after.msisdn,
                "version": stored["version"],
                "listing": wanted,
            }
        ],
    )
    return _view(after)


def set_listing(
    identity: Identity, directory: Directory, subscription_id: str, mode: str, name: str | None, address: dict | None
) -> dict:
    """E4: the admin changes what the directory services publish of the number."""
    before = get_subscription(identity, directory, subscription_id)
    wanted = number_listing.check_listing(mode, name, address)
    current = {k: (before.listing or {}).get(k) for k in ("mode", "name", "address")}
    if before.listing is not None and current == wanted:
        return _view(before)
    return _store_and_queue(identity, directory, before, wanted)


def publish(company_id: str, subscription_id: str, listing: dict) -> dict:
    """E4 entry point for the activation workflow (a system change, audited as "system"):
    `listing` = {"mode": listed|unlisted|name_only|with_address, "name": str|None,
    "address": {"street","postal_code","city"}|None}. Stores the next version and queues
    it for delivery; returns the listing view ({..., "version", "status": "pending"})."""
    directory = Directory(company_id)
    before = directory.subscription(subscription_id)
    wanted = number_listing.check_listing(listing.get("mode", ""), listing.get("name"), listing.get("address"))
    return _store_and_queue(None, directory, before, wanted)


def deliver(message: dict) -> str:
    """The worker's step for one queued listing: "acknowledged", "already_acknowledged" or
    "superseded"; DirectoryServiceUnavailable when the directory services did not acknowledge."""
    company_id, subscription_id, version = message["company_id"], message["subscription_id"], int(message["version"])
    sub = Directory(company_id).subscription(subscription_id)
    if sub.listing_acked_version >= version:
        return "already_acknowledged"
    if sub.listing is not None and int(sub.listing["version"]) > version:
        return "superseded"  # the newer version's own message delivers the listing
    directory_service.send_listing(message["msisdn"], version, message["listing"])
    try:
        SubscriptionItem(company_id, f"SUB#{subscription_id}").update(
            actions=[SubscriptionItem.listing_acked_version.set(version)],
            condition=SubscriptionItem.sk.exists()
            & (
                SubscriptionItem.listing_acked_version.does_not_exist()
                | (SubscriptionItem.listing_acked_version < version)
            ),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "already_acknowledged"  # a newer version was acknowledged meanwhile
    return "acknowledged"
