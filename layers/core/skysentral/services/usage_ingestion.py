"""Usage ingestion (D1, D2, D3, D4, D5, D6, D7, D9): apply a batch of usage records
exactly once, batched across the subscriptions of the whole batch.

Per batch: numbers resolved through a warm cache (checked against the subscription items,
read in one batch), records screened (conflicting duplicates, implausible records held,
records later than the grace stored as corrections; domain.usage_screening), states read
in one batch, ledger rows of the batch's records and of the states' pending outcomes read
in one batch, records applied in memory, each state written once with a version
condition, alerts sent, then all ledger rows written 25 per call.

Exactly once: a record is applied when its ledger row exists or its outcome is in its
state's `pending` list (balance_repository explains the write order). A crash between the
state write and the ledger write is finished when the queue delivers the record again:
its row is rebuilt from the record and the pending outcome.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from skysentral.domain import balances as rules
from skysentral.domain import usage_screening as screening
from skysentral.domain.calendar import month_of, next_month
from skysentral.domain.catalogue import PricePlan
from skysentral.events import AlertMessage, UsageRecordIn
from skysentral.services import rating
from skysentral.services.usage import MAX_ATTEMPTS, Account
from skysentral.store import balance_format, balance_repository, usage_review_repository
from skysentral.store.directory_repository import Directory, find_subscription_by_msisdn, subscriptions_by_key

logger = Logger(child=True)
CACHE_LIFETIME_S = 60.0

Notify = Callable[[list[AlertMessage]], None]


def limits_from_environment() -> screening.PlausibilityLimits:
    """Plausibility limits (defect 9) from the template's parameters, else the defaults."""
    return screening.PlausibilityLimits(
        int(os.environ.get("USAGE_MAX_BYTES_PER_RECORD") or screening.DEFAULT_MAX_BYTES_PER_RECORD),
        int(os.environ.get("USAGE_MAX_BYTES_PER_SECOND") or screening.DEFAULT_MAX_BYTES_PER_SECOND),
    )


# ------------------------------------------------------------------ accounts (warm cache)
class AccountCache:
    """number -> subscription, and price plans, kept in the warm function for at most
    `lifetime_s`. Every batch checks the cached numbers against the subscription items
    (one batch read; they also give the current add-ons and plan code), so a renumbered
    or deleted subscription is looked up again at once; a price plan (which has no API to
    change it) is re-read at most `lifetime_s` after it was cached."""

    def __init__(self, lifetime_s: float = CACHE_LIFETIME_S, monotonic: Callable[[], float] = time.monotonic):
        self.lifetime_s, self._monotonic = lifetime_s, monotonic
        self._numbers: dict[str, tuple[float, str, str]] = {}
        self._plans: dict[tuple[str, str], tuple[float, PricePlan]] = {}

    def clear(self) -> None:
        self._numbers.clear()
        self._plans.clear()

    def accounts(self, msisdns: list[str]) -> dict[str, Account | None]:
        now = self._monotonic()
        keys: dict[str, tuple[str, str]] = {}
        for msisdn in dict.fromkeys(msisdns):
            cached = self._numbers.get(msisdn)
            if cached and now - cached[0] < self.lifetime_s:
                keys[msisdn] = cached[1:]
            else:
                found = find_subscription_by_msisdn(msisdn)
                if found is not None:
                    keys[msisdn] = (found[0], found[1].subscription_id)
                    self._numbers[msisdn] = (now, *keys[msisdn])
        subs = subscriptions_by_key(list(keys.values()))
        out: dict[str, Account | None] = {}
        for msisdn in dict.fromkeys(msisdns):
            sub = subs.get(keys.get(msisdn))  # type: ignore[arg-type]
            if sub is None or sub.msisdn != msisdn:  # renumbered or gone since cached: look up once more
                self._numbers.pop(msisdn, None)
                found = find_subscription_by_msisdn(msisdn)
                if found is None:
                    out[msisdn] = None
                    continue
                self._numbers[msisdn] = (now, found[0], found[1].subscription_id)
                keys[msisdn], sub = (found[0], found[1].subscription_id), found[1]
            cid = keys[msisdn][0]
            out[msisdn] = Account(cid, sub, self._plan(cid, sub.plan_code, now))
        return out

    def _plan(self, company_id: str, code: str, now: float) -> PricePlan:
        cached = self._plans.get((company_id, code))
        if cached and now - cached[0] < self.lifetime_s:
            return cached[1]
        plan = Directory(company_id).price_plan(code)
        self._plans[(company_id, code)] = (now, plan)
        return plan


