"""Storage of balances (D1-D9): one state item per subscription plus its usage ledger.

Write path of a batch of usage (see services.usage_ingestion), batched across the
subscriptions of the whole batch:
  1. read the states (one BatchGetItem per 100) and the ledger rows of the batch's
     records and of the states' pending outcomes (one BatchGetItem per 100 keys);
  2. apply the new records in memory;
  3. write each state, conditional on its version (optimistic locking), with the new
     records' outcomes in `pending` and the alerts in `outbox`;
  4. send the alerts, then write the ledger rows, 25 per call across subscriptions
     (write_ledger).
A record is "applied" when its ledger row exists or its outcome is in `pending`. A crash
after 3 is finished by the next delivery of the record (the queue redelivers it): its row
is rebuilt from the record and the pending outcome. Pending outcomes are dropped once
their rows are seen stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.exceptions import PutError, UpdateError

from skysentral.domain.balances import Balance
from skysentral.store.balance_format import balance_from_item, balance_to_item
from skysentral.store.conditions import condition_failed
from skysentral.store.models import AlertLogItem, BalanceStateItem, UsageRowItem


class StaleState(Exception):
    """Someone else wrote the state since it was read: read again and retry."""


@dataclass
class State:
    balance: Balance | None
    version: int = 0
    pending: list[dict] = field(default_factory=list)
    outbox: list[dict] = field(default_factory=list)


def partition(company_id: str, subscription_id: str) -> str:
    return f"{company_id}#{subscription_id}"


def usage_sk(month: str, record_id: str) -> str:
    return f"USAGE#{month}#{record_id}"


def load(company_id: str, subscription_id: str) -> State:
    return _state(_get(company_id, subscription_id))


def load_many(keys: list[tuple[str, str]]) -> dict[tuple[str, str], State]:
    """States of many subscriptions ((company id, subscription id) pairs), read in batches of 100."""
    wanted = {partition(c, s): (c, s) for c, s in keys}
    found = {key: State(None) for key in wanted.values()}
    pks = list(wanted)
    for i in range(0, len(pks), 100):
        for item in BalanceStateItem.batch_get([(pk, "STATE") for pk in pks[i : i + 100]], consistent_read=True):
            found[wanted[item.pk]] = _state(item)
    return found


def _state(item: BalanceStateItem | None) -> State:
    if item is None:
        return State(None)
    return State(balance_from_item(item.balance), int(item.version), list(item.pending or []), list(item.outbox or []))


def _get(company_id: str, subscription_id: str) -> BalanceStateItem | None:
    try:
        return BalanceStateItem.get(partition(company_id, subscription_id), "STATE", consistent_read=True)
    except BalanceStateItem.DoesNotExist:
        return None


def save(
    company_id: str, subscription_id: str, state: State, balance: Balance, *, pending: list[dict], outbox: list[dict]
) -> int:
    """Write the whole state if nobody wrote it since `state` was read; returns the new version."""
    item = BalanceStateItem(
        partition(company_id, subscription_id),
        "STATE",
        version=state.version + 1,
        balance=balance_to_item(balance),
        pending=pending,
        outbox=outbox,
    )
    condition = (BalanceStateItem.version == state.version) if state.version else BalanceStateItem.pk.does_not_exist()
    try:
        item.save(condition=condition)
    except PutError as exc:
        if condition_failed(exc):
            raise StaleState() from None
        raise
    return state.version + 1


def update_balance(company_id: str, subscription_id: str, state: State, balance: Balance) -> int:
    """Replace only the balance (month close, lifting a block): pending rows and outbox stay."""
    if not state.version:
        return save(company_id, subscription_id, state, balance, pending=[], outbox=[])
    item = BalanceStateItem(partition(company_id, subscription_id), "STATE")
    try:
        item.update(
            actions=[
                BalanceStateItem.balance.set(balance_to_item(balance)),
                BalanceStateItem.version.set(state.version + 1),
            ],
            condition=BalanceStateItem.version == state.version,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise StaleState() from None
        raise
    return state.version + 1


def stored_rows(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The ledger rows that exist among these (partition, sk) keys, across subscriptions:
    strongly consistent batch reads of 100 keys each."""
    keys = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict] = {}
    for i in range(0, len(keys), 100):
        for item in UsageRowItem.batch_get(keys[i : i + 100], consistent_read=True):
            found[(item.pk, item.sk)] = item.row
    return found


def write_ledger(rows: list[tuple[str, dict]]) -> None:
    """Ledger rows of many subscriptions ((partition, row) pairs) as plain puts, 25 per
    BatchWriteItem; a repeat writes the same row again: harmless."""
    with UsageRowItem.batch_write() as batch:
        for pk, row in rows:
            batch.save(UsageRowItem(pk, row["sk"], row=row))


def write_rows(company_id: str, subscription_id: str, rows: list[dict]) -> None:
    """One subscription's ledger rows (e.g. a purchase), as plain puts."""
    pk = partition(company_id, subscription_id)
    write_ledger([(pk, row) for row in rows])


def usage_rows(company_id: str, subscription_id: str, month: str) -> list[dict]:
    pk = partition(company_id, subscription_id)
    return [item.row for item in UsageRowItem.query(pk, UsageRowItem.sk.startswith(f"USAGE#{month}#"))]


def log_alert(
    company_id: str, subscription_id: str, month: str, key: str, kind: str, text: str, language: str, sent_at: str
) -> None:
    AlertLogItem(
        partition(company_id, subscription_id),
        f"ALERT#{month}#{key}",
        kind=kind,
        text=text,
        language=language,
        sent_at=sent_at,
    ).save()


def alerts(company_id: str, subscription_id: str, month: str) -> list[dict]:
    pk = partition(company_id, subscription_id)
    return [
        {"kind": i.kind, "text": i.text, "language": i.language, "sent_at": i.sent_at}
        for i in AlertLogItem.query(pk, AlertLogItem.sk.startswith(f"ALERT#{month}#"))
    ]
