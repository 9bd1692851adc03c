"""The switchboard's open WebSocket connections (docs/switchboard.md, "Live updates") in the
CallsTable, both written by `$connect` in one transaction:

| pk | sk | what |
|---|---|---|
| `<company>#SOCKET` | `<connection id>` | a connection of the company: `user_id`, `role`, `connected_at` |
| `SOCKET#<connection id>` | `SOCKET` | which company the connection belongs to (`$disconnect` is told only the id) |

Both expire after 12 hours (`expires_at`, the table's TTL; API Gateway closes a WebSocket
after 2 hours at most, so a connection whose `$disconnect` was lost is forgotten in time).
The push function deletes a connection API Gateway says is gone (GoneException)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from skysentral import clock
from skysentral.store.models import _Calls

SOCKET_TTL_S = 12 * 3600


class SocketItem(_Calls):
    user_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    connected_at = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)  # on the SOCKET#<id> item


@dataclass(frozen=True)
class SocketConnection:
    connection_id: str
    user_id: str
    role: str
    connected_at: str


def _company_pk(company_id: str) -> str:
    return f"{company_id}#SOCKET"


def _id_pk(connection_id: str) -> str:
    return f"SOCKET#{connection_id}"


def add(company_id: str, connection_id: str, user_id: str, role: str) -> SocketConnection:
    now = clock.now()
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    expires = int(time.time()) + SOCKET_TTL_S
    with TransactWrite(connection=Connection()) as tx:
        tx.save(
            SocketItem(
                _company_pk(company_id), connection_id, user_id=user_id, role=role, connected_at=at, expires_at=expires
            )
        )
        tx.save(SocketItem(_id_pk(connection_id), "SOCKET", company_id=company_id, expires_at=expires))
    return SocketConnection(connection_id, user_id, role, at)


def company_of(connection_id: str) -> str | None:
    try:
        return SocketItem.get(_id_pk(connection_id), "SOCKET").company_id
    except DoesNotExist:
        return None


def remove(connection_id: str, company_id: str | None = None) -> str | None:
    """Forget a connection (both items); answers its company, None when it was not known."""
    company_id = company_id or company_of(connection_id)
    SocketItem(_id_pk(connection_id), "SOCKET").delete()
    if company_id:
        SocketItem(_company_pk(company_id), connection_id).delete()
    return company_id


def connections(company_id: str) -> list[SocketConnection]:
    """The company's connections (not yet expired: TTL deletion lags by up to a couple of days)."""
    now_s = int(time.time())
    return [
        SocketConnection(item.sk, item.user_id or "", item.role or "", item.connected_at or "")
        for item in SocketItem.query(_company_pk(company_id))
        if not item.expires_at or item.expires_at > now_s
    ]