default_cache = AccountCache()


# ------------------------------------------------------------------ rows, outcomes, alerts
def record_month(record: UsageRecordIn) -> str:
    return month_of(record.started_at)


def _pending(record: UsageRecordIn, outcome: rules.Outcome, version: int, correction: bool) -> dict:
    """What the state keeps of an applied record until its ledger row is stored: the
    outcome only (the record itself comes again with the queue's redelivery)."""
    return {
        "id": record.record_id,
        "m": outcome.month,
        "v": version,
        "f": screening.fingerprint(record.content()),
        "c": outcome.counted_quantity,
        "d": [list(x) for x in outcome.drawn],
        "r": outcome.refused_quantity,
        "o": outcome.cost_ore,
        "l": outcome.late,
        "x": correction,
    }


def _pending_sk(p: dict) -> str:
    return p["sk"] if p.get("row") else balance_repository.usage_sk(p["m"], p["id"])


def _row(record: UsageRecordIn, p: dict) -> dict:
    """A ledger row. `v` is the state version whose write applied the record: records are
    applied in (v, started_at, record_id) order, so the balance can be replayed exactly.
    `correction` marks a record later than the D9 grace: in its month's usage and invoice
    correction, never in balances."""
    row = {
        "sk": balance_repository.usage_sk(p["m"], record.record_id),
        "id": record.record_id,
        "month": p["m"],
        "v": p["v"],
        "kind": record.kind,
        "zone": record.zone,
        "country": record.country,
        "at": record.started_at.isoformat(),
        "qty": record.quantity,
        "counted": p["c"],
        "refused": p["r"],
        "cost_ore": p["o"],
        "status": "applied" if not p["r"] else ("refused" if not p["c"] else "partial"),
        "late": p["l"],
        "drawn": p["d"],
        "fp": p["f"],
    }
    if p["x"]:
        row["correction"] = True
    if record.duration_s is not None:
        row["duration_s"] = record.duration_s
    return row


def _alert_message(account: Account, alert: rules.Alert) -> dict:
    """D7: the key is unique across companies (subscription ids are unique only within one);
    the SMS handler sends once per key."""
    cid, sub = account.company_id, account.subscription
    return AlertMessage(
        key=f"{cid}:{sub.subscription_id}:{alert.key}",
        company_id=cid,
        subscription_id=sub.subscription_id,
        msisdn=sub.msisdn,
        kind=alert.kind,
        month=alert.month,
        params=alert.params,
    ).model_dump()


# ------------------------------------------------------------------ the batch
@dataclass
class IngestResult:
    failed: dict[str, str] = field(default_factory=dict)  # record id -> reason (retried, then dead-lettered)
    applied: int = 0
    corrections: int = 0
    held: int = 0
    conflicts: int = 0


@dataclass
class _Group:
    account: Account
    records: list[UsageRecordIn]
    state: balance_repository.State | None = None
    costs: dict[str, int] = field(default_factory=dict)  # record id -> the balance step's cost (F3 rating)


def ingest(
    records: list[UsageRecordIn],
    notify: Notify,
    *,
    now: datetime,
    limits: screening.PlausibilityLimits | None = None,
    cache: AccountCache | None = None,
    released: frozenset[tuple[str, str]] = frozenset(),
) -> IngestResult:
    """Apply a batch of valid records once each. `now` is when they arrived (D9 lateness);
    `released` lists (company id, record id) pairs an operator released from review."""
    limits = limits or limits_from_environment()
    cache = cache or default_cache
    result = IngestResult()
    firsts, repeats = _first_versions(records)
    accounts = cache.accounts([r.msisdn for r in firsts])
    for first, other in repeats:
        account = accounts.get(first.msisdn)
        try:
            _conflict(account.company_id if account else "unknown", first.model_dump(mode="json"), other, now, result)
        except Exception as exc:  # noqa: BLE001 - not listed yet: the message comes again (the kept version is applied once)
            result.failed[other.record_id] = f"the conflict could not be listed: {exc}"
    groups: dict[tuple[str, str], _Group] = {}
    suspicious: list[tuple[Account, UsageRecordIn, str]] = []
    for record in firsts:
        account = accounts.get(record.msisdn)
        if account is None:
            result.failed[record.record_id] = f"No subscription has the number {record.msisdn}."
            continue
        reason = screening.implausibility(record.kind, record.quantity, record.duration_s, limits)
        if reason and (account.company_id, record.record_id) not in released:
            suspicious.append((account, record, reason))
            continue
        key = (account.company_id, account.subscription.subscription_id)
        groups.setdefault(key, _Group(account, [])).records.append(record)
    for account, record in _hold(suspicious, now, result):  # released earlier: applied (once) like any record
        key = (account.company_id, account.subscription.subscription_id)
        groups.setdefault(key, _Group(account, [])).records.append(record)
    if groups:
        _apply(groups, notify, now, result)
        _rate(groups, now, result)
    return result


def _rate(groups: dict[tuple[str, str], _Group], now: datetime, result: IngestResult) -> None:
    """F3: after the balance step, each applied record (also one applied by an earlier
    delivery) becomes its rated line, once: a record whose line fails to be stored is
    retried by the queue (its balance step is then a no-op, its line is written)."""
    todo = [
        rating.ToRate(g.account.company_id, g.account.subscription, g.account.plan, r, g.costs[r.record_id])
        for g in groups.values()
        for r in g.records
        if r.record_id not in result.failed and r.record_id in g.costs
    ]
    if not todo:
        return
    try:
        rating.rate_records(todo, now)
    except Exception as exc:  # noqa: BLE001 - the balances are applied; the redelivery writes the lines
        logger.warning("rating failed; the records come again", extra={"reason": str(exc), "records": len(todo)})
        for item in todo:
            result.failed[item.record.record_id] = f"the record could not be rated: {exc}"


def _first_versions(
    records: list[UsageRecordIn],
) -> tuple[list[UsageRecordIn], list[tuple[UsageRecordIn, UsageRecordIn]]]:
    """Defect 8: within a batch, the first version of a record id is kept; an identical
    repeat is dropped, a different one is a conflict: returns (firsts, (first, other) pairs)."""
    firsts: dict[str, UsageRecordIn] = {}
    repeats = []
    for record in records:
        first = firsts.setdefault(record.record_id, record)
        if first is not record and first.content() != record.content():
            repeats.append((first, record))
    return list(firsts.values()), repeats


def _conflict(company_id: str, kept: dict, record: UsageRecordIn, now: datetime, result: IngestResult) -> None:
    conflicting = record.model_dump(mode="json")
    fp = screening.fingerprint(record.content())
    logger.warning(
        "usage record conflict: same record id, different content; the first is kept",
        extra={"record_id": record.record_id, "company_id": company_id, "kept": kept, "conflicting": conflicting},
    )
    if usage_review_repository.record_conflict(
        company_id, record.record_id, kept, conflicting, fp, now.astimezone(UTC).isoformat()
    ):
        result.conflicts += 1


def _hold(
    suspicious: list[tuple[Account, UsageRecordIn, str]], now: datetime, result: IngestResult
) -> list[tuple[Account, UsageRecordIn]]:
    """Defect 9: implausible records are held (not applied, not lost) for the operator.
    Returns those an operator has released already (a redelivery: the ledger applies them
    once); rejected ones are dropped."""
    released = []
    for account, record, reason in suspicious:
        try:
            view = usage_review_repository.hold(
                account.company_id,
                account.subscription.subscription_id,
                record.model_dump(mode="json"),
                reason,
                now.astimezone(UTC).isoformat(),
            )
        except Exception as exc:  # noqa: BLE001 - not held yet: the queue brings it again
            result.failed[record.record_id] = f"the record could not be held for review: {exc}"
            continue
        if view["status"] == usage_review_repository.HELD:
            result.held += 1
            logger.warning(
                "usage record held for review",
                extra={"company_id": account.company_id, "record_id": record.record_id, "reason": reason},
            )
        elif view["status"] == usage_review_repository.RELEASED:
            released.append((account, record))
    return released


def _apply(groups: dict[tuple[str, str], _Group], notify: Notify, now: datetime, result: IngestResult) -> None:
    states = balance_repository.load_many(list(groups))
    for key, group in groups.items():
        group.state = states[key]
    todo = dict(groups)
    rows: list[tuple[str, dict]] = []
    alerts: list[dict] = []
    written: dict[tuple[str, str], _Group] = {}
    for _ in range(MAX_ATTEMPTS):
        if not todo:
            break
        stored = _stored(todo)
        stale = {}
        for key, group in todo.items():
            try:
                group_rows, group_alerts, applied, corrections = _apply_group(group, stored, now, result)
            except balance_repository.StaleState:
                stale[key] = group
                continue
            except Exception as exc:  # noqa: BLE001 - one subscription's failure must not fail the others
                _fail(group, exc, result)
                continue
            result.applied += applied
            result.corrections += corrections
            rows += [(balance_repository.partition(*key), row) for row in group_rows]
            alerts += group_alerts
            written[key] = group
        if stale:
            fresh = balance_repository.load_many(list(stale))
            for key, group in stale.items():
                group.state = fresh[key]
        todo = stale
    for group in todo.values():
        _fail(group, balance_repository.StaleState("the state kept changing; the records will be retried"), result)
    try:
        if alerts:
            notify([AlertMessage.model_validate(m) for m in alerts])
        if rows:
            _write_rows(rows)
    except Exception as exc:  # noqa: BLE001 - the states carry the outcomes: the redelivery finishes the rows
        for group in written.values():
            _fail(group, exc, result)


def _save_state(
    cid: str, sid: str, state: balance_repository.State, balance: rules.Balance, pending: list[dict], outbox: list[dict]
) -> None:
    """The conditional state write, tried twice on a transient error: repeating it is safe
    (if the first attempt was stored after all, the second finds a newer version: StaleState,
    and the group is read again and finds its records pending)."""
    try:
        balance_repository.save(cid, sid, state, balance, pending=pending, outbox=outbox)
    except balance_repository.StaleState:
        raise
    except Exception as exc:  # noqa: BLE001 - writing again is harmless; a second failure is raised
        logger.warning(
            "state write failed; trying once more", extra={"subscription": f"{cid}/{sid}", "reason": str(exc)}
        )
        balance_repository.save(cid, sid, state, balance, pending=pending, outbox=outbox)


def _write_rows(rows: list[tuple[str, dict]]) -> None:
    """The ledger rows of the whole batch; tried twice (plain puts, so a repeat is
    harmless) because a failure here sends every subscription's records back to the queue."""
    try:
        balance_repository.write_ledger(rows)
    except Exception as exc:  # noqa: BLE001 - writing again is harmless; a second failure is raised
        logger.warning("ledger write failed; trying once more", extra={"reason": str(exc), "rows": len(rows)})
        balance_repository.write_ledger(rows)


def _fail(group: _Group, exc: Exception, result: IngestResult) -> None:
    logger.warning(
        "usage records failed",
        extra={
            "msisdn": group.account.subscription.msisdn,
            "reason": str(exc),
            "records": [r.record_id for r in group.records],
        },
    )
    for record in group.records:
        result.failed[record.record_id] = str(exc) or type(exc).__name__


def _stored(groups: dict[tuple[str, str], _Group]) -> dict[tuple[str, str], dict]:
    """The stored ledger rows of the batch's records and of the states' pending outcomes
    (one batch read per 100 keys across all subscriptions)."""
    keys = []
    for (cid, sid), group in groups.items():
        pk = balance_repository.partition(cid, sid)
        keys += [(pk, balance_repository.usage_sk(record_month(r), r.record_id)) for r in group.records]
        keys += [(pk, _pending_sk(p)) for p in balance_format.pending_outcomes_of(group.state)]
    return balance_repository.stored_rows(keys)


def _apply_group(
    group: _Group, stored: dict, now: datetime, result: IngestResult
) -> tuple[list[dict], list[dict], int, int]:
    """Apply one subscription's new records in memory and write its state; returns the
    ledger rows and alerts to send (after every state of the batch is written), and how
    many records were applied to balances and stored as late corrections."""
    account, state = group.account, group.state
    cid, sid = account.company_id, account.subscription.subscription_id
    pk = balance_repository.partition(cid, sid)
    pending = balance_format.pending_outcomes_of(state)
    pending_by_id = {p["id"]: p for p in pending}
    unstored = [p for p in pending if (pk, _pending_sk(p)) not in stored]
    records = sorted(group.records, key=lambda r: (r.started_at, r.record_id))
    to_balance = [r for r in records if not screening.is_late_correction(record_month(r), now)]
    balance = state.balance or rules.new_balance(
        account.plan, min((record_month(r) for r in to_balance), default=month_of(now))
    )
    rows, new_pending, alerts = [], [], []
    finishing = [{k: v for k, v in p.items() if k != "row"} for p in unstored if p.get("row")]  # older: whole rows
    applied = corrections = 0
    version = state.version + 1
    for record in records:
        row = stored.get((pk, balance_repository.usage_sk(record_month(record), record.record_id)))
        earlier = pending_by_id.get(record.record_id)
        fp = screening.fingerprint(record.content())
        if row is not None or earlier is not None:
            group.costs[record.record_id] = int((row or {}).get("cost_ore", (earlier or {}).get("o", 0)))
            kept_fp = (row or {}).get("fp") or (earlier or {}).get("f") or fp
            if kept_fp != fp:
                group.costs.pop(record.record_id)  # the kept version was rated, not this one
                _conflict(cid, row or {"record_id": record.record_id, "fingerprint": kept_fp}, record, now, result)
            elif earlier is not None and row is None and not earlier.get("row"):
                finishing.append(_row(record, earlier))  # the write before crashed before its row
            continue
        if screening.is_late_correction(record_month(record), now):
            late_month = record_month(record)  # D9: priced in its own month, balances untouched
            _, outcome = rules.apply_usage(
                rules.new_balance(account.plan, next_month(next_month(late_month))),
                account.plan,
                account.addons,
                record.to_domain(),
            )
            entry = _pending(record, outcome, version, correction=True)
            corrections += 1
        else:
            balance, outcome = rules.apply_usage(balance, account.plan, account.addons, record.to_domain())
            alerts.extend(_alert_message(account, a) for a in outcome.alerts)
            entry = _pending(record, outcome, version, correction=False)
            applied += 1
        new_pending.append(entry)
        rows.append(_row(record, entry))
        group.costs[record.record_id] = outcome.cost_ore
    if new_pending:
        # A write that crashed before its rows were stored may not have sent its alerts either.
        outbox = alerts + (state.outbox if unstored else [])
        _save_state(
            cid,
            sid,
            state,
            balance,
            balance_format.pending_to_item(unstored + new_pending, version, balance.month),
            outbox,
        )
        return rows + finishing, outbox, applied, corrections
    return finishing, (state.outbox if unstored and finishing else []), 0, 0
